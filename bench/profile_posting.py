"""Where a post's CPU goes: py-spy on `rostra serve` while wrk posts comments.

Starts `rostra serve --workers N` on a fresh SQLite file (rate limits off, default screening),
drives it with `wrk -c50` and `bench/wrk/post_comment.lua` (a distinct comment per request, as
in `bench/compare_isso.py`'s posting part), samples the server's processes with py-spy for
``--seconds`` and prints the inclusive share of the working samples per function. To profile
another commit, run it with ``PYTHONPATH=<that checkout>/src``.

    .venv/bin/python bench/profile_posting.py [--workers 1] [--seconds 9] [--top 40] [--self]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h

SITE, PAGE = "bench", "/bench-post"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=9.0)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--self", action="store_true", help="also the shares by line sampled and by package"
    )
    args = parser.parse_args()
    h.ensure_tools(need_isso=False, need_nginx=False, need_pyspy=True)
    env = {"ROSTRA_RATE_LIMITS": "off", "ROSTRA_SECRET_KEY": "profile-posting-" + "k" * 40}
    wrk_env = {"WRK_FLAVOR": "rostra", "WRK_SITE": SITE, "WRK_PAGE": PAGE}
    processes = h.Processes()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        database = f"sqlite:///{workdir / 'rostra.db'}"
        server = h.serve_rostra(
            processes, database, site=SITE, workers=args.workers, workdir=workdir, env=env
        )
        try:
            url = f"http://127.0.0.1:{server.port}/api/v1/comments"
            h.run_wrk(url, connections=10, seconds=2, script="post_comment.lua", env=wrk_env)
            wrk = h.wrk_command(
                url, connections=50, seconds=args.seconds + 4, script="post_comment.lua"
            )
            output = workdir / "profile.txt"
            with subprocess.Popen(
                wrk, stdout=subprocess.DEVNULL, env={**os.environ, **wrk_env}
            ) as load:
                time.sleep(2)
                h.run_pyspy(server.pgid, args.seconds, output)
                load.wait(timeout=args.seconds + 60)
            summary = h.summarize_profile(output, top=args.top)
        finally:
            processes.stop(server)
    if args.self:
        for view in ("self", "packages"):
            print(f"{view}:")
            for name, share in summary[view]:
                print(f"{share:5.1f} %  {name}")
    working, every = (count for _, count in summary["samples"])
    print(f"{working:,.0f} working samples of {every:,.0f}; inclusive shares of the working ones:")
    for name, share in summary["inclusive"]:
        print(f"{share:5.1f} %  {name}")


if __name__ == "__main__":
    main()
