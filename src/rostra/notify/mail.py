"""``SmtpMailer``: renders a message from its templates and sends it with aiosmtplib.

``ROSTRA_SMTP_URL`` forms: ``smtp://user:pass@host:587?starttls=true`` (STARTTLS required),
``smtp://host:25`` (STARTTLS when the server offers it), ``smtps://user:pass@host:465``
(implicit TLS). User names and passwords are percent-decoded.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from rostra.domain.languages import RIGHT_TO_LEFT, translate
from rostra.domain.subscriptions import (
    MailDeferredError,
    MailRejectedError,
    OutgoingMail,
    one_line,
)

SMTP_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how to connect, from ``ROSTRA_SMTP_URL``."""

    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None  # None: upgrade when offered


def parse_smtp_url(url: str) -> SmtpServer:
    """Read ``smtp://…`` or ``smtps://…``; raises ValueError naming the problem."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("ROSTRA_SMTP_URL must start with smtp:// or smtps://.")
    if not parts.hostname:
        raise ValueError("ROSTRA_SMTP_URL names no host.")
    query = parse_qs(parts.query)
    starttls_values = query.get("starttls", [])
    start_tls: bool | None = None
    if starttls_values:
        value = starttls_values[-1].lower()
        if value not in ("true", "false", "1", "0", "on", "off"):
            raise ValueError("ROSTRA_SMTP_URL: starttls is true or false.")
        start_tls = value in ("true", "1", "on")
    use_tls = parts.scheme == "smtps"
    if use_tls and start_tls:
        raise ValueError("ROSTRA_SMTP_URL: smtps:// is already TLS; drop ?starttls=true.")
    if use_tls:
        start_tls = False
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or (465 if use_tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=use_tls,
        start_tls=start_tls,
    )


class MailTemplates:
    """``templates/<message>/{subject.txt,body.txt,body.html}``, HTML autoescaped."""

    def __init__(self) -> None:
        loader = PackageLoader("rostra.notify", "templates")
        self._text = Environment(loader=loader, autoescape=False, undefined=StrictUndefined)  # noqa: S701 - plain-text parts and subjects are not HTML
        self._html = Environment(
            loader=loader, autoescape=select_autoescape(["html"]), undefined=StrictUndefined
        )

    def render(self, name: str, context: dict[str, object]) -> tuple[str, str, str]:
        """Subject (one line), plain text and HTML of message ``name``, in the reader's
        language (``context["lang"]``; templates write ``t("English text", name=value)``)."""
        lang = str(context.get("lang") or "")

        def plain(text: str, **values: object) -> str:
            found = translate(lang, text)
            return found % values if values else found

        def html(text: str, **values: object) -> Markup:
            # Markup's % escapes every value that is not already markup.
            found = Markup(translate(lang, text))  # noqa: S704 - our own catalogue, not input
            return found % values if values else found

        context = {**context, "lang": lang, "rtl": lang in RIGHT_TO_LEFT}
        subject = self._text.get_template(f"{name}/subject.txt").render(context, t=plain)
        text = self._text.get_template(f"{name}/body.txt").render(context, t=plain)
        page = self._html.get_template(f"{name}/body.html").render(context, t=html)
        return one_line(subject, 200), text, page


class SmtpMailer:
    """``Mailer`` over SMTP with aiosmtplib; one connection per message (mail is rare)."""

    def __init__(self, smtp_url: str, mail_from: str, templates: MailTemplates | None = None):
        self._server = parse_smtp_url(smtp_url)
        sender = one_line(mail_from, 320)
        _, address = email.utils.parseaddr(sender)
        if "@" not in address:
            raise ValueError("ROSTRA_MAIL_FROM must be an address, e.g. comments@example.org.")
        self._from = sender
        self._domain = address.rpartition("@")[2]
        self._templates = templates or MailTemplates()

    def build(self, mail: OutgoingMail, now: datetime | None = None) -> EmailMessage:
        """The full message: headers, a plain-text part and an HTML alternative."""
        subject, text, html = self._templates.render(mail.template, mail.context)
        message = EmailMessage()
        # Every header value is one line: CR/LF in names or titles cannot add headers.
        message["From"] = self._from
        message["To"] = one_line(mail.to, 320)
        message["Subject"] = subject
        message["Date"] = email.utils.format_datetime(now or datetime.now(UTC))
        message["Message-ID"] = f"<{one_line(mail.message_key, 100)}@{self._domain}>"
        message["Auto-Submitted"] = "auto-generated"
        if mail.unsubscribe_url:
            message["List-Unsubscribe"] = f"<{one_line(mail.unsubscribe_url, 2000)}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message

    async def send(self, mail: OutgoingMail) -> None:
        """Send; 4xx and connection trouble raise ``MailDeferredError``, 5xx
        ``MailRejectedError``."""
        message = self.build(mail)
        server = self._server
        try:
            await aiosmtplib.send(
                message,
                hostname=server.host,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.use_tls,
                start_tls=server.start_tls,
                timeout=SMTP_TIMEOUT_SECONDS,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refusal.code for refusal in exc.recipients]
            text = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            if all(400 <= code < 500 for code in codes):
                raise MailDeferredError(text) from exc
            raise MailRejectedError(text) from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            # Wrong credentials are the operator's to fix, not the message's fault: keep trying.
            raise MailDeferredError(f"authentication failed: {exc.code} {exc.message}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise MailRejectedError(f"{exc.code} {exc.message}") from exc
            raise MailDeferredError(f"{exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise MailDeferredError(f"{type(exc).__name__}: {exc}") from exc
