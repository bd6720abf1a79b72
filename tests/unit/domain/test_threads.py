"""How a top-level comment's replies are arranged for reading (``arrange_replies``)."""

from __future__ import annotations

import gc

from rostra.domain.anchors import Anchor
from rostra.domain.comments import CommentStatus
from rostra.domain.threads import CommentNode, arrange_replies
from tests.unit.domain.factories import make_comment

DELETED = CommentStatus.DELETED


def shape(node: CommentNode) -> list[tuple[str, int, list]]:  # type: ignore[type-arg]
    """The tree as nested (id, level, replies) tuples, easy to compare."""
    return [(child.comment.id, child.level, shape(child)) for child in node.replies]


def by_id(node: CommentNode, comment_id: str) -> CommentNode:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.comment.id == comment_id:
            return current
        stack.extend(current.replies)
    raise KeyError(comment_id)


ROOT = make_comment("r")


def test_root_without_replies_stands_alone() -> None:
    top = arrange_replies(ROOT, [])
    assert top is not None
    assert (top.comment, top.level, top.replies, top.reply_count) == (ROOT, 0, [], 0)


def test_replies_nest_under_their_parents() -> None:
    replies = [
        make_comment("a", "r", second=1),
        make_comment("b", "a", second=2),
        make_comment("c", "r", second=3),
        make_comment("d", "b", second=4),
    ]
    top = arrange_replies(ROOT, replies)
    assert top is not None
    assert shape(top) == [("a", 1, [("b", 2, [("d", 3, [])])]), ("c", 1, [])]


def test_replies_come_oldest_first_whatever_order_they_arrive_in() -> None:
    replies = [make_comment(name, "r", second=second) for name, second in [("x", 3), ("y", 1)]]
    replies += [make_comment("z", "r", second=2)]
    top = arrange_replies(ROOT, replies)
    assert top is not None
    assert [child.comment.id for child in top.replies] == ["y", "z", "x"]


def test_replies_posted_at_the_same_moment_are_ordered_by_id() -> None:
    replies = [make_comment(name, "r", second=5) for name in ("m", "c", "x")]
    top = arrange_replies(ROOT, replies)
    assert top is not None
    assert [child.comment.id for child in top.replies] == ["c", "m", "x"]


def test_reply_posted_in_the_same_instant_as_its_parent_still_nests_under_it() -> None:
    # Imported comments often have whole-second times, so a quick answer can share its
    # parent's timestamp, and its id may sort first.
    replies = [make_comment("p", "r", second=7), make_comment("a", "p", second=7)]
    top = arrange_replies(ROOT, replies)
    assert top is not None
    assert shape(top) == [("p", 1, [("a", 2, [])])]


def test_replies_deeper_than_the_cap_are_flattened_under_the_last_level() -> None:
    chain = ["a", "b", "c", "d", "e", "f"]
    replies = [
        make_comment(name, parent, second=n)
        for n, (name, parent) in enumerate(zip(chain, ["r", *chain[:-1]], strict=True), 1)
    ]
    top = arrange_replies(ROOT, replies, max_depth=3)
    assert top is not None
    # c is at the last level; d, e and f answer beneath it but are shown beside it, in order.
    assert shape(top) == [
        ("a", 1, [("b", 2, [("c", 3, []), ("d", 3, []), ("e", 3, []), ("f", 3, [])])])
    ]


def test_depth_cap_of_one_shows_every_reply_directly_under_the_root() -> None:
    replies = [make_comment("a", "r", second=1), make_comment("b", "a", second=2)]
    top = arrange_replies(ROOT, replies, max_depth=1)
    assert top is not None
    assert shape(top) == [("a", 1, []), ("b", 1, [])]


def test_reply_whose_parent_is_missing_hangs_under_the_root() -> None:
    replies = [
        make_comment("a", "r", second=1),
        make_comment("orphan", "held-for-moderation", second=2),
    ]
    top = arrange_replies(ROOT, replies)
    assert top is not None
    assert shape(top) == [("a", 1, []), ("orphan", 1, [])]
    assert top.reply_count == 2


