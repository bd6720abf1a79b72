"""Finding @mentions of a thread's authors and turning them into safe links."""

from __future__ import annotations

from rostra.domain.mentions import (
    MAX_MENTIONS,
    Mention,
    ThreadAuthor,
    find_mentions,
    link_mentions,
)
from rostra.domain.rendering import render_markdown

ANN = ThreadAuthor("Ann", "c-ann")
ANN_LEE = ThreadAuthor("Ann Lee", "c-annlee")


def test_the_longest_name_wins_and_each_author_counts_once() -> None:
    found = find_mentions("@Ann Lee and @Ann, again @Ann Lee.", [ANN, ANN_LEE])
    assert found == [Mention("Ann Lee", "c-annlee"), Mention("Ann", "c-ann")]


def test_a_name_must_stand_on_its_own() -> None:
    assert find_mentions("mail x@Ann or @Annabel", [ANN]) == []
    assert find_mentions("(@Ann)", [ANN]) == [Mention("Ann", "c-ann")]
    assert find_mentions("no at sign", [ANN]) == []


def test_at_most_ten_mentions_count() -> None:
    authors = [ThreadAuthor(f"P{n}", f"c{n}") for n in range(12)]
    body = " ".join(f"@P{n}" for n in range(12))
    assert len(find_mentions(body, authors)) == MAX_MENTIONS


def test_links_escape_the_name_as_markdown_text() -> None:
    nasty = ThreadAuthor("*x*](javascript:alert(1)) <b>", "c-x")
    body = f"Hi @{nasty.name}!"
    html = render_markdown(link_mentions(body, find_mentions(body, [nasty])))
    assert html == (
        '<p>Hi <a href="#comment-c-x" rel="nofollow ugc noopener">'
        "@*x*](javascript:alert(1)) &lt;b&gt;</a>!</p>"
    )


def test_text_without_mentions_is_unchanged() -> None:
    assert link_mentions("Hello @Ann", []) == "Hello @Ann"
