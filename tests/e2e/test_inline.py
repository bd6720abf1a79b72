"""Inline feedback in a real browser against the real server (``rostra demo``).

The demo article is ``/2026/11/river-bridge-reopens`` on site ``demo``; its text is wrapped in
``data-rostra-article`` and its quotation is a fixed feedback point (``data-rostra-passage``).
The last test embeds the widget on a publisher's page served from another origin, changes the
article between two loads, and checks where the feedback lands.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from rostra.domain.anchoring import Orphaned, place_anchor
from rostra.domain.anchors import parse_anchor
from tests.e2e.conftest import DemoServer

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

SITE = "demo"
ARTICLE = "/2026/11/river-bridge-reopens"
CASES = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "anchoring_cases.json").read_text()
)["cases"]
PHRASE = "the painted line that riders said gave them no protection"


def thread(server: DemoServer, **params: str) -> dict[str, Any]:
    response = server.http.get(
        "/api/v1/comments",
        params={"site": SITE, "page": ARTICLE, "limit": "100", **params},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def highlighted(page: Page) -> list[str]:
    """The text of every range the widget highlights (CSS Custom Highlight API)."""
    return list(
        page.evaluate("() => [...(CSS.highlights.get('rostra') || [])].map(r => r.toString())")
    )


def select(page: Page, text: str) -> None:
    """Select ``text`` inside the article, as a reader dragging the mouse would."""
    page.evaluate(
        """text => {
            const art = document.querySelector('[data-rostra-article]');
            const w = document.createTreeWalker(art, NodeFilter.SHOW_TEXT);
            for (let n; (n = w.nextNode());) {
                const i = n.data.indexOf(text);
                if (i < 0) continue;
                const r = document.createRange();
                r.setStart(n, i);
                r.setEnd(n, i + text.length);
                getSelection().removeAllRanges();
                getSelection().addRange(r);
                return;
            }
            throw new Error('not in the article: ' + text);
        }""",
        text,
    )


def human(page: Page) -> None:
    """Let the page's clock run past the time a person needs to write (screening holds forms
    sent faster) without the test waiting for it."""
    page.clock.fast_forward(5_000)


def counters(page: Page) -> Locator:
    return page.locator("[data-rostra-inline]").get_by_role(
        "button", name=re.compile("on this passage")
    )


WORDS = [
    "the",
    "bridge",
    "lane",
    "kerb",
    "river",
    "council",
    "stone",
    "arch",
    "budget",
    "cyclists",
    "town",
    "lorries",
    "quay",
    "mill",
]


def random_cases(count: int, seed: int) -> list[dict[str, Any]]:
    """Edited articles and anchors taken from the original: every step and orphan reason."""
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 120))) + "."
        start = rng.randrange(0, len(text) - 12)
        end = rng.randint(start + 3, min(len(text), start + 60))
        anchor = {
            "exact": text[start:end],
            "prefix": text[max(0, start - 32) : start],
            "suffix": text[end : end + 32],
            "start": start if rng.random() < 0.5 else None,
            "end": None,
        }
        if anchor["start"] is not None:
            anchor["end"] = end
        for _ in range(rng.randint(0, 3)):
            at = rng.randrange(len(text))
            text = text[:at] + rng.choice(["", "x", "new ", "é"]) + text[at + rng.randint(0, 4) :]
        cases.append({"text": text, "anchor": anchor})
    return cases


def python_answer(case: dict[str, Any]) -> dict[str, Any] | None:
    anchor = parse_anchor(case["anchor"])
    assert anchor is not None
    result = place_anchor(case["text"], anchor)
    if isinstance(result, Orphaned):
        return None
    return {"start": result.start, "end": result.end, "method": result.method.value}


def test_browser_and_python_agree_on_every_shared_anchoring_case(new_page, server):
    page = new_page()
    answers = page.evaluate(
        """async ([base, cases]) => {
            const { place } = await import(base + '/widget/anchoring.js');
            return cases.map(c => place(c.text, c.anchor));
        }""",
        [server.url, CASES],
    )
    mismatches = [
        (case["name"], answer, case["expected"])
        for case, answer in zip(CASES, answers, strict=True)
        if answer != case["expected"]
    ]
    assert not mismatches, mismatches
    assert len(answers) == len(CASES) >= 20

    # And on many random edits of random texts, beyond the hand-written cases.
    cases = random_cases(400, seed=7)
    answers = page.evaluate(
        """async ([base, cases]) => {
            const { place } = await import(base + '/widget/anchoring.js');
            return cases.map(c => place(c.text, c.anchor));
        }""",
        [server.url, cases],
    )
    expected = [python_answer(case) for case in cases]
    differ = [(c, a, e) for c, a, e in zip(cases, answers, expected, strict=True) if a != e]
    assert not differ, differ[:3]
    methods = {e["method"] if e else None for e in expected}
    assert methods == {"position", "quote", "fuzzy", None}


def test_selected_passage_gets_feedback_a_highlight_and_a_counter(new_page, server):
    page = new_page()
    page.clock.install()
    # The demo's seeded inline feedback is placed before anything is selected: two passages of
    # text and the fixed feedback point on the quotation.
    expect(counters(page)).to_have_count(3)
    assert sorted(highlighted(page)) == sorted(
        [
            "18% over the revised budget set in 2025",
            "A two-metre lane now runs along the upstream side",
        ]
    )

    select(page, PHRASE)
    button = page.get_by_role("button", name="Comment on this passage", exact=True)
    expect(button).to_be_visible()
    page.keyboard.press("Tab")  # a keyboard reader reaches the button from the selection
    expect(button).to_be_focused()
    page.keyboard.press("Enter")

    dialog = page.get_by_role("dialog", name="Feedback on a passage")
    expect(dialog.locator("blockquote")).to_have_text(PHRASE)
    expect(dialog.get_by_role("textbox", name="Your comment")).to_be_focused()
    dialog.get_by_role("textbox", name="Your comment").fill("Painted lines protect nobody.")
    dialog.get_by_role("textbox", name="Name").fill("Ines Inline")
    human(page)
    dialog.get_by_role("button", name="Post comment").click()

    # The dialog comes back for the new passage, showing the comment just posted.
    expect(dialog.locator("li")).to_contain_text("Painted lines protect nobody.")
    expect(counters(page)).to_have_count(4)
    expect(page.get_by_role("button", name="1 comment on this passage")).to_have_count(4)
    assert PHRASE in highlighted(page)

    stored = [
        c for c in thread(server, anchored="true")["comments"] if c["anchor"]["exact"] == PHRASE
    ]
    assert len(stored) == 1
    anchor = stored[0]["anchor"]
    text = page.evaluate("document.querySelector('[data-rostra-article]').textContent")
    assert text[anchor["start"] : anchor["end"]] == PHRASE
    assert text[: anchor["start"]].endswith(anchor["prefix"])
    assert text[anchor["end"] :].startswith(anchor["suffix"])

    # A reader replies from the counter's dialog; the count follows.
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    page.get_by_role("button", name="1 comment on this passage").nth(0).click()
    expect(dialog.locator("li").first).to_be_visible()
    dialog.get_by_role("button", name="Reply").first.click()
    dialog.get_by_role("textbox", name=re.compile("^Reply to")).fill("Seconded.")
    human(page)
    dialog.get_by_role("button", name="Post reply").click()
    expect(dialog.locator("li li")).to_contain_text("Seconded.")
    expect(page.get_by_role("button", name="2 comments on this passage")).to_have_count(1)


def test_fixed_feedback_point_shows_its_comments_and_takes_new_ones(new_page, server):
    page = new_page()
    page.clock.install()
    bubble = page.locator("[data-rostra-inline]").get_by_role(
        "button", name="1 comment on this passage"
    )
    # Two counters for seeded text passages and one bubble on the quotation: find the bubble by
    # the dialog it opens.
    expect(counters(page)).to_have_count(3)
    for n in range(bubble.count()):
        bubble.nth(n).click()
        dialog = page.get_by_role("dialog")
        if "We kept every stone" in (dialog.locator("blockquote").text_content() or ""):
            break
    expect(dialog.locator("li")).to_contain_text("Good to hear the stone is local.")
    dialog.get_by_role("textbox", name="Your comment").fill("Harlow Fell stone is lovely.")
    dialog.get_by_role("textbox", name="Name").fill("Pat Point")
    human(page)
    dialog.get_by_role("button", name="Post comment").click()
    expect(dialog.locator("li")).to_have_count(2)
    posted = [
        c
        for c in thread(server, anchored="true")["comments"]
        if c["anchor"].get("passage") == "lyle-quote"
    ]
    assert len(posted) == 2


def test_thread_tabs_switch_between_inline_feedback_and_all_comments(new_page, server):
    page = new_page()
    root = page.locator("#rostra-thread")
    expect(root.get_by_role("heading", level=2)).to_have_text(re.compile(r"^\d+ Comments?$"))
    inline_tab = root.get_by_role("tab", name="Comments on passages")
    all_tab = root.get_by_role("tab", name="All comments")
    expect(all_tab).to_have_attribute("aria-selected", "true")
    everything = len(thread(server)["comments"])
    anchored = thread(server, anchored="true")["comments"]
    expect(root.locator("ol.list > li")).to_have_count(everything)

    inline_tab.click()
    expect(inline_tab).to_have_attribute("aria-selected", "true")
    expect(root.locator("ol.list > li")).to_have_count(len(anchored))
    quotes = root.locator("ol.list > li > article blockquote")
    expect(quotes).to_have_count(len(anchored))
    assert sorted(quotes.all_text_contents()) == sorted(c["anchor"]["exact"] for c in anchored)

    inline_tab.press("ArrowRight")
    expect(all_tab).to_be_focused()
    all_tab.click()
    expect(root.locator("ol.list > li")).to_have_count(everything)


def _publisher_page(api: str, story: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Courier</title></head>'
        f"<body><h1>Harbour news</h1><div data-rostra-article>{story}</div>"
        '<div id="rostra-thread" data-site="courier" data-page="/harbour"></div>'
        f'<script src="{api}/widget.js" async></script></body></html>'
    )


BEFORE = (
    "<p>The harbour wall will be rebuilt in granite over the next three summers.</p>"
    "<p>Fishing boats keep their moorings during the works, the harbour master said.</p>"
    "<p>A temporary ferry pontoon opens in April near the lifeboat station.</p>"
)
AFTER = (
    "<p>Update: the council confirmed the plan on Tuesday.</p>"
    "<p>The harbour wall will be rebuilt in local granite over the next three summers.</p>"
    "<p>Fishing boats keep their moorings during the works, the harbour master said.</p>"
)


@pytest.mark.parametrize("highlights", ["css", "marks"])
def test_feedback_follows_an_edited_article_or_is_listed_as_orphaned(
    new_page, server, publisher, highlights
):
    api = server.url.replace("127.0.0.1", "localhost")  # another site than the pages'
    before, after = publisher(_publisher_page(api, BEFORE)), publisher(_publisher_page(api, AFTER))
    server.rostra("site", "add", "courier", "--origin", before, "--origin", after)
    page = new_page(url=before + "/")
    if highlights == "marks":  # a browser without the CSS Custom Highlight API
        page.context.add_init_script("delete window.Highlight")
        page.reload()
    page.clock.install()
    inline = page.locator("[data-rostra-inline]")
    expect(inline).to_have_count(1)  # the inline module is listening for selections
    for quote in ("rebuilt in granite over the next three summers", "temporary ferry pontoon"):
        select(page, quote)
        inline.get_by_role("button", name="Comment on this passage", exact=True).click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("textbox", name="Your comment").fill(f"About: {quote}")
        dialog.get_by_role("textbox", name="Name").fill("Harbour Reader")
        human(page)
        dialog.get_by_role("button", name="Post comment").click()
        expect(dialog.locator("li")).to_contain_text(f"About: {quote}")
        page.keyboard.press("Escape")
    expect(counters(page)).to_have_count(2)

    # The article was edited: one passage reworded, the other removed.
    page.goto(after + "/")
    expect(counters(page)).to_have_count(1)
    if highlights == "css":
        assert highlighted(page) == ["rebuilt in local granite over the next three summers"]
    else:
        marks = page.locator("[data-rostra-article] mark[data-rostra]")
        expect(marks).to_have_count(1)
        expect(marks).to_have_text("rebuilt in local granite over the next three summers")
        assert page.evaluate("typeof window.Highlight") == "undefined"
    orphans = page.locator("[data-rostra-orphans]")
    expect(orphans.get_by_role("heading")).to_have_text(
        "Comments on passages no longer in the article"
    )
    expect(orphans.locator("blockquote")).to_have_text("temporary ferry pontoon")
    orphans.get_by_role("button", name="Show comments (1)").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("li")).to_contain_text("About: temporary ferry pontoon")
    expect(dialog.get_by_role("textbox", name="Your comment")).to_have_count(0)
    # The publisher's markup is intact: the marks leave the text exactly as it was.
    assert page.evaluate("document.querySelector('[data-rostra-article]').textContent") == re.sub(
        r"<[^>]+>", "", AFTER
    )
