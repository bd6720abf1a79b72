"""The errors the domain and the services raise.

Each carries the snake_case ``code`` of the public contract, a sentence for people and, when
one field is to blame, its name. ``rostra.web.errors`` is the only place that turns them
into HTTP answers.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every expected failure; never raised for bugs."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class ValidationError(DomainError):
    """A value breaks a rule of the contract (length, shape, range)."""

    code = "invalid"


class NotFoundError(DomainError):
    """The thing named does not exist, or is not visible to this reader."""

    code = "not_found"


class PermissionDeniedError(DomainError):
    """The caller is known but may not do this (wrong edit token, window closed, foreign origin)."""

    code = "forbidden"


class ConflictError(DomainError):
    """The request is valid but clashes with what is stored (a duplicate name)."""

    code = "conflict"


class RateLimitedError(DomainError):
    """Too many actions of one kind from one reader; ``retry_after`` says when to try again."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class CommentRejectedError(DomainError):
    """Screening refused a comment; the message tells the author why, politely."""

    code = "comment_rejected"
