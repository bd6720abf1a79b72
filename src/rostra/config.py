"""Settings: read once from the environment (``ROSTRA_*``) and an optional TOML file.

The file uses the same names without the prefix, in lower case (``database_url = "…"``); the
environment wins over the file, and command-line flags win over both.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

DEFAULT_DATABASE_URL = "sqlite:///./rostra.db"
# Whole-number settings for which 0 is a documented "off" rather than a mistake.
ZERO_MEANS_OFF = frozenset({"staff_digest_minutes"})


class SettingsError(ValueError):
    """A setting has a value Rostra cannot use; the message names it."""


TOXICITY_MODELS = ("trained", "profanity", "semantic", "none")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything an instance can be told. Passed down; nothing else reads the environment."""

    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL read replicas, comma-separated; thread pages are read there when current
    database_replica_urls: str | None = None
    redis_url: str | None = None
    smtp_url: str | None = None
    mail_from: str | None = None  # the From of notification mail; default rostra@<public host>
    secret_key: str | None = None
    public_url: str | None = None
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    # Another address for Stripe's API (a local stand-in in tests); unset: Stripe's own
    stripe_api_base: str | None = None
    rate_limits: bool = True
    # The proxies whose X-Forwarded-For/-Proto are believed (comma-separated
    # addresses or networks, or "*"); unset, none are, and the client is the connection's peer.
    forwarded_allow_ips: str | None = None
    rate_limit_comments: str = "10/minute;100/hour"
    rate_limit_votes: str = "120/minute"
    rate_limit_votes_per_address: str = "60/minute;600/hour"
    rate_limit_reports: str = "5/minute;20/hour"  # reports per client address
    rate_limit_login: str = "5/minute;20/hour"  # staff sign-in, per address and per email
    rate_limit_images: str = "10/minute;60/hour"
    rate_limit_checkouts: str = "10/minute;30/hour"  # donation checkouts per address
    image_max_bytes: int = 5 * 1024 * 1024
    image_max_pixels: int = 40_000_000
    image_max_frames: int = 100
    media_dir: str | None = None  # default: a "media" folder next to the SQLite file, or ./media
    # Where uploaded images live: file:///folder (the default, ROSTRA_MEDIA_DIR's), database,
    # or s3://bucket/prefix (credentials from the AWS_* variables); see media_location().
    media_url: str | None = None
    # A public bucket or CDN address: /media/{name} redirects to {media_public_url}/{name}.
    media_public_url: str | None = None
    edit_window_minutes: int = 15
    max_reply_depth: int = 4
    max_request_bytes: int = 64 * 1024
    log_format: str = "console"
    demo: bool = False
    # trained | profanity (needs rostra[profanity]) | semantic (rostra[semantic]) | none
    toxicity_model: str = "trained"
    notify_batch_minutes: int = 15  # at most one "new comments" mail per page and follower
    notify_poll_seconds: int = 5  # how often an idle outbox worker looks for due mail
    notify_worker: bool = True  # run the outbox worker inside `rostra serve`
    # Webhook endpoints on loopback, private or link-local addresses (and plain http): only for
    # a receiver on the same machine or network the operator trusts.
    webhooks_allow_private: bool = False
    ip_hash_days: int = 30  # comments keep the IP digest this many days
    staff_digest_minutes: int = 60  # staff digest of the moderation queue per site; 0: none
    metrics_token: str | None = None  # bearer token for /metrics; unset: loopback only

    @property
    def replica_urls(self) -> tuple[str, ...]:
        """The read replicas named by ``database_replica_urls``, in order."""
        return tuple(
            url.strip() for url in (self.database_replica_urls or "").split(",") if url.strip()
        )

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with the given non-None values replaced (for command-line flags)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def _convert(name: str, raw: Any, default: Any) -> Any:
    if isinstance(raw, float) or (isinstance(raw, bool) and not isinstance(default, bool)):
        # TOML has real types: 1.5 must not become 1, nor true become 1.
        raise SettingsError(f"ROSTRA_{name.upper()} cannot be {raw!r}.")
    if isinstance(default, bool):
        text = str(raw).strip().lower()
        if text in ("1", "true", "on", "yes"):
            return True
        if text in ("0", "false", "off", "no"):
            return False
        raise SettingsError(f"ROSTRA_{name.upper()} must be on or off, not {raw!r}.")
    if isinstance(default, int):
        try:
            value = int(raw)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"ROSTRA_{name.upper()} must be a whole number.") from exc
        if value == 0 and name in ZERO_MEANS_OFF:
            return value
        if value <= 0:
            raise SettingsError(f"ROSTRA_{name.upper()} must be positive.")
        return value
    if not isinstance(raw, str):
        raise SettingsError(f"ROSTRA_{name.upper()} must be text, not {raw!r}.")
    return raw.strip() or None


