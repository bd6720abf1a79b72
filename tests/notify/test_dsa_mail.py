"""EU DSA notices by mail, against a real SMTP server (aiosmtpd): the notifier gets an
acknowledgement with the reference at once, and the decision with its reasons later."""

from __future__ import annotations

import httpx

from rostra.domain.moderation import ModerationMode, ModerationSettings
from rostra.services.registry import Services
from tests.api.helpers import new_comment, post_comment
from tests.api.staff_helpers import MODERATOR, add_staff, api_client, sign_in
from tests.notify.smtp import SmtpServer, deliver, html_of, text_of

DANA = "dana@example.org"


async def _send(client: httpx.AsyncClient, comment_id: str) -> dict[str, object]:
    response = await client.post(
        "/api/v1/dsa/notices",
        json={
            "comment_id": comment_id,
            "category": "illegal_hate_speech",
            "explanation": "It calls for violence against <a group>.",
            "name": "Dana <Example>",
            "email": DANA,
            "good_faith": True,
        },
    )
    assert response.status_code == 201, response.text
    ack: dict[str, object] = response.json()
    return ack


async def test_notifier_is_mailed_the_reference_then_the_decision(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    comment = await new_comment(client, body="Good to see this.")
    ack = await _send(client, comment["id"])
    assert ack["mailed"] is True
    assert "copy is on its way" in str(ack["message"])
    assert await deliver(services) == 1
    [received] = smtp_server.to(DANA)
    reference = str(ack["reference"])
    assert reference in received["Subject"]
    assert reference in text_of(received)
    assert "Illegal hate speech" in text_of(received)
    assert "Good to see this." in text_of(received)
    assert "Dana &lt;Example&gt;" in html_of(received)  # escaped in the HTML part

    await add_staff(services, MODERATOR, "moderator")
    staff = await api_client(services)
    await sign_in(staff, MODERATOR)
    decided = await staff.post(
        f"/api/v1/moderation/dsa/notices/{reference}/decision",
        json={"action": "remove", "reason": "Incitement to violence against a group."},
    )
    assert decided.status_code == 200, decided.text
    assert await deliver(services) == 1
    [_, decision] = smtp_server.to(DANA)
    assert reference in decision["Subject"]
    body = text_of(decision)
    assert "the comment was removed" in body
    assert "Incitement to violence against a group." in body
    assert "automatic screening" not in body  # the screen had published it


async def test_decision_mail_says_when_automatic_screening_had_flagged_the_comment(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await services.sites.update_moderation("news", ModerationSettings(mode=ModerationMode.PRE))
    held = await post_comment(client, body="Held by the screen, then reported.")
    assert held.status_code == 202, held.text
    reference = str((await _send(client, held.json()["id"]))["reference"])
    await add_staff(services, MODERATOR, "moderator")
    staff = await api_client(services)
    await sign_in(staff, MODERATOR)
    decided = await staff.post(
        f"/api/v1/moderation/dsa/notices/{reference}/decision",
        json={"action": "keep", "reason": "Lawful criticism."},
    )
    assert decided.status_code == 200, decided.text
    assert await deliver(services) == 2
    decision = smtp_server.to(DANA)[-1]
    assert "the comment stays" in text_of(decision)
    assert "after our automatic screening had flagged the comment" in text_of(decision)