def test_deleted_reply_without_replies_is_dropped() -> None:
    replies = [
        make_comment("a", "r", second=1, status=DELETED),
        make_comment("b", "r", second=2),
    ]
    top = arrange_replies(ROOT, replies)
    assert top is not None
    assert shape(top) == [("b", 1, [])]
    assert top.reply_count == 1


def test_chain_of_deleted_replies_is_dropped_entirely() -> None:
    replies = [
        make_comment("a", "r", second=1, status=DELETED),
        make_comment("b", "a", second=2, status=DELETED),
        make_comment("c", "b", second=3, status=DELETED),
    ]
    top = arrange_replies(ROOT, replies)
    assert top is not None
    assert shape(top) == []
    assert top.reply_count == 0


def test_deleted_reply_with_published_replies_stays_as_an_empty_placeholder() -> None:
    replies = [
        make_comment("a", "r", second=1, status=DELETED),
        make_comment("b", "a", second=2),
    ]
    top = arrange_replies(ROOT, replies)
    assert top is not None
    assert shape(top) == [("a", 1, [("b", 2, [])])]
    placeholder = by_id(top, "a")
    assert placeholder.comment.status is DELETED
    assert placeholder.comment.body == placeholder.comment.body_html == ""
    assert (placeholder.comment.author_name, placeholder.comment.author_url) == ("", None)
    assert placeholder.reply_count == 1
    assert by_id(top, "b").comment.body == "Body of b"


def test_deleted_root_with_published_replies_stays_as_a_placeholder() -> None:
    root = make_comment("r", status=DELETED, anchor=Anchor("quoted passage"))
    top = arrange_replies(root, [make_comment("a", "r", second=1)])
    assert top is not None
    assert top.comment.status is DELETED
    assert (top.comment.body, top.comment.body_html, top.comment.anchor) == ("", "", None)
    assert top.reply_count == 1


def test_deleted_root_with_only_deleted_replies_is_not_shown() -> None:
    root = make_comment("r", status=DELETED)
    replies = [make_comment("a", "r", second=1, status=DELETED)]
    assert arrange_replies(root, replies) is None
    assert arrange_replies(root, []) is None


def test_reply_count_counts_published_replies_at_every_depth() -> None:
    replies = [
        make_comment("a", "r", second=1),
        make_comment("b", "a", second=2, status=DELETED),
        make_comment("c", "b", second=3),
        make_comment("d", "c", second=4),
        make_comment("e", "r", second=5),
    ]
    top = arrange_replies(ROOT, replies)
    assert top is not None
    counts = {name: by_id(top, name).reply_count for name in "abcde"}
    assert counts == {"a": 2, "b": 2, "c": 1, "d": 0, "e": 0}
    assert top.reply_count == 4


def test_reply_count_includes_flattened_replies_once() -> None:
    replies = [make_comment("a", "r", second=1)]
    replies += [
        make_comment(f"z{n}", "a" if n == 0 else f"z{n - 1}", second=n + 2) for n in range(4)
    ]
    top = arrange_replies(ROOT, replies, max_depth=2)
    assert top is not None
    assert top.reply_count == 5
    assert by_id(top, "a").reply_count == 4


def test_an_arranged_thread_is_freed_without_the_cycle_collector() -> None:
    """Pages are kept and replaced by the hundred: a tree with links up as well as down
    would wait for the collector's full passes, which stop everything while they run."""
    chain = [make_comment("c0", "r", second=1)]
    chain += [make_comment(f"c{n}", f"c{n - 1}", second=n + 1) for n in range(1, 12)]
    gc.collect()
    gc.disable()
    try:
        top = arrange_replies(ROOT, chain, max_depth=3)  # deep replies join their ancestor
        assert top is not None and top.reply_count == 12
        del top
        assert gc.collect() == 0  # nothing of it was left for the collector to find
    finally:
        gc.enable()