def load_settings(environ: Mapping[str, str], config_file: Path | None = None) -> Settings:
    """Settings from a TOML file (optional) overlaid with ``ROSTRA_*`` environment variables."""
    values: dict[str, Any] = {}
    known = {field.name: field.default for field in fields(Settings)}
    if config_file is not None:
        try:
            data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"Cannot read the configuration file {config_file}: {exc}") from exc
        for key, raw in data.items():
            if key not in known:
                raise SettingsError(f"{config_file}: unknown setting {key!r}.")
            values[key] = _convert(key, raw, known[key])
    for name, default in known.items():
        env_name = f"ROSTRA_{name.upper()}"
        if env_name in environ:
            values[name] = _convert(name, environ[env_name], default)
    # A blank value means "not set": the default applies (ROSTRA_DATABASE_URL= in a unit file).
    values = {name: value for name, value in values.items() if value is not None}
    settings = Settings(**values)
    if settings.secret_key is not None and len(settings.secret_key) < 32:
        raise SettingsError("ROSTRA_SECRET_KEY must be at least 32 characters.")
    if settings.toxicity_model not in TOXICITY_MODELS:
        raise SettingsError(f"ROSTRA_TOXICITY_MODEL must be one of: {', '.join(TOXICITY_MODELS)}.")
    if settings.log_format not in ("console", "json"):
        raise SettingsError("ROSTRA_LOG_FORMAT must be console or json.")
    _check_replicas(settings)
    media_location(settings)
    _check_public_media(settings.media_public_url)
    return settings


@dataclass(frozen=True, slots=True)
class MediaLocation:
    """Where image files are stored: a folder (``path`` None: the default folder), the
    database, or an S3-compatible bucket with an optional key prefix."""

    kind: str  # "file" | "database" | "s3"
    path: str | None = None
    bucket: str | None = None
    prefix: str = ""

    def __str__(self) -> str:
        if self.kind == "s3":
            return f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        if self.kind == "file":
            return f"file://{self.path}" if self.path else "the default media folder"
        return self.kind


MEDIA_URL_FORMS = "file:///absolute/folder, database, or s3://bucket/prefix"
# S3's bucket naming rules (lower-case letters, digits, dots and hyphens; 3-63 characters).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def parse_media_url(url: str, setting: str = "ROSTRA_MEDIA_URL") -> MediaLocation:
    """A media store address, or ``SettingsError`` naming ``setting`` and the accepted forms."""
    text = url.strip()
    if text == "database":
        return MediaLocation("database")
    parts = urlsplit(text)
    if parts.query or parts.fragment:
        raise SettingsError(f"{setting}: {text!r} may not have a query or fragment.")
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise SettingsError(
                f"{setting}: {text!r} is not a local folder; write file:///absolute/folder."
            )
        return MediaLocation("file", path=unquote(parts.path).rstrip("/") or "/")
    if parts.scheme == "s3":
        if not _BUCKET.fullmatch(parts.netloc) or ".." in parts.netloc:
            raise SettingsError(
                f"{setting}: {parts.netloc!r} is not an S3 bucket name (3-63 lower-case "
                "letters, digits, dots and hyphens)."
            )
        prefix = unquote(parts.path).strip("/")
        if prefix and any(segment in ("", ".", "..") for segment in prefix.split("/")):
            raise SettingsError(f"{setting}: the key prefix {prefix!r} has an empty or dot part.")
        return MediaLocation("s3", bucket=parts.netloc, prefix=prefix)
    raise SettingsError(f"{setting} must be {MEDIA_URL_FORMS}, not {text!r}.")


def media_location(settings: Settings) -> MediaLocation:
    """The configured media store: ``media_url``, else the folder ``media_dir`` names, else the
    default folder. Both set is refused: which one wins would be a guess."""
    if settings.media_url and settings.media_dir:
        raise SettingsError(
            "Set ROSTRA_MEDIA_URL or ROSTRA_MEDIA_DIR, not both (ROSTRA_MEDIA_URL=file:///folder "
            "replaces ROSTRA_MEDIA_DIR=folder)."
        )
    if settings.media_url:
        return parse_media_url(settings.media_url)
    return MediaLocation("file", path=settings.media_dir)


def _check_public_media(url: str | None) -> None:
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(
            "ROSTRA_MEDIA_PUBLIC_URL must be an http(s) address without query, such as "
            f"https://cdn.example.com/media, not {url!r}."
        )


def _check_replicas(settings: Settings) -> None:
    """Replicas are PostgreSQL standbys of a PostgreSQL primary: anything else is a mistake that
    would otherwise surface as odd reads much later."""
    if not settings.replica_urls:
        return
    from rostra.storage.urls import backend_of  # SQLAlchemy's URL parser, only when needed

    if backend_of(settings.database_url) != "postgresql":
        raise SettingsError(
            "ROSTRA_DATABASE_REPLICA_URLS needs a PostgreSQL ROSTRA_DATABASE_URL: SQLite has no "
            "read replicas."
        )
    for url in settings.replica_urls:
        if backend_of(url) != "postgresql":
            raise SettingsError(
                f"ROSTRA_DATABASE_REPLICA_URLS: {url.split('@')[-1]!r} is not a postgresql:// URL."
            )
