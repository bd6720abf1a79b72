"""Who is asking: what the web layer learned about the request, in terms the services use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rostra.domain.accounts import Reader
from rostra.domain.errors import PermissionDeniedError
from rostra.domain.sites import Site


@dataclass(frozen=True, slots=True)
class Caller:
    """The reader (or tool) behind one action.

    ``origin`` is the browser's ``Origin`` header, None for non-browser clients and same-origin
    pages (the demo, the dashboard). ``voter`` is the reader's stable voting identity.
    """

    voter: str | None = None
    ip: str | None = None
    origin: str | None = None
    edit_token: str | None = None
    # A valid staff session came with the request: a staff reply; on edits and deletes (with
    # the session's CSRF token) staff may change any comment.
    staff: bool = False
    # The signed-in reader account (session and CSRF token checked by the web layer).
    reader: Reader | None = None
    # ``voter`` was made for this request, which came without the voter cookie.
    new_voter: bool = False


def check_origin(site: Site, caller: Caller) -> None:
    """Refuse a browser request made from a page that is not one of the site's origins."""
    if caller.origin is not None and not site.allows_origin(caller.origin):
        raise PermissionDeniedError(
            f"Pages at {caller.origin} may not post to site {site.name!r}; "
            "add the origin with `rostra site add --origin`.",
            field=None,
            code="origin_not_allowed",
        )


def voter_identity(caller: Caller, digest: Callable[[str, str], str]) -> str | None:
    """Who a vote or report counts for: the reader's own identity (voter cookie or
    account), else the client address, as a keyed digest (``digest`` is
    ``Keyring.digest``). Without the fallback, each request without a cookie was a new voter:
    one address cast 60 votes on one comment."""
    if caller.voter:
        return caller.voter
    if caller.ip:
        return "a:" + digest("voter-address", caller.ip)[:32]
    return None


def author_key(caller: Caller, digest: Callable[[str, str], str]) -> str | None:
    """What a comment keeps of its poster's own identity (voter cookie or account), and what a
    vote is compared with: nobody votes on their own comment. None without one: the client
    address alone would also stop the neighbours behind it."""
    return digest("author-voter", caller.voter)[:64] if caller.voter else None


def address_key(caller: Caller, digest: Callable[[str, str], str]) -> str:
    """The key of the per-address rate limits: a digest of the client address."""
    return digest("limit-address", caller.ip or "unknown")[:32]
