"""What a reader sees on the demo article at phone and desktop widths: inline counters beside
the article's words, never on them; controls whose labels stay on one line; the goal box before
the comments on phones; permalinks on timestamps; no voting on one's own comment."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import DemoServer, running_demo

pytestmark = pytest.mark.browser

# Rectangles of the article's text lines, and of the inline layer's buttons, in page
# coordinates; the overlaps between them.
OVERLAPS = """() => {
  const art = document.querySelector("[data-rostra-article]");
  const lines = [];
  const walk = document.createTreeWalker(art, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (!n.data.trim()) continue;
    const r = document.createRange();
    r.selectNodeContents(n);
    for (const b of r.getClientRects()) if (b.width > 0) lines.push(b);
  }
  const layer = document.querySelector("[data-rostra-inline]").shadowRoot;
  const pins = [...layer.querySelectorAll(".pin")].filter((b) => !b.hidden);
  const hits = [];
  for (const p of pins) {
    const a = p.getBoundingClientRect();
    for (const b of lines) {
      const apart = a.right <= b.left + 1 || b.right <= a.left + 1
        || a.bottom <= b.top + 1 || b.bottom <= a.top + 1;
      if (!apart) {
        hits.push(`${p.textContent} over "${b.left|0},${b.top|0}"`);
      }
    }
  }
  return { pins: pins.length, lines: lines.length, hits };
}"""

# Controls (in the given shadow roots) whose visible label takes more than one line.
WRAPPED = """(hosts) => {
  const wrapped = [];
  let checked = 0;
  for (const sel of hosts) {
    const root = document.querySelector(sel)?.shadowRoot;
    if (!root) continue;
    for (const el of root.querySelectorAll("button, [role=tab], label, select")) {
      if (!el.getClientRects().length || el.closest("[hidden], .hp")) continue;
      const r = document.createRange();
      r.selectNodeContents(el);
      const tops = new Set();
      for (const b of r.getClientRects()) {
        if (b.width > 1 && b.height > 1) tops.add(Math.round(b.bottom / 4));
      }
      checked++;
      if (tops.size > 1) wrapped.push(el.textContent.trim() || el.outerHTML.slice(0, 60));
    }
  }
  return { checked, wrapped };
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with running_demo(tmp_path_factory.mktemp("layout")) as demo:
        yield demo


@pytest.mark.parametrize("width", [390, 1280])
def test_counters_and_controls_keep_clear_of_text_and_on_one_line(
    new_page: object, width: int
) -> None:
    from playwright.sync_api import expect

    page = new_page(width=width)
    inline = page.locator("[data-rostra-inline]")  # type: ignore[attr-defined]
    expect(inline.locator(".pin:not(.add)")).to_have_count(3)
    found = page.evaluate(OVERLAPS)  # type: ignore[attr-defined]
    assert found["pins"] == 3 and found["lines"] > 20, found
    assert found["hits"] == [], found["hits"]

    # The composer's controls, the sort and kind tabs, the goal box's buttons.
    thread = page.locator("#rostra-thread")  # type: ignore[attr-defined]
    thread.get_by_role("textbox", name="Your comment").first.focus()
    expect(thread.get_by_role("button", name="Post comment")).to_be_visible()
    expect(page.locator("[data-rostra-support]").get_by_role("button", name="£25")).to_be_visible()  # type: ignore[attr-defined]
    controls = page.evaluate(WRAPPED, ["#rostra-thread", "[data-rostra-support]"])  # type: ignore[attr-defined]
    assert controls["checked"] > 15, controls
    assert controls["wrapped"] == [], controls["wrapped"]
    # "Add image" comes before the main button, and the hint is plain text, not chips.
    row = thread.locator(".row").first
    labels = row.locator("button").all_inner_texts()
    assert labels.index("Add image") < labels.index("Post comment"), labels
    assert thread.locator(".hint code").count() == 0

    # Selecting words offers the button on one line, clear of the selection.
    page.evaluate(  # type: ignore[attr-defined]
        """() => {
          const p = document.querySelectorAll("[data-rostra-article] p")[4];
          const r = document.createRange();
          r.setStart(p.firstChild, 4);
          r.setEnd(p.firstChild, 40);
          getSelection().removeAllRanges();
          getSelection().addRange(r);
        }"""
    )
    add = inline.locator(".pin.add")
    expect(add).to_be_visible()
    box = add.bounding_box()
    assert box is not None and box["height"] < 40, box  # one line, not a squeezed circle
    clear = page.evaluate(  # type: ignore[attr-defined]
        """() => {
          const layer = document.querySelector("[data-rostra-inline]").shadowRoot;
          const a = layer.querySelector(".pin.add").getBoundingClientRect();
          return [...getSelection().getRangeAt(0).getClientRects()].every((b) =>
            a.bottom <= b.top + 1 || a.top >= b.bottom - 1
            || a.right <= b.left || a.left >= b.right);
        }"""
    )
    assert clear, "the button covers the selected words"


def test_goal_box_comes_before_the_comments_on_phones(new_page: object) -> None:
    from playwright.sync_api import expect

    page = new_page(width=390)
    support = page.locator("[data-rostra-support]")  # type: ignore[attr-defined]
    expect(support.get_by_role("progressbar")).to_be_visible()
    article_box = page.locator("article").first.bounding_box()  # type: ignore[attr-defined]
    goal = support.bounding_box()
    comments = page.locator("#comments").bounding_box()  # type: ignore[attr-defined]
    assert article_box and goal and comments
    assert article_box["y"] + article_box["height"] <= goal["y"] < comments["y"]
    wide = new_page(width=1280)
    expect(wide.locator("[data-rostra-support]").get_by_role("progressbar")).to_be_visible()  # type: ignore[attr-defined]
    goal = wide.locator("[data-rostra-support]").bounding_box()  # type: ignore[attr-defined]
    main = wide.locator("main").bounding_box()  # type: ignore[attr-defined]
    assert goal and main and goal["x"] >= main["x"] + main["width"]  # beside, in the sidebar


def test_permalinks_plain_wording_and_no_vote_on_own_comment(
    new_page: object, server: DemoServer
) -> None:
    from playwright.sync_api import expect

    listing = server.http.get(
        "/api/v1/comments",
        params={"site": "demo", "page": "/2026/11/river-bridge-reopens", "sort": "oldest"},
    ).json()
    oldest = listing["comments"][0]
    page = new_page(url=f"{server.url}/#comment-{oldest['id']}")
    thread = page.locator("#rostra-thread")  # type: ignore[attr-defined]
    target = thread.locator("article.c.target")
    expect(target).to_have_count(1)
    expect(target).to_contain_text(oldest["body_html"][3:30])
    expect(target).to_be_in_viewport()
    stamp = target.locator("a.perma").first
    expect(stamp).to_have_attribute("href", f"#comment-{oldest['id']}")
    # The newsroom's reply wears the staff badge.
    staff = thread.locator("article.c", has_text="the 7.5-tonne limit stays")
    expect(staff.locator(".badge")).to_have_text("Staff")
    # Plain words for the two kinds of comments.
    expect(thread.get_by_role("tab", name="Comments on passages")).to_be_visible()
    expect(thread.get_by_role("tab", name="All comments")).to_be_visible()
    assert "Inline Feedbacks" not in thread.inner_text()

    # Clicking another timestamp moves the highlight there and into the address.
    other = thread.locator("article.c").nth(1)
    other.locator("a.perma").first.click()
    expect(other).to_have_class(re.compile(r"\btarget\b"))
    assert re.search(r"#comment-[\w-]+$", page.url)  # type: ignore[attr-defined]

    thread.get_by_role("textbox", name="Your comment").first.fill(
        "The new cycle lane is a real improvement for my commute."
    )
    thread.get_by_label("Name").first.fill("Una Self")
    thread.get_by_role("button", name="Post comment").click()
    mine = thread.locator(
        "article.c", has_text="The new cycle lane is a real improvement for my commute."
    )
    expect(mine).to_be_visible()
    expect(mine.get_by_role("group", name="Votes")).to_contain_text("0")
    expect(mine.get_by_role("button", name="Upvote")).to_have_count(0)
    expect(mine.get_by_role("button", name="Downvote")).to_have_count(0)
    # Still so after a reload; other readers' comments keep their buttons.
    page.reload()  # type: ignore[attr-defined]
    mine = thread.locator(
        "article.c", has_text="The new cycle lane is a real improvement for my commute."
    )
    expect(mine).to_be_visible()
    expect(mine.get_by_role("button", name="Upvote")).to_have_count(0)
    expect(
        thread.locator("article.c", has_text="Finally!").get_by_role("button", name="Upvote")
    ).to_have_count(1)
