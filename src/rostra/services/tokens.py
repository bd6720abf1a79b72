"""Random secrets and their keyed digests.

Edit tokens are 192-bit random values, so a keyed SHA-256 (HMAC) is as strong as a slow password
hash against guessing and costs microseconds; argon2 is kept for human-chosen passwords.
Emails and IP addresses are stored only as HMACs under the instance key: equality checks
(bans, one vote per address) work, the values themselves are never kept.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


class Keyring:
    """Makes tokens and keyed digests from the instance's secret key."""

    def __init__(self, secret_key: str) -> None:
        if len(secret_key) < 16:
            raise ValueError("The secret key must be at least 16 characters.")
        self._key = secret_key.encode()

    def new_token(self) -> str:
        """A fresh URL-safe secret."""
        return secrets.token_urlsafe(24)

    def new_id(self) -> str:
        """A fresh public identifier: short, unguessable, URL-safe."""
        return secrets.token_urlsafe(12)

    def digest(self, purpose: str, value: str) -> str:
        """A keyed digest of ``value``; ``purpose`` keeps digests of different kinds apart."""
        mac = hmac.new(self._key, f"{purpose}\x00{value}".encode(), hashlib.sha256)
        return mac.hexdigest()

    def matches(self, purpose: str, value: str, digest: str | None) -> bool:
        """Constant-time check that ``value`` has ``digest``."""
        return digest is not None and hmac.compare_digest(self.digest(purpose, value), digest)
