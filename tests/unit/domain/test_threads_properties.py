"""Properties of ``arrange_replies`` over random reply trees."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from rostra.domain.comments import Comment, CommentStatus
from rostra.domain.threads import CommentNode, arrange_replies
from tests.unit.domain.factories import make_comment

PUBLISHED, DELETED = CommentStatus.PUBLISHED, CommentStatus.DELETED
MISSING_PARENT = "held-for-moderation"


@dataclass
class Case:
    root: Comment
    replies: list[Comment]  # in the order handed to arrange_replies (shuffled)
    max_depth: int


@st.composite
def cases(draw: st.DrawFn) -> Case:
    max_depth = draw(st.integers(min_value=1, max_value=6))
    count = draw(st.integers(min_value=0, max_value=30))
    # Ids in an order unrelated to time, so that ordering by (created_at, id) is exercised.
    names = draw(st.permutations([f"c{n:02d}" for n in range(count)]))
    root = make_comment("r", status=draw(st.sampled_from([PUBLISHED, DELETED])))
    replies: list[Comment] = []
    for name in names:
        # -1: a parent that is not shown (held, removed); 0: the root; k: the k-th reply so far.
        choice = draw(st.integers(min_value=-1, max_value=len(replies)))
        parent = MISSING_PARENT if choice == -1 else "r" if choice == 0 else replies[choice - 1].id
        # Times come from many workers' clocks: ties, and even a reply stamped before the
        # comment it answers, must not change where it is shown.
        second = draw(st.integers(min_value=0, max_value=20))
        status = draw(st.sampled_from([PUBLISHED, DELETED]))
        replies.append(make_comment(name, parent, second=second, status=status))
    shuffled = draw(st.permutations(replies))
    return Case(root, list(shuffled), max_depth)


def walk(node: CommentNode) -> Iterator[CommentNode]:
    yield node
    for child in node.replies:
        yield from walk(child)


def published_below(node: CommentNode) -> int:
    return sum(child.comment.status is PUBLISHED for child in walk(node) if child is not node)


def expected_display_parents(case: Case) -> dict[str, str]:
    """Where each reply is shown: under its parent while the depth allows, else beside its
    parent (under the parent's own display parent); replies to comments not given hang under
    the root."""
    replies = {reply.id: reply for reply in case.replies}
    level, shown_under = {"r": 0}, {}

    def place(comment_id: str) -> None:
        if comment_id in level:
            return
        parent_id = replies[comment_id].parent_id
        parent = parent_id if parent_id in replies else "r"
        assert parent is not None
        place(parent)
        under = parent if level[parent] < case.max_depth else shown_under[parent]
        shown_under[comment_id], level[comment_id] = under, level[under] + 1

    for comment_id in replies:
        place(comment_id)
    return shown_under


@settings(max_examples=300, deadline=None)
@given(cases())
def test_arranged_replies_keep_every_published_reply_in_order_within_the_depth(
    case: Case,
) -> None:
    top = arrange_replies(case.root, case.replies, max_depth=case.max_depth)
    published = {c.id for c in [case.root, *case.replies] if c.status is PUBLISHED}

    if top is None:
        assert published == set()
        return
    nodes = list(walk(top))
    seen = Counter(node.comment.id for node in nodes)
    # Every published comment appears exactly once, and nothing appears twice.
    assert {cid for cid in seen if cid in published} == published
    assert max(seen.values()) == 1
    expected_parents = expected_display_parents(case)
    for node in nodes:
        assert node.level <= case.max_depth
        # Siblings read oldest first, ties broken by id.
        keys = [(child.comment.created_at, child.comment.id) for child in node.replies]
        assert keys == sorted(keys)
        for child in node.replies:
            assert child.level == node.level + 1
            assert expected_parents[child.comment.id] == node.comment.id
        # reply_count counts the published comments anywhere below.
        assert node.reply_count == published_below(node)
        # Deleted comments stay only as empty placeholders above published replies.
        if node.comment.status is DELETED:
            assert node.reply_count > 0
            assert node.comment.body == node.comment.body_html == node.comment.author_name == ""
        else:
            assert node.comment.status is PUBLISHED
