"""The error messages a reader can meet, found in the code itself: every domain error raised in
the modules behind the reader's routes (posting, editing, voting, reacting, reporting,
subscribing, uploading, signing in, notices and appeals), read from the source with ``ast``.

A message with values in it (an f-string) is written with ``{}`` for each value, as a
catalogue key with ``%(name)s`` reads once its names are dropped (``shape``)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "rostra"

READER_MODULES = (
    "domain/anchors.py",
    "domain/comments.py",
    "domain/dsa.py",
    "domain/images.py",
    "domain/languages.py",
    "domain/paging.py",
    "domain/reactions.py",
    "domain/staff.py",
    "domain/subscriptions.py",
    "domain/votes.py",
    "services/accounts.py",
    "services/anchors.py",
    "services/avatars.py",
    "services/callers.py",
    "services/campaigns.py",
    "services/comments.py",
    "services/dsa.py",
    "services/dsa_appeals.py",
    "services/dsa_statements.py",
    "services/images.py",
    "services/mentions.py",
    "services/moderation.py",
    "services/notifications.py",
    "services/oidc.py",
    "services/reactions.py",
    "services/subscriptions.py",
    "services/thread_reads.py",
    "services/votes.py",
    "web/api/accounts.py",
    "web/api/anchors.py",
    "web/api/avatars.py",
    "web/api/campaigns.py",
    "web/api/comments.py",
    "web/api/dsa.py",
    "web/api/dsa_appeals.py",
    "web/api/events.py",
    "web/api/images.py",
    "web/api/oidc.py",
    "web/api/subscriptions.py",
    "web/api/votes.py",
    "web/appeal_page.py",
    "web/decoding.py",
    "web/errors.py",
    "web/notice_page.py",
)
# The errors whose message a reader may read (``rostra.web.errors.STATUS_BY_ERROR``).
ERRORS = frozenset(
    {
        "CommentRejectedError",
        "ConflictError",
        "ImageTooLargeError",
        "LinkError",
        "NotFoundError",
        "NotificationsDisabledError",
        "OidcProviderUnavailableError",
        "PaymentProviderError",
        "PaymentsDisabledError",
        "PermissionDeniedError",
        "RateLimitedError",
        "ReaderNotSignedInError",
        "TokenRejectedError",
        "UnsupportedImageError",
        "ValidationError",
    }
)
# Helpers that build one of those errors from the sentences they are given: the sentences are
# read at their calls (by keyword ``message`` or as the arguments at these positions).
CARRIERS = {"_refuse": (1,), "_text": (4, 5)}


@dataclass(frozen=True, slots=True)
class Found:
    module: str
    line: int
    function: str  # the function it is raised in
    text: str | None  # None: the message is made elsewhere (a variable)
    staff: bool  # raised in a function a staff member calls (it takes a StaffUser)


def sentence(node: ast.expr) -> str | None:
    """The text of a literal, an f-string (``{}`` for each value) or their concatenation."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            parts.append(value.value if isinstance(value, ast.Constant) else "{}")
        return "".join(parts)  # type: ignore[arg-type]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = sentence(node.left), sentence(node.right)
        return left + right if left is not None and right is not None else None
    return None


def _messages(call: ast.Call, positions: tuple[int, ...]) -> list[ast.expr]:
    for keyword in call.keywords:
        if keyword.arg == "message":
            return [keyword.value]
    found: list[ast.expr] = []
    for position in positions:
        if len(call.args) > position:
            node = call.args[position]
            found += [node.body, node.orelse] if isinstance(node, ast.IfExp) else [node]
    return found


def _is_staff(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    arguments = [*function.args.args, *function.args.kwonlyargs]
    return any(
        a.annotation is not None and "StaffUser" in ast.unparse(a.annotation) for a in arguments
    )


def raised() -> Iterator[Found]:
    """Every message given to a reader-visible error (or a carrier) in ``READER_MODULES``."""
    for module in READER_MODULES:
        tree = ast.parse((SRC / module).read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            staff = _is_staff(function)
            for node in ast.walk(function):
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                    continue
                name = node.func.id
                if name in ERRORS:
                    positions: tuple[int, ...] = (0,)
                elif name in CARRIERS:
                    positions = CARRIERS[name]
                else:
                    continue
                for message in _messages(node, positions):
                    # A carrier's own raise is given its sentence: read at the calls instead.
                    if function.name in CARRIERS and isinstance(message, ast.Name):
                        continue
                    yield Found(module, node.lineno, function.name, sentence(message), staff)


def shape(text: str) -> str:
    """A message or catalogue key with its values left out: ``%(n)s`` and ``{}`` read ``{}``."""
    return re.sub(r"%\(\w+\)s", "{}", text)
