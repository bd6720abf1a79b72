"""Staff accounts and sessions: adding accounts, signing in and out, CSRF tokens, TOTP."""

from __future__ import annotations

import asyncio
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from rostra.domain.errors import ConflictError, NotFoundError, RateLimitedError
from rostra.domain.staff import (
    InvalidCredentialsError,
    NotSignedInError,
    SecondFactorRequiredError,
    StaffAction,
    StaffUser,
    validate_password,
    validate_role,
    validate_staff_email,
)
from rostra.services.ports import Clock, RateLimiter, Storage
from rostra.services.tokens import Keyring

SESSION_LIFETIME = timedelta(hours=12)
CHALLENGE_LIFETIME = timedelta(minutes=5)
TOTP_ISSUER = "Rostra"
# A code is good for its 30-second step and one on either side; sign-ins this recent are
# checked for the step they used, so a code works once (RFC 6238, section 5.2).
TOTP_REPLAY_LOOKBACK = timedelta(minutes=3)
TOTP_STEP_NOTE = "totp step "
UNKNOWN_ACTOR = "(unknown account)"


@dataclass(frozen=True, slots=True)
class StaffSession:
    """A signed-in staff member: the session secret (for the cookie) and its CSRF token."""

    token: str
    csrf_token: str
    user: StaffUser
    expires_at: datetime


class SecondFactorChallenge(SecondFactorRequiredError):
    """The password was right and the account has TOTP: ``challenge`` continues the sign-in."""

    def __init__(self, challenge: str) -> None:
        super().__init__("Enter the 6-digit code from your authenticator app.", field="totp")
        self.challenge = challenge


