"""Pages only ``rostra demo`` serves: the mail it caught, and its pretend checkout.

``/demo/mail`` lists what the demo's own SMTP server kept (notify/sink.py), with each message's
links clickable and its one-click unsubscribe as a button. ``/demo/checkout/{id}`` stands in for
a payment company's page: completing it sends a signed event through the real webhook route.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
from email.message import EmailMessage
from html import escape
from pathlib import Path
from typing import Any

import httpx
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from rostra.domain.errors import NotFoundError
from rostra.services.demo import PROVIDER, SIGNATURE_HEADER, DemoKit
from rostra.services.registry import Services

# A web address, less the punctuation of the sentence it ends.
URL = re.compile(r"https?://[^\s<>\"')]*[^\s<>\"').,;:!?]")
MAIL_KEY = re.compile(r"^[A-Za-z0-9._,:=-]{1,200}$")
WEBHOOK_TIMEOUT_SECONDS = 10.0
STYLE = """
:root { color-scheme: light dark; --ink: #161616; --muted: #5c5c5c; --rule: #dcdcd8;
  --paper: #fbfaf7; --accent: #8a1c1c; --card: #fff; }
@media (prefers-color-scheme: dark) { :root { --ink: #ebe9e4; --muted: #a6a39c; --rule: #3a3936;
  --paper: #151513; --accent: #f08c7e; --card: #1f1e1c; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--paper); color: var(--ink);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 46rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
.banner { background: #fff3c4; color: #3d2f00; border-bottom: 1px solid #e5d28a;
  padding: .6rem 1.25rem; font-weight: 600; text-align: center; }
h1 { font-size: 1.6rem; line-height: 1.2; margin: 1rem 0 .5rem; }
p.lead { color: var(--muted); margin-top: 0; }
a { color: var(--accent); }
.card { background: var(--card); border: 1px solid var(--rule); border-radius: 8px;
  padding: 1rem 1.2rem; margin: 1rem 0; }
.mail-list { list-style: none; padding: 0; margin: 0; }
.mail-list li { border-bottom: 1px solid var(--rule); padding: .7rem 0; }
.mail-list a { font-weight: 600; text-decoration: none; }
.mail-list a:hover { text-decoration: underline; }
.meta { color: var(--muted); font-size: .875rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font: inherit; margin: 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; margin-top: 1.2rem; }
.actions form { margin: 0; }
button { font: inherit; font-weight: 600; padding: .6rem 1.2rem; border-radius: 6px;
  border: 1px solid var(--accent); background: var(--accent); color: var(--paper);
  cursor: pointer; white-space: nowrap; }
button.secondary { background: transparent; color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.amount { font-size: 2rem; font-weight: 700; margin: .2rem 0; }
"""


def kit(services: Services) -> DemoKit:
    """The demo's kit; absent outside ``rostra demo`` (then these routes are not mounted)."""
    if services.demo is None:
        raise NotFoundException("Not a demo server.")
    return services.demo


def demo_page(title: str, body: str, status: int = 200) -> Response[bytes]:
    """A page of the demo's own, labelled as such."""
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(title)} · Rostra demo</title><style>{STYLE}</style></head><body>"
        '<div class="banner" role="note">Rostra demo: nothing here leaves this computer, '
        "and no money moves.</div>"
        f"<main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return Response(
        html.encode(),
        status_code=status,
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )


def read_mailbox(folder: Path) -> list[tuple[str, EmailMessage]]:
    """Every message the sink kept, newest first, by Maildir key."""
    if not folder.is_dir():
        return []
    box = mailbox.Maildir(folder, create=False)
    caught = []
    for key in box.iterkeys():
        with box.get_file(key) as handle:
            message = email.message_from_binary_file(handle, policy=email.policy.default)
        if isinstance(message, EmailMessage):
            caught.append((key, message))
    caught.sort(key=lambda item: _arrival(item[0]), reverse=True)
    return caught


def _arrival(key: str) -> tuple[int, int, str]:
    """Maildir keys start ``<seconds>.M<microseconds>P…``: their order is the arrival order."""
    seconds, _, rest = key.partition(".")
    micro = rest[1:].split("P", 1)[0] if rest.startswith("M") else "0"
    return (int(seconds) if seconds.isdigit() else 0, int(micro) if micro.isdigit() else 0, key)


def _text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    return str(part.get_content()) if isinstance(part, EmailMessage) else ""


def _linked(text: str) -> str:
    """Escaped text with its web addresses as links (the mails' own links)."""
    pieces, last = [], 0
    for match in URL.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        url = match.group(0)
        pieces.append(f'<a href="{escape(url)}">{escape(url)}</a>')
        last = match.end()
    pieces.append(escape(text[last:]))
    return "".join(pieces)


# GET /demo/mail
@get("/demo/mail", include_in_schema=False)
async def demo_mailbox(services: NamedDependency[Services]) -> Response[bytes]:
    """Every message the demo sent, newest first."""
    caught = read_mailbox(kit(services).mail_folder)
    if not caught:
        items = (
            "<p>No mail yet. On the article, choose <strong>Notify me</strong> and give an "
            "address (any address: the mail stays here), or sign in by email link; the "
            "messages appear here within a few seconds.</p>"
        )
    else:
        rows = "".join(
            f'<li><a href="/demo/mail/{escape(key)}">{escape(str(message["Subject"] or ""))}</a>'
            f'<div class="meta">To {escape(str(message["To"] or ""))} · '
            f"{escape(str(message['Date'] or ''))}</div></li>"
            for key, message in caught
        )
        items = f'<ul class="mail-list">{rows}</ul>'
    body = (
        '<p class="lead">The mail Rostra sent while this demo runs: confirmations, reply '
        "notifications and sign-in links. Reload to see new messages.</p>"
        f'<p><a href="/">Back to the article</a></p><section class="card" aria-label="Messages">'
        f"{items}</section>"
    )
    return demo_page("Demo mailbox", body)


# GET /demo/mail/{key}
@get("/demo/mail/{key:str}", include_in_schema=False)
async def demo_message(key: FromPath[str], services: NamedDependency[Services]) -> Response[bytes]:
    """One message: its headers, its text with working links, and one-click unsubscribe."""
    if not MAIL_KEY.match(key):
        raise NotFoundException("No such message.")
    found = dict(read_mailbox(kit(services).mail_folder)).get(key)
    if found is None:
        raise NotFoundException("No such message.")
    headers = "".join(
        f"<dt>{label}</dt><dd>{escape(str(found[name] or ''))}</dd>"
        for label, name in (("From", "From"), ("To", "To"), ("Date", "Date"))
    )
    unsubscribe = ""
    target = URL.search(str(found["List-Unsubscribe"] or ""))
    if target and "One-Click" in str(found["List-Unsubscribe-Post"] or ""):
        # What a mail program's "Unsubscribe" button does (RFC 8058): one POST, no page.
        unsubscribe = (
            f'<div class="actions"><form method="post" action="{escape(target.group(0))}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            "<button>Unsubscribe (one click, as a mail program does)</button></form></div>"
        )
    body = (
        f'<p><a href="/demo/mail">All demo mail</a> · <a href="/">Back to the article</a></p>'
        f'<section class="card"><dl>{headers}</dl></section>'
        f'<section class="card" aria-label="Message"><pre>{_linked(_text(found))}</pre></section>'
        f"{unsubscribe}"
    )
    return demo_page(str(found["Subject"] or "(no subject)"), body)


# GET /demo/checkout/{id}
@get("/demo/checkout/{checkout_id:str}", include_in_schema=False)
async def demo_checkout(
    checkout_id: FromPath[str], services: NamedDependency[Services]
) -> Response[bytes]:
    """The pretend payment company's page: complete or cancel."""
    try:
        checkout = kit(services).payments.get(checkout_id)
    except NotFoundError as exc:
        return demo_page(
            "Checkout finished",
            f'<p>{escape(exc.message)}</p><p><a href="/">Back to the article</a></p>',
            404,
        )
    request = checkout.request
    donor = (
        f"<dt>Name shown</dt><dd>{escape(request.donor_name)}</dd>" if request.donor_name else ""
    )
    action = f"/demo/checkout/{escape(checkout.id)}"
    body = (
        '<p class="lead">This page stands in for a payment company\'s checkout. Completing it '
        "sends a signed payment event to Rostra's webhook, exactly as a real provider would; "
        "no card is asked for and no money moves.</p>"
        f'<section class="card"><p class="meta">Donation to {escape(request.site_title)}</p>'
        f'<p class="amount">{escape(checkout.amount_text)} {escape(request.currency.code)}</p>'
        f"<dl>{donor}</dl>"
        f'<div class="actions"><form method="post" action="{action}/complete">'
        "<button>Complete demo payment</button></form>"
        f'<form method="post" action="{action}/cancel">'
        '<button class="secondary">Cancel</button></form></div></section>'
    )
    return demo_page("Demo checkout", body)


# POST /demo/checkout/{id}/complete
@post("/demo/checkout/{checkout_id:str}/complete", include_in_schema=False, status_code=303)
async def demo_checkout_complete(
    request: Request[Any, Any, Any],
    checkout_id: FromPath[str],
    services: NamedDependency[Services],
) -> Response[Any]:
    """Send the signed event through the real webhook route, then return to the article."""
    try:
        done, payload, signature = kit(services).payments.complete(checkout_id)
    except NotFoundError as exc:
        return demo_page("Checkout finished", f"<p>{escape(exc.message)}</p>", 404)
    webhook = f"{str(request.base_url).rstrip('/')}/api/v1/payments/webhook/{PROVIDER}"
    try:
        async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_SECONDS, trust_env=False) as client:
            answer = await client.post(
                webhook,
                content=payload,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
            )
    except httpx.HTTPError as exc:
        return demo_page("The payment event was not delivered", f"<p>{escape(str(exc))}</p>", 502)
    if answer.status_code != 200:
        return demo_page(
            "The payment event was refused",
            f"<p>The webhook answered {answer.status_code}: {escape(answer.text[:500])}</p>",
            502,
        )
    return Redirect(done.request.success_url, status_code=303)


# POST /demo/checkout/{id}/cancel
@post("/demo/checkout/{checkout_id:str}/cancel", include_in_schema=False, status_code=303)
async def demo_checkout_cancel(
    checkout_id: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """Forget the checkout and return to the article, as a cancelled payment does."""
    try:
        done = kit(services).payments.cancel(checkout_id)
    except NotFoundError as exc:
        return demo_page("Checkout finished", f"<p>{escape(exc.message)}</p>", 404)
    return Redirect(done.request.cancel_url, status_code=303)


ROUTES = [
    demo_mailbox,
    demo_message,
    demo_checkout,
    demo_checkout_complete,
    demo_checkout_cancel,
]
