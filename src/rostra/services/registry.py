"""The set of services an adapter (web, CLI) is handed by the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from rostra.services.comments import CommentService
from rostra.services.live import LiveService
from rostra.services.sites import SiteService
from rostra.services.tokens import Keyring
from rostra.services.votes import VoteService


@dataclass(frozen=True, slots=True)
class Services:
    """Wired services plus the few adapter handles the web layer needs directly."""

    comments: CommentService
    votes: VoteService
    sites: SiteService
    live: LiveService
    keyring: Keyring
    check_health: Callable[[], Awaitable[None]]
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
