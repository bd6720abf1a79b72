"""Mail caused by staff decisions: a held comment reaches the page's followers only once a
moderator approves it."""

from __future__ import annotations

import httpx

from rostra.domain.moderation import ModerationMode, ModerationSettings
from rostra.services.registry import Services
from tests.api.helpers import post_comment
from tests.api.staff_helpers import MODERATOR, add_staff, sign_in
from tests.notify.smtp import SmtpServer, deliver, text_of
from tests.notify.test_delivery import ANN, confirm


async def test_follower_is_mailed_of_a_held_comment_only_after_approval(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await services.sites.update_moderation("news", ModerationSettings(mode=ModerationMode.PRE))
    await confirm(client, services, smtp_server, ANN, "all")
    held = await post_comment(client, author_name="Cy", body="Waiting for a moderator.")
    assert held.status_code == 202, held.text
    assert await deliver(services) == 0
    assert len(smtp_server.to(ANN)) == 1  # the confirmation only

    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    approved = await client.post(f"/api/v1/moderation/comments/{held.json()['id']}/approve")
    assert approved.status_code == 200, approved.text
    assert await deliver(services) == 1
    [confirmation, notice] = smtp_server.to(ANN)
    assert "Waiting for a moderator." not in text_of(confirmation)
    assert "Waiting for a moderator." in text_of(notice)


async def test_rejected_held_comment_mails_nobody(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await services.sites.update_moderation("news", ModerationSettings(mode=ModerationMode.PRE))
    await confirm(client, services, smtp_server, ANN, "all")
    held = await post_comment(client, author_name="Cy", body="Never shown.")
    assert held.status_code == 202, held.text
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    rejected = await client.post(f"/api/v1/moderation/comments/{held.json()['id']}/reject")
    assert rejected.status_code == 200, rejected.text
    assert await deliver(services) == 0
    assert len(smtp_server.to(ANN)) == 1
