"""How fast the widget shows a 50-comment thread, and how big it is.

Starts `rostra demo` on a free port, posts 40 more comments so the demo thread has 50, then loads
the demo article in Debian's Chromium (headless, same flags as the tests) and measures, in the
page, the time from the moment widget.js starts executing to the moment the first comment is in
the thread's shadow root. Also reports the gzipped size of the thread page's JavaScript.

    .venv/bin/python bench/widget_render.py [--runs 15]
"""

from __future__ import annotations

import argparse
import gzip
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from report import write_section

from rostra.web.pages import widget_file

ROOT = Path(__file__).resolve().parent.parent
WIDGET = ROOT / "src" / "rostra" / "widget"
PAGE = "/2026/11/river-bridge-reopens"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip
# Runs before any page script: notes when widget.js starts and when the first comment appears.
PROBE = """
(() => {
  const seen = () => {
    const host = document.getElementById('rostra-thread');
    const root = host && host.shadowRoot;
    if (root && root.querySelector('article')) {
      window.__firstComment = performance.now();
      return;
    }
    requestAnimationFrame(seen);
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if (entry.name.endsWith('/widget.js')) window.__widgetLoaded = entry.responseEnd;
  }).observe({ type: 'resource', buffered: true });
  requestAnimationFrame(seen);
})();
"""


# When, after widget.js arrived, each later download ended (ms): where the time goes.
PHASES = """
(() => {
  const out = {};
  for (const e of performance.getEntriesByType('resource')) {
    const name = e.name.includes('/api/v1/comments') ? 'GET /api/v1/comments'
      : e.name.split('/').pop().split('?')[0];
    if (e.responseEnd > window.__widgetLoaded) out[name] = e.responseEnd - window.__widgetLoaded;
  }
  out['first comment shown'] = window.__firstComment - window.__widgetLoaded;
  return out;
})()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    port, folder = free_port(), tempfile.mkdtemp(prefix="rostra-widget-bench-")
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ROSTRA_RATE_LIMITS": "off"}
    server = subprocess.Popen(
        [sys.executable, "-m", "rostra", "demo", "--port", str(port), "--data-dir", folder],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        for n in range(40):
            text = f"Comment {n}, with **some** Markdown and a [link](https://example.org)."
            body = {"site": "demo", "page": PAGE, "author_name": f"Reader {n}", "body": text}
            httpx.post(f"{url}/api/v1/comments", json=body, timeout=10).raise_for_status()
        samples: list[float] = []
        phases: list[dict[str, float]] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for _ in range(args.runs):
                # The probe is evaluated by Playwright; the page's CSP would forbid that.
                context = browser.new_context(bypass_csp=True)
                page = context.new_page()
                page.add_init_script(PROBE)
                page.goto(f"{url}/")
                page.wait_for_function(
                    "window.__firstComment && window.__widgetLoaded", timeout=10_000
                )
                samples.append(page.evaluate("window.__firstComment - window.__widgetLoaded"))
                phases.append(page.evaluate(PHASES))
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    core = ["widget.js", "thread.js", "api.js", "composer.js", "dom.js", "i18n.js", "styles.js"]
    source = len(gzip.compress(b"".join((WIDGET / name).read_bytes() for name in core), 9))
    served = b"".join(widget_file(name.removesuffix(".js"))[0] for name in core)
    size = len(gzip.compress(served, 9))
    samples.sort()
    body = "\n".join([
        "Command: `.venv/bin/python bench/widget_render.py`",
        "",
        f"Thread page JavaScript ({', '.join(core)}) as served, minified: **{size:,} bytes "
        f"gzipped** (budget 15,360; the commented source: {source:,}).",
        "",
        f"From widget.js arriving to the first of 50 comments in the shadow root, {len(samples)} "
        f"cold page loads in headless Chromium on 127.0.0.1: "
        f"median **{statistics.median(samples):.0f} ms**, "
        f"max {samples[-1]:.0f} ms (budget 150 ms). This includes fetching the feature modules "
        "and the first page of comments from the API.",
    ])  # fmt: skip
    names = sorted({name for run in phases for name in run}, key=lambda n: _median(phases, n))
    rows = [f"| {name} | {_median(phases, name):.0f} |" for name in names]
    body += "\n\nMedian time after widget.js arrived at which each download ended:\n\n"
    body += "\n".join(["| step | ms |", "| --- | ---: |", *rows])
    print(body)
    write_section("widget-render", "Widget: size and first render", body)


def _median(runs: list[dict[str, float]], name: str) -> float:
    return statistics.median(run[name] for run in runs if name in run)


if __name__ == "__main__":
    main()
