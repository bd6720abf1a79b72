"""Reader accounts: single sign-on, reader sessions with CSRF tokens, profiles and
history, and the reader's rights over their data (export, deletion), plus the purge of data
kept only for a while (IP digests, ended sessions, used token ids)."""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from rostra.domain.accounts import (
    ANONYMOUS_NAME,
    AccountSettings,
    DeletionPolicy,
    EmailSignInDisabledError,
    Reader,
    ReaderNotSignedInError,
    ReaderProfile,
    SignInMethod,
    SsoAlgorithm,
    SsoNotConfiguredError,
    TokenRejectedError,
    gravatar_url,
    validate_algorithm,
    validate_deletion_policy,
)
from rostra.domain.comments import CommentStatus, validate_author_name, validate_email
from rostra.domain.errors import NotFoundError, RateLimitedError, ValidationError
from rostra.domain.events import CommentDeleted, CommentUpdated, ThreadEvent
from rostra.domain.images import StoredImage
from rostra.domain.languages import reader_language
from rostra.domain.sites import normalize_origin, validate_site_name
from rostra.domain.staff import StaffAction
from rostra.domain.subscriptions import MailKind, NewMailJob, NotificationsDisabledError
from rostra.services.accounts_ports import AccountStorage, AccountTransaction, AuthoredComment
from rostra.services.callers import Caller, check_origin
from rostra.services.images import ImageService
from rostra.services.live import LiveService
from rostra.services.ports import Clock, RateLimiter
from rostra.services.sso import verify_sso_token
from rostra.services.tokens import Keyring

SESSION_LIFETIME = timedelta(days=30)
LINK_LIFETIME = timedelta(minutes=15)
LINK_FRAGMENT = "rostra-signin"
MIN_HS256_SECRET_LENGTH = 32  # RFC 7518 3.2: at least the hash size, 256 bits
HISTORY_PAGE = 50
EVERYTHING = 1_000_000


@dataclass(frozen=True, slots=True)
class AccountPolicy:
    """Instance-wide account settings."""

    ip_hash_days: int = 30  # ROSTRA_IP_HASH_DAYS: comments keep the IP digest this long
    mail_enabled: bool = False  # ROSTRA_SMTP_URL is set: sign-in links can be mailed


@dataclass(frozen=True, slots=True)
class ReaderSession:
    """A signed-in reader: the session secret (for the cookie) and its CSRF token."""

    token: str
    csrf_token: str
    reader: Reader
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ForgetReport:
    """What forgetting an account did."""

    comments_removed: int
    comments_anonymized: int
    votes_unlinked: int
    addresses_forgotten: int