class StaffService:
    """Staff accounts and their sessions."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        keyring: Keyring,
        limiter: RateLimiter,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._keyring = keyring
        self._limiter = limiter
        self._hasher = hasher or PasswordHasher()
        # Unknown emails are checked against this, so they cost as much as known ones.
        self._dummy_hash: str | None = None

    async def add_user(self, email: str, role: str, password: str) -> StaffUser:
        """Create a staff account; the email must be free and the password long enough."""
        email = validate_staff_email(email)
        checked_role = validate_role(role)
        validate_password(password)
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        async with self._storage.write() as tx:
            if await tx.users.credentials(email) is not None:
                raise ConflictError(f"There is a staff account for {email} already.", field="email")
            await tx.users.add(email, password_hash, checked_role, self._clock.now())
            found = await tx.users.credentials(email)
        assert found is not None  # noqa: S101 - written just above
        return found.user

    async def list_users(self) -> list[StaffUser]:
        """Every staff account."""
        async with self._storage.read() as tx:
            return await tx.users.list_all()

    async def set_disabled(self, email: str, disabled: bool) -> StaffUser:
        """Disable (ending every session) or re-enable an account."""
        async with self._storage.write() as tx:
            found = await tx.users.credentials(validate_staff_email(email))
            if found is None:
                raise NotFoundError(f"There is no staff account for {email}.", field="email")
            await tx.users.set_disabled(found.user.id, disabled)
            if disabled:
                await tx.users.delete_sessions_of(found.user.id)
            user = await tx.users.get(found.user.id)
        assert user is not None  # noqa: S101 - read inside the same transaction
        return user

    async def enable_totp(self, email: str) -> str:
        """Give the account a new TOTP secret; returns the provisioning URI for the app."""
        secret = pyotp.random_base32()
        async with self._storage.write() as tx:
            found = await tx.users.credentials(validate_staff_email(email))
            if found is None:
                raise NotFoundError(f"There is no staff account for {email}.", field="email")
            await tx.users.set_totp_secret(found.user.id, secret)
        return pyotp.TOTP(secret).provisioning_uri(name=found.user.email, issuer_name=TOTP_ISSUER)

    async def sign_in(
        self, email: str, password: str, ip: str | None, totp_code: str | None = None
    ) -> StaffSession:
        """Check the password (and the TOTP code when the account has one) and open a session.

        Every failure looks the same and costs the same; attempts are limited per address and
        per email. An account with TOTP and no code raises :class:`SecondFactorChallenge`."""
        normalized = " ".join(email.split()).lower()[:254]
        await self._limit(f"ip:{ip or 'unknown'}")
        await self._limit(f"email:{normalized}")
        async with self._storage.read() as tx:
            found = await tx.users.credentials(normalized)
        if self._dummy_hash is None:
            self._dummy_hash = await asyncio.to_thread(self._hasher.hash, secrets.token_urlsafe(16))
        stored_hash = found.password_hash if found else self._dummy_hash
        valid = await asyncio.to_thread(self._verify, stored_hash, password)
        if found is None or not valid or found.user.disabled:
            why = (
                "unknown account"
                if found is None
                else "wrong password"
                if not valid
                else "account disabled"
            )
            await self._audit_failure(found.user.email if found else UNKNOWN_ACTOR, why, ip)
            raise InvalidCredentialsError("The email or the password is wrong.", field=None)
        if self._hasher.check_needs_rehash(found.password_hash):
            new_hash = await asyncio.to_thread(self._hasher.hash, password)
            async with self._storage.write() as tx:
                await tx.users.set_password_hash(found.user.id, new_hash)
        if found.totp_secret is not None:
            if not totp_code:
                raise SecondFactorChallenge(self._challenge(found.user.id))
            step = await self._check_totp(found.user.email, found.totp_secret, totp_code, ip)
            return await self._open_session(found.user, step, ip)
        return await self._open_session(found.user)

    async def complete_sign_in(
        self, challenge: str, totp_code: str, ip: str | None
    ) -> StaffSession:
        """The second step of a TOTP sign-in: the challenge from the first step and the code."""
        await self._limit(f"ip:{ip or 'unknown'}")
        user_id = self._challenge_user(challenge)
        async with self._storage.read() as tx:
            user = await tx.users.get(user_id)
            found = await tx.users.credentials(user.email) if user else None
        if found is None or found.user.disabled or found.totp_secret is None:
            raise InvalidCredentialsError("The sign-in expired; start again.", field=None)
        await self._limit(f"email:{found.user.email}")
        step = await self._check_totp(found.user.email, found.totp_secret, totp_code, ip)
        return await self._open_session(found.user, step, ip)

    async def session_user(self, token: str | None) -> StaffUser:
        """The staff member of a session token; raises :class:`NotSignedInError`."""
        if not token:
            raise NotSignedInError("Sign in as staff first.", field=None)
        async with self._storage.read() as tx:
            user = await tx.users.session_user(self._session_digest(token), self._clock.now())
        if user is None:
            raise NotSignedInError("The staff session ended; sign in again.", field=None)
        return user

    def csrf_token(self, token: str) -> str:
        """The CSRF token bound to a session: forms and scripts send it back."""
        return self._keyring.digest("csrf", token)[:43]

    def csrf_matches(self, token: str, presented: str | None) -> bool:
        """Constant-time check of a presented CSRF token against the session's."""
        return bool(presented) and hmac.compare_digest(
            self.csrf_token(token).encode(), (presented or "").encode()
        )

    async def sign_out(self, token: str) -> None:
        """End a session (harmless when it already ended)."""
        async with self._storage.write() as tx:
            user = await tx.users.session_user(self._session_digest(token), self._clock.now())
            await tx.users.delete_session(self._session_digest(token))
            if user is not None:
                await tx.staff_records.audit(
                    user.email, StaffAction.SIGN_OUT, user.email, "", self._clock.now()
                )

    async def _open_session(
        self, user: StaffUser, totp_step: int | None = None, ip: str | None = None
    ) -> StaffSession:
        token = self._keyring.new_token()
        now = self._clock.now()
        expires = now + SESSION_LIFETIME
        note = "" if totp_step is None else f"{TOTP_STEP_NOTE}{totp_step}"
        replayed = False
        async with self._storage.write() as tx:
            if totp_step is not None:
                # The check and the sign-in's record share one write transaction, and the
                # account's row lock makes concurrent uses of one code take turns.
                await tx.users.lock(user.id)
                recent = await tx.staff_records.recent_audit_entries(
                    user.email, StaffAction.SIGN_IN, now - TOTP_REPLAY_LOOKBACK
                )
                replayed = any(_step_of(entry.reason) >= totp_step for entry in recent)
            if not replayed:
                await tx.users.add_session(self._session_digest(token), user.id, now, expires)
                await tx.staff_records.audit(user.email, StaffAction.SIGN_IN, user.email, note, now)
        if replayed:
            await self._audit_failure(user.email, "authenticator code used twice", ip)
            raise InvalidCredentialsError(
                "This code was used already; wait for the next one.", field="totp"
            )
        return StaffSession(token, self.csrf_token(token), user, expires)

    async def _audit_failure(self, actor: str, why: str, ip: str | None) -> None:
        """A failed sign-in in the audit log: who was tried, why it failed, the address as a
        keyed hash (never the password, never the address itself)."""
        where = self._keyring.digest("ip", ip)[:16] if ip else "unknown"
        async with self._storage.write() as tx:
            await tx.staff_records.audit(
                actor, StaffAction.SIGN_IN_FAILED, "", f"{why}; address {where}", self._clock.now()
            )

    def _verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def _check_totp(self, email: str, secret: str, code: str, ip: str | None) -> int:
        """The time step whose code ``code`` is (this one or one on either side)."""
        digits = "".join(code.split())
        totp = pyotp.TOTP(secret)
        now = self._clock.now()
        if digits.isdigit():
            for offset in (-1, 0, 1):
                if hmac.compare_digest(totp.at(now, counter_offset=offset), digits):
                    return totp.timecode(now) + offset
        await self._audit_failure(email, "wrong authenticator code", ip)
        raise InvalidCredentialsError("The code is wrong or expired.", field="totp")

    def _session_digest(self, token: str) -> str:
        return self._keyring.digest("staff-session", token)

    def _challenge(self, user_id: int) -> str:
        expires = int((self._clock.now() + CHALLENGE_LIFETIME).timestamp())
        payload = f"{user_id}.{expires}"
        return f"{payload}.{self._keyring.digest('totp-challenge', payload)}"

    def _challenge_user(self, challenge: str) -> int:
        user_id, _, rest = challenge.partition(".")
        expires, _, mac = rest.partition(".")
        payload = f"{user_id}.{expires}"
        if (
            not (user_id.isdigit() and expires.isdigit())
            or not self._keyring.matches("totp-challenge", payload, mac)
            or int(expires) < self._clock.now().timestamp()
        ):
            raise InvalidCredentialsError("The sign-in expired; start again.", field=None)
        return int(user_id)

    async def _limit(self, key: str) -> None:
        wait = await self._limiter.hit("login", self._keyring.digest("limit", key))
        if wait is not None:
            raise RateLimitedError(
                f"Too many sign-in attempts; try again in {wait:.0f} s.", retry_after=wait
            )


def _step_of(note: str) -> int:
    """The TOTP step a sign-in's audit note names, or -1."""
    number = note.removeprefix(TOTP_STEP_NOTE)
    return int(number) if note.startswith(TOTP_STEP_NOTE) and number.isdigit() else -1
