"""What the reader-account services need from storage, beside ``ports.py``."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from rostra.domain.accounts import AccountSettings, Reader, ReaderProfile, SignInMethod
from rostra.services.ports import Transaction


@dataclass(frozen=True, slots=True)
class AuthoredComment:
    """One of a reader's comments, with where it stands (history and export)."""

    id: str
    site: str
    page: str
    parent_id: str | None
    status: str
    body: str
    created_at: datetime
    edited_at: datetime | None
    root_id: str | None
    thread_id: int


@dataclass(frozen=True, slots=True)
class PendingLogin:
    """An OIDC login between the redirect to the provider and its callback."""

    site: str
    origin: str  # the publisher page's origin, where the result is posted
    nonce: str
    code_verifier: str


class AccountRepository(Protocol):
    async def settings(self, site: str) -> AccountSettings:
        """The site's account settings (the defaults when none were saved)."""

    async def save_settings(self, site: str, settings: AccountSettings, now: datetime) -> None:
        """Replace the site's account settings."""

    async def upsert_reader(
        self,
        site: str,
        method: SignInMethod,
        profile: ReaderProfile,
        email_hash: str | None,
        new_id: str,
        now: datetime,
    ) -> Reader:
        """The account of (site, method, subject), created with ``new_id`` or updated with the
        profile's name, email and picture."""

    async def get_reader(self, reader_id: str) -> Reader | None:
        """One account by id."""

    async def find_readers(self, site: str | None, email_hash: str) -> list[Reader]:
        """The accounts with this address digest (on one site, or on every site)."""

    async def add_session(
        self, digest: str, reader_id: str, created_at: datetime, expires_at: datetime
    ) -> None:
        """Store a new session by the digest of its secret."""

    async def session_reader(self, digest: str, now: datetime) -> Reader | None:
        """The account of an unexpired session."""

    async def delete_session(self, digest: str) -> None:
        """End one session."""

    async def use_token(self, digest: str, expires_at: datetime) -> bool:
        """Remember a single-use token id until it expires; False when it was used before."""

    async def comments_of(
        self, reader_id: str, email_hash: str | None, site: str, limit: int, before: datetime | None
    ) -> list[AuthoredComment]:
        """The reader's comments on their site, newest first: written while signed in, or as a
        guest with the same (verified) address."""

    async def votes_of(self, voter: str) -> list[dict[str, Any]]:
        """The votes cast by a voter identity."""

    async def reactions_of(self, voter: str) -> list[dict[str, Any]]:
        """The reactions given by a voter identity."""

    async def subscriptions_of(self, site: str, email_hash: str) -> list[dict[str, Any]]:
        """The subscriptions of an address on a site."""

    async def claim_comments(self, reader: Reader) -> int:
        """Attach the site's guest comments with the account's address to the account."""

    async def anonymize_comments(self, comment_ids: list[str], name: str) -> None:
        """Keep the text, erase the author: name replaced, digests, links and picture cleared."""

    async def scrub_mail(self, comment_ids: list[str]) -> None:
        """Drop the comments (excerpt, author name) from queued or sent mail to others; a mail
        left with nothing to tell is deleted."""

    async def rekey_voter(self, voter: str, replacement: str) -> int:
        """Move votes and reports of ``voter`` to an identity linked to nobody."""

    async def forget_address(self, site: str, email: str | None, email_hash: str) -> int:
        """Delete the address's subscriptions on the site and unsent or sent mail to it."""

    async def delete_reader(self, reader_id: str) -> None:
        """Delete the account (its sessions go with it)."""

    async def purge(self, now: datetime, ip_hashes_before: datetime) -> dict[str, int]:
        """Drop expired sessions and token ids, and IP digests of comments older than
        ``ip_hashes_before``; returns how many of each."""

    async def save_oidc_login(
        self, digest: str, site: str, login: PendingLogin, expires_at: datetime
    ) -> None:
        """Remember an OIDC login by the digest of its ``state`` until ``expires_at``."""

    async def take_oidc_login(self, digest: str, now: datetime) -> PendingLogin | None:
        """Delete and return an unexpired login (None when unknown, taken or expired)."""

    async def identity_reader(self, identity_id: str) -> Reader | None:
        """The account an OIDC identity (digest of site, issuer, sub) opens."""

    async def add_identity(
        self, identity_id: str, reader_id: str, issuer: str, subject: str, now: datetime
    ) -> None:
        """Link an OIDC identity to an account."""

    async def identities_of(self, reader_id: str) -> list[dict[str, Any]]:
        """The OIDC identities linked to an account (issuer, subject, when), for its export."""

    async def set_avatar_image(
        self, reader_id: str, name: str | None, avatar_url: str | None
    ) -> str | None:
        """Set (or clear, ``None``) the account's uploaded picture and the picture URL it and
        its comments show; returns the previous picture's name."""


class AccountTransaction(Transaction, Protocol):
    """A transaction that also reaches the account tables."""

    accounts: AccountRepository


class AccountStorage(Protocol):
    def read(self) -> AbstractAsyncContextManager[AccountTransaction]:
        """A consistent read-only view."""

    def write(self, *, bulk: bool = False) -> AbstractAsyncContextManager[AccountTransaction]:
        """A transaction committed when the block ends without error, rolled back otherwise;
        ``bulk`` for one that scans many rows (see ``rostra.services.ports.Storage.write``)."""