class AccountService:
    """Reader accounts and everything a reader may do with their data."""

    def __init__(
        self,
        storage: AccountStorage,
        live: LiveService,
        clock: Clock,
        keyring: Keyring,
        policy: AccountPolicy | None = None,
        images: ImageService | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._limiter = limiter  # sign-in link requests, per address and per client
        self._storage = storage
        self._live = live
        self._clock = clock
        self._keyring = keyring
        self._policy = policy or AccountPolicy()
        self._images = images
        # HS256 secrets are kept encrypted under a key derived from the instance secret, so a
        # copy of the database alone (a backup) does not let anyone mint sign-in tokens.
        seal_key = bytes.fromhex(keyring.digest("seal", "sso-secrets"))
        self._fernet = Fernet(base64.urlsafe_b64encode(seal_key))

        class ClockSigner(TimestampSigner):
            # Links expire by the services' clock (tests move it).
            def get_timestamp(self) -> int:
                return int(clock.now().timestamp())

        self._links = URLSafeTimedSerializer(
            keyring.digest("signed-links", "reader-sign-in"),
            salt="rostra.accounts.sign-in",
            signer=ClockSigner,
        )

    # --- site settings -------------------------------------------------------------------

    async def configure_sso(self, site: str, algorithm: str, key: str, actor: str) -> None:
        """Let ``site`` sign readers in with tokens signed by ``algorithm``: HS256 with a
        shared secret (at least 32 characters), RS256/ES256 with a PEM public key."""
        checked = validate_algorithm(algorithm)
        key = key.strip()
        if checked is SsoAlgorithm.HS256:
            if len(key) < MIN_HS256_SECRET_LENGTH:
                raise ValidationError(
                    f"An HS256 secret must be at least {MIN_HS256_SECRET_LENGTH} characters.",
                    field="key",
                )
            stored = self._fernet.encrypt(key.encode()).decode()
        else:
            _check_public_key(checked, key)
            stored = key
        await self._change_settings(
            site, actor, f"sso {checked.value}", sso_algorithm=checked, sso_key=stored
        )

    async def disable_sso(self, site: str, actor: str) -> None:
        """Stop accepting sign-in tokens for ``site`` (open sessions stay until they end)."""
        await self._change_settings(site, actor, "sso off", sso_algorithm=None, sso_key=None)

    async def set_deletion_policy(self, site: str, policy: str, actor: str) -> None:
        """What deleting an account does to its comments on ``site``: remove or anonymize."""
        checked = validate_deletion_policy(policy)
        await self._change_settings(
            site, actor, f"deletion {checked.value}", deletion_policy=checked
        )

    async def site_settings(self, site: str) -> AccountSettings:
        """The site's account settings, without the secret."""
        async with self._storage.read() as tx:
            await self._require_site(tx, site)
            settings = await tx.accounts.settings(site)
        return replace(settings, sso_key=None, oidc_client_secret=None)

    async def _change_settings(self, site: str, actor: str, note: str, **changes: Any) -> None:
        now = self._clock.now()
        async with self._storage.write() as tx:
            await self._require_site(tx, site)
            current = await tx.accounts.settings(site)
            await tx.accounts.save_settings(site, replace(current, **changes), now)
            await tx.staff_records.audit(actor, StaffAction.SETTINGS, site, note, now)

    # --- signing in ------------------------------------------------------------------------

    async def sign_in_with_sso(
        self, site: str, token: str, caller: Caller | None = None
    ) -> ReaderSession:
        """Check the publisher's token and open a session for the account it names (created
        on first sign-in, updated from the token's claims every time). From a browser, only a
        page of the site itself may sign in to it."""
        validate_site_name(site)
        now = self._clock.now()
        async with self._storage.read() as tx:
            found = await tx.sites.get(site)
            if found is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            if caller is not None:
                check_origin(found, caller)
            settings = await tx.accounts.settings(site)
        if not settings.sso_enabled:
            raise SsoNotConfiguredError(f"Site {site!r} does not use single sign-on.", field="site")
        verified = verify_sso_token(token, site, self._unsealed(settings), now)
        profile = verified.profile
        if profile.avatar_url is None:
            profile = replace(profile, avatar_url=gravatar_url(profile.email))
        async with self._storage.write() as tx:
            fresh = await tx.accounts.use_token(
                self._keyring.digest("sso-jti", f"{site}\x00{verified.jti}"),
                datetime.fromtimestamp(verified.expires_at, tz=now.tzinfo),
            )
            if not fresh:
                raise TokenRejectedError(
                    "This sign-in token was used already; sign a fresh one per page view.",
                    field="token",
                    code="token_replayed",
                )
            reader = await tx.accounts.upsert_reader(
                site,
                SignInMethod.SSO,
                profile,
                self._email_hash(profile.email),
                self._keyring.new_id(),
                now,
            )
            return await self._open_session(tx, reader, now)

    async def set_email_sign_in(self, site: str, enabled: bool, actor: str) -> None:
        """Offer (or stop offering) passwordless sign-in links by email on ``site``."""
        note = f"email sign-in {'on' if enabled else 'off'}"
        await self._change_settings(site, actor, note, email_sign_in=enabled)

    async def request_email_link(
        self,
        site: str,
        email: str,
        name: str,
        page_url: str,
        ip: str | None,
        lang: str | None = None,
    ) -> None:
        """Mail a single-use sign-in link (15 minutes) to ``email``: the article page
        ``page_url`` (one of the site's origins) with the token in its fragment, where the widget
        picks it up. The answer never says whether the address has an account."""
        checked_email = validate_email(email, field="email")
        if checked_email is None:
            raise ValidationError("Give the email address to send the link to.", field="email")
        checked_name = validate_author_name(name)
        language = reader_language(lang)
        validate_site_name(site)
        async with self._storage.read() as tx:
            found = await tx.sites.get(site)
            if found is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            settings = await tx.accounts.settings(site)
        if not settings.email_sign_in:
            raise EmailSignInDisabledError(
                f"Site {site!r} does not offer sign-in by email.", field="site"
            )
        if not self._policy.mail_enabled:
            raise NotificationsDisabledError("This server does not send email.", field=None)
        page = page_url.strip().split("#", 1)[0]
        origin = "/".join(page.split("/", 3)[:3])
        if len(page) > 2048 or not found.allows_origin(normalize_origin(origin, strict=False)):
            raise ValidationError(
                "The page must be on one of the site's origins.", field="page_url"
            )
        digest = self._email_hash(checked_email) or ""
        for key in (f"email:{digest}", f"ip:{ip or 'unknown'}"):
            await self._limit(key)
        payload = {"s": site, "e": checked_email, "n": checked_name, "j": self._keyring.new_id()}
        link = f"{page}#{LINK_FRAGMENT}={self._links.dumps(payload)}"
        now = self._clock.now()
        async with self._storage.write() as tx:
            await tx.outbox.enqueue(
                NewMailJob(
                    kind=MailKind.SIGN_IN,
                    recipient=checked_email,
                    subscription_id=None,
                    payload={
                        "site": site,
                        "page": "",
                        "name": checked_name,
                        "link": link,
                        "minutes": int(LINK_LIFETIME.total_seconds() // 60),
                        "lang": language,
                    },
                    available_at=now,
                    created_at=now,
                )
            )

    async def sign_in_with_link(self, site: str, token: str) -> ReaderSession:
        """Redeem a mailed sign-in link (once, within 15 minutes): the address is proven, so
        the account of that address on the site is opened (created on first use)."""
        try:
            payload = self._links.loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
        except SignatureExpired:
            raise TokenRejectedError(
                "The sign-in link has expired; ask for a new one.",
                field="token",
                code="token_expired",
            ) from None
        except BadSignature:
            raise TokenRejectedError(
                "The sign-in link is not valid.", field="token", code="token_invalid"
            ) from None
        if not isinstance(payload, dict) or payload.get("s") != site:
            raise TokenRejectedError(
                "The sign-in link is for another site.", field="token", code="token_wrong_audience"
            )
        email, name = str(payload.get("e", "")), str(payload.get("n", ""))
        digest = self._email_hash(email) or ""
        now = self._clock.now()
        async with self._storage.write() as tx:
            if not await tx.accounts.use_token(
                self._keyring.digest("email-link", str(payload.get("j"))), now + LINK_LIFETIME
            ):
                raise TokenRejectedError(
                    "This sign-in link was used already; ask for a new one.",
                    field="token",
                    code="token_replayed",
                )
            reader = await tx.accounts.upsert_reader(
                site,
                SignInMethod.EMAIL,
                ReaderProfile(digest, name, email, gravatar_url(email)),
                digest,
                self._keyring.new_id(),
                now,
            )
            return await self._open_session(tx, reader, now)

    async def _limit(self, key: str) -> None:
        if self._limiter is None:
            return
        wait = await self._limiter.hit("sign_in_link", self._keyring.digest("limit", key))
        if wait is not None:
            raise RateLimitedError(
                f"Too many sign-in links asked for; try again in {wait:.0f} s.", retry_after=wait
            )

    async def open_session(self, reader_id: str) -> ReaderSession:
        """A new session for an account another sign-in (OIDC, ``rostra.services.oidc``)
        proved; raises ``NotFoundError`` when the account is gone."""
        now = self._clock.now()
        async with self._storage.write() as tx:
            reader = await tx.accounts.get_reader(reader_id)
            if reader is None:
                raise NotFoundError("There is no such reader account.", field="reader")
            return await self._open_session(tx, reader, now)

    async def _open_session(
        self, tx: AccountTransaction, reader: Reader, now: datetime
    ) -> ReaderSession:
        token = self._keyring.new_token()
        expires = now + SESSION_LIFETIME
        await tx.accounts.add_session(self._session_digest(token), reader.id, now, expires)
        return ReaderSession(token, self.csrf_token(token), reader, expires)

    async def session_reader(self, token: str | None) -> Reader:
        """The account of a session token; raises :class:`ReaderNotSignedInError`."""
        if not token:
            raise ReaderNotSignedInError("Sign in first.", field=None)
        async with self._storage.read() as tx:
            reader = await tx.accounts.session_reader(
                self._session_digest(token), self._clock.now()
            )
        if reader is None:
            raise ReaderNotSignedInError("The session ended; sign in again.", field=None)
        return reader

    def csrf_token(self, token: str) -> str:
        """The CSRF token bound to a session; the widget sends it back as ``X-CSRF-Token``."""
        return self._keyring.digest("reader-csrf", token)[:43]

    def csrf_matches(self, token: str, presented: str | None) -> bool:
        """Constant-time check of a presented CSRF token against the session's."""
        return bool(presented) and hmac.compare_digest(
            self.csrf_token(token).encode(), (presented or "").encode()
        )

    async def sign_out(self, token: str) -> None:
        """End a session (harmless when it already ended)."""
        async with self._storage.write() as tx:
            await tx.accounts.delete_session(self._session_digest(token))

    # --- profile and history ---------------------------------------------------------------

    async def history(
        self, reader: Reader, before: datetime | None = None, limit: int = HISTORY_PAGE
    ) -> list[AuthoredComment]:
        """The reader's comments that still exist, newest first (``before``: the next page)."""
        if not 1 <= limit <= 100:
            raise ValidationError("'limit' is 1-100.", field="limit")
        async with self._storage.read() as tx:
            found = await tx.accounts.comments_of(
                reader.id, reader.email_hash, reader.site, limit, before
            )
        return [item for item in found if item.status != CommentStatus.DELETED.value]

    async def claim_comments(self, reader: Reader) -> int:
        """Attach the guest comments written on the site with the account's (verified) address;
        returns how many. Edit tokens are not needed: the address proves authorship."""
        if not reader.email_hash:
            raise ValidationError("The account has no email address to claim by.", field="email")
        async with self._storage.write() as tx:
            return await tx.accounts.claim_comments(reader)

    # --- personal data ----------------------------------------------------------------------

    async def export(self, reader: Reader) -> dict[str, Any]:
        """Everything stored about the reader, as one JSON-ready object."""
        async with self._storage.read() as tx:
            comments = await tx.accounts.comments_of(
                reader.id, reader.email_hash, reader.site, EVERYTHING, None
            )
            votes = await tx.accounts.votes_of(reader.voter)
            reactions = await tx.accounts.reactions_of(reader.voter)
            identities = await tx.accounts.identities_of(reader.id)
            subscriptions = (
                await tx.accounts.subscriptions_of(reader.site, reader.email_hash)
                if reader.email_hash
                else []
            )
        return {
            "account": {
                "id": reader.id,
                "site": reader.site,
                "sign_in": reader.method.value,
                "subject": reader.subject,
                "name": reader.name,
                "email": reader.email,
                "avatar": reader.avatar_url,
                "avatar_uploaded": reader.avatar_image is not None,
                "created_at": _time(reader.created_at),
            },
            "comments": [
                {
                    "id": item.id,
                    "site": item.site,
                    "page": item.page,
                    "parent_id": item.parent_id,
                    "status": item.status,
                    "body": item.body,
                    "created_at": _time(item.created_at),
                    "edited_at": _time(item.edited_at),
                }
                for item in comments
            ],
            "votes": votes,
            "reactions": reactions,
            "subscriptions": subscriptions,
            "identities": identities,  # OpenID Connect provider identities (issuer, subject)
            "exported_at": _time(self._clock.now()),
        }

    async def find_accounts(self, email: str, site: str | None = None) -> list[Reader]:
        """The accounts of an address (for staff acting on a reader's request)."""
        digest = self._email_hash(email.strip())
        if digest is None:
            return []
        async with self._storage.read() as tx:
            return await tx.accounts.find_readers(site, digest)

    async def forget(self, reader_id: str, actor: str) -> ForgetReport:
        """Delete the account and its personal data; its comments are removed or anonymized as
        the site's policy says (thread structure kept), its votes unlinked, its subscriptions
        and mail deleted. Recorded in the audit log without any personal data."""
        now = self._clock.now()
        removed_images: list[StoredImage] = []
        events: list[ThreadEvent] = []
        async with self._storage.write(bulk=True) as tx:
            reader = await tx.accounts.get_reader(reader_id)
            if reader is None:
                raise NotFoundError("There is no such reader account.", field="reader")
            settings = await tx.accounts.settings(reader.site)
            authored = await tx.accounts.comments_of(
                reader.id, reader.email_hash, reader.site, EVERYTHING, None
            )
            live = [item for item in authored if item.status != CommentStatus.DELETED.value]
            removed = anonymized = 0
            if settings.deletion_policy is DeletionPolicy.REMOVE:
                for item in live:
                    await tx.threads.lock(item.thread_id)
                    await tx.comments.mark_deleted(item.id)
                    removed_images += await tx.images.delete_for_comment(item.id)
                    if item.status == CommentStatus.PUBLISHED.value:
                        await tx.threads.adjust_count(item.thread_id, -1)
                        if item.root_id is not None:
                            await tx.comments.adjust_descendants(item.root_id, -1)
                        events.append(
                            await self._live.record(
                                tx, item.thread_id, CommentDeleted(item.site, item.page, item.id)
                            )
                        )
                    removed += 1
            else:
                await tx.accounts.anonymize_comments([item.id for item in live], ANONYMOUS_NAME)
                for item in live:
                    if item.status == CommentStatus.PUBLISHED.value:
                        # Also moves the thread's version on, so cached pages show the change.
                        events.append(
                            await self._live.record(
                                tx, item.thread_id, CommentUpdated(item.site, item.page, item.id)
                            )
                        )
                anonymized = len(live)
            await tx.accounts.scrub_mail([item.id for item in live])
            votes = await tx.accounts.rekey_voter(reader.voter, f"x:{self._keyring.new_id()}")
            addresses = (
                await tx.accounts.forget_address(reader.site, reader.email, reader.email_hash)
                if reader.email_hash
                else 0
            )
            await tx.accounts.delete_reader(reader.id)
            await tx.staff_records.audit(
                actor,
                StaffAction.FORGET_READER,
                f"{reader.site}: a reader account",
                f"{removed} comments removed, {anonymized} anonymized, {votes} votes unlinked",
                now,
            )
        for event in events:
            await self._live.publish(event)
        if self._images is not None and removed_images:
            await self._images.delete_files(removed_images)
        if self._images is not None and reader.avatar_image:
            await self._images.delete_media([reader.avatar_image])  # the uploaded picture
        return ForgetReport(removed, anonymized, votes, addresses)

    async def purge_expired(self) -> dict[str, int]:
        """Erase what is kept only for a while: IP digests older than ``ROSTRA_IP_HASH_DAYS``,
        ended sessions and expired single-use token ids."""
        now = self._clock.now()
        async with self._storage.write(bulk=True) as tx:
            return await tx.accounts.purge(now, now - timedelta(days=self._policy.ip_hash_days))

    # --- helpers ----------------------------------------------------------------------------

    def _unsealed(self, settings: AccountSettings) -> AccountSettings:
        if settings.sso_algorithm is not SsoAlgorithm.HS256 or not settings.sso_key:
            return settings
        try:
            secret = self._fernet.decrypt(settings.sso_key.encode()).decode()
        except InvalidToken:
            # The instance secret key changed since the secret was stored.
            raise SsoNotConfiguredError(
                "The site's single sign-on secret cannot be read; set it again with "
                "`rostra site sso`.",
                field="site",
            ) from None
        return replace(settings, sso_key=secret)

    async def _require_site(self, tx: AccountTransaction, site: str) -> None:
        if await tx.sites.get(site) is None:
            raise NotFoundError(f"There is no site called {site!r}.", field="site")

    def _email_hash(self, email: str | None) -> str | None:
        # The same digest comments and subscriptions use, so an account finds its guest past.
        return self._keyring.digest("email", email.lower()) if email else None

    def _session_digest(self, token: str) -> str:
        return self._keyring.digest("reader-session", token)


def _check_public_key(algorithm: SsoAlgorithm, pem: str) -> None:
    try:
        key = load_pem_public_key(pem.encode())
    except (ValueError, TypeError):
        raise ValidationError(
            "The key must be a PEM public key ('-----BEGIN PUBLIC KEY-----').", field="key"
        ) from None
    expected = rsa.RSAPublicKey if algorithm is SsoAlgorithm.RS256 else ec.EllipticCurvePublicKey
    if not isinstance(key, expected):
        raise ValidationError(f"The key does not fit {algorithm.value}.", field="key")


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
