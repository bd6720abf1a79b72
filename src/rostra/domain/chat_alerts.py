"""Chat alerts: messages to a newsroom's Slack channel (incoming webhook) or Matrix room when
a site's moderation queue reaches a size, or a comment reaches a number of reports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote

from rostra.domain.errors import ValidationError
from rostra.domain.webhooks import validate_url

MAX_THRESHOLD = 10_000


@dataclass(frozen=True, slots=True)
class ChatAlertSettings:
    """A site's alerts. Secrets (the Slack hook's URL, the Matrix token) are sealed at rest;
    a threshold of 0 turns that alert off."""

    slack_url: str | None = None
    matrix_homeserver: str | None = None
    matrix_room: str | None = None
    matrix_token: str | None = None
    queue_threshold: int = 0
    report_threshold: int = 0

    @property
    def services(self) -> tuple[str, ...]:
        found = []
        if self.slack_url:
            found.append("slack")
        if self.matrix_homeserver and self.matrix_room and self.matrix_token:
            found.append("matrix")
        return tuple(found)


def validate_threshold(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_THRESHOLD:
        raise ValidationError(
            f"'{field}' is a whole number from 0 (off) to {MAX_THRESHOLD}.", field=field
        )
    return value


def validate_settings(settings: ChatAlertSettings, *, allow_private: bool) -> ChatAlertSettings:
    """Check every field; Matrix needs its homeserver, room and token together."""
    slack = settings.slack_url
    if slack:
        slack = validate_url(slack, allow_private=allow_private, field="slack_url")
    matrix = (settings.matrix_homeserver, settings.matrix_room, settings.matrix_token)
    homeserver = room = token = None
    if any(matrix):
        if not all(matrix):
            raise ValidationError(
                "Matrix needs 'matrix_homeserver', 'matrix_room' and 'matrix_token' together.",
                field="matrix_room" if settings.matrix_homeserver else "matrix_homeserver",
            )
        try:
            homeserver = validate_url(settings.matrix_homeserver, allow_private=allow_private)
        except ValidationError as exc:
            raise ValidationError(
                exc.message.replace("'url'", "'matrix_homeserver'"), field="matrix_homeserver"
            ) from None
        room = (settings.matrix_room or "").strip()
        if not (room.startswith(("!", "#")) and ":" in room and len(room) <= 255):
            raise ValidationError(
                "'matrix_room' is a room id such as !abc:matrix.org.", field="matrix_room"
            )
        token = (settings.matrix_token or "").strip()
        if len(token) > 500 or any(ord(c) < 33 for c in token):
            raise ValidationError("'matrix_token' is not an access token.", field="matrix_token")
    queue = validate_threshold(settings.queue_threshold, "queue_threshold")
    reports = validate_threshold(settings.report_threshold, "report_threshold")
    checked = ChatAlertSettings(slack or None, homeserver, room, token, queue, reports)
    if (queue or reports) and not checked.services:
        raise ValidationError(
            "Give a Slack webhook URL or a Matrix room for the alerts to go to.", field="slack_url"
        )
    return checked


def queue_message(site: str, pending: int, link: str) -> str:
    return f"{pending} comments on {site} are waiting for moderation. Decide: {link}"


def report_message(site: str, author: str, excerpt: str, reports: int, link: str) -> str:
    return (
        f"A comment by {author} on {site} was reported {reports} times: “{excerpt}” Decide: {link}"
    )


def slack_request(url: str, text: str) -> tuple[str, str, bytes]:
    """Method, URL and body of a Slack incoming-webhook message."""
    return "POST", url, json.dumps({"text": text}).encode()


def matrix_request(homeserver: str, room: str, txn: str, text: str) -> tuple[str, str, bytes]:
    """Method, URL and body of a Matrix ``m.room.message`` (the transaction id makes a retry
    of the same alert land once)."""
    base = homeserver.rstrip("/")
    path = f"/_matrix/client/v3/rooms/{quote(room, safe='')}/send/m.room.message/{quote(txn)}"
    body = json.dumps({"msgtype": "m.text", "body": text}).encode()
    return "PUT", base + path, body
