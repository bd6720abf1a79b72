"""Sites: the publishers' web sites that embed Rostra, and the origins allowed to do so."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from rostra.domain.errors import ValidationError
from rostra.domain.reactions import DEFAULT_REACTIONS

SITE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


@dataclass(frozen=True, slots=True)
class Site:
    """A registered site; ``origins`` are the page origins allowed to embed and call it."""

    name: str
    origins: tuple[str, ...] = field(default_factory=tuple)
    title: str = ""
    reactions: tuple[str, ...] = DEFAULT_REACTIONS  # what its readers react with; () none

    def allows_origin(self, origin: str) -> bool:
        """True when ``origin`` (as a browser sends it) is one of this site's origins."""
        return normalize_origin(origin, strict=False) in self.origins


def validate_site_name(name: str) -> str:
    """Site names appear in URLs and data attributes: lowercase letters, digits, ``-`` and ``_``."""
    if not SITE_NAME.fullmatch(name):
        raise ValidationError(
            "A site name is 1-63 characters of lowercase letters, digits, '-' and '_', "
            "starting with a letter or digit.",
            field="site",
        )
    return name


def normalize_origin(origin: str, *, strict: bool = True) -> str:
    """Reduce ``https://Example.org:443/`` to ``https://example.org``, the form browsers send.

    With ``strict`` a malformed origin raises; otherwise it comes back unchanged so that a lookup
    simply fails to match.
    """
    try:
        parts = urlsplit(origin.strip())
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        if strict:
            raise ValidationError(f"{origin!r} is not an origin.", field="origin") from exc
        return origin
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        if strict:
            raise ValidationError(
                f"{origin!r} is not an origin; give scheme and host, like https://example.org.",
                field="origin",
            )
        return origin
    if parts.query or parts.fragment or parts.username or parts.password:
        if strict:
            raise ValidationError(f"{origin!r} is not an origin.", field="origin")
        return origin
    default_port = 443 if parts.scheme == "https" else 80
    try:
        port = parts.port
    except ValueError as exc:
        if strict:
            raise ValidationError(f"{origin!r} has an invalid port.", field="origin") from exc
        return origin
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    suffix = f":{port}" if port not in (None, default_port) else ""
    return f"{parts.scheme}://{host}{suffix}"
