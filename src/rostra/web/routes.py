"""Every route of the server, in one table."""

from __future__ import annotations

from litestar.handlers import HTTPRouteHandler

from rostra.web import appeal_page, demo_pages, notice_page, pages
from rostra.web.admin import accounts as admin_accounts
from rostra.web.admin import campaigns as admin_campaigns
from rostra.web.admin import context as admin_context
from rostra.web.admin import integrations as admin_integrations
from rostra.web.admin import threads as admin_threads
from rostra.web.admin import views as admin
from rostra.web.api import (
    accounts,
    anchors,
    avatars,
    campaigns,
    comments,
    dsa,
    dsa_appeals,
    editorial,
    events,
    feeds,
    health,
    images,
    media,
    metrics,
    moderation,
    oidc,
    reader_history,
    staff_auth,
    subscriptions,
    votes,
    webhooks,
)

API_ROUTES: list[HTTPRouteHandler] = [
    comments.post_comment,  # POST   /api/v1/comments
    comments.list_comments,  # GET    /api/v1/comments
    comments.edit_comment,  # PATCH  /api/v1/comments/{id}
    comments.delete_comment,  # DELETE /api/v1/comments/{id}
    votes.cast_vote,  # POST   /api/v1/comments/{id}/vote
    votes.react,  # POST   /api/v1/comments/{id}/reaction
    comments.mentionable,  # GET    /api/v1/mentions
    comments.count_comments,  # POST   /api/v1/counts
    comments.preview,  # POST   /api/v1/preview
    events.thread_events,  # GET    /api/v1/events
    anchors.list_passages,  # GET    /api/v1/anchors
    anchors.place_passages,  # POST   /api/v1/anchors/placements
    health.healthz,  # GET    /healthz
    health.readyz,  # GET    /readyz
    metrics.metrics,  # GET    /metrics
    subscriptions.subscribe,  # POST   /api/v1/subscriptions
    subscriptions.notification_settings,  # GET    /api/v1/subscriptions/settings
    subscriptions.confirm_page,  # GET    /api/v1/subscriptions/confirm
    subscriptions.confirm,  # POST   /api/v1/subscriptions/confirm
    subscriptions.unsubscribe_page,  # GET    /api/v1/subscriptions/unsubscribe
    subscriptions.unsubscribe,  # POST   /api/v1/subscriptions/unsubscribe (RFC 8058)
    subscriptions.manage_page,  # GET    /api/v1/subscriptions/manage
    subscriptions.manage,  # POST   /api/v1/subscriptions/manage
    images.upload_image,  # POST   /api/v1/images
    media.media_file,  # GET    /media/{name}
    moderation.report,  # POST   /api/v1/comments/{id}/report
    staff_auth.sign_in,  # POST   /api/v1/moderation/session
    staff_auth.whoami,  # GET    /api/v1/moderation/session
    staff_auth.sign_out,  # DELETE /api/v1/moderation/session
    moderation.queue,  # GET    /api/v1/moderation/queue
    moderation.approve,  # POST   /api/v1/moderation/comments/{id}/approve
    moderation.reject,  # POST   /api/v1/moderation/comments/{id}/reject
    moderation.spam,  # POST   /api/v1/moderation/comments/{id}/spam
    moderation.learn,  # POST   /api/v1/moderation/comments/{id}/learn
    moderation.ban,  # POST   /api/v1/moderation/comments/{id}/ban
    moderation.pin,  # POST   /api/v1/moderation/comments/{id}/pin
    moderation.unpin,  # DELETE /api/v1/moderation/comments/{id}/pin
    editorial.feature,  # POST   /api/v1/moderation/comments/{id}/feature
    editorial.unfeature,  # DELETE /api/v1/moderation/comments/{id}/feature
    editorial.find_thread,  # GET    /api/v1/moderation/threads
    editorial.make_thread,  # POST   /api/v1/moderation/threads
    editorial.thread_settings,  # GET    /api/v1/moderation/threads/{id}
    editorial.update_thread_settings,  # PATCH  /api/v1/moderation/threads/{id}
    moderation.bulk,  # POST   /api/v1/moderation/bulk
    moderation.list_bans,  # GET    /api/v1/moderation/bans
    moderation.lift_ban,  # DELETE /api/v1/moderation/bans/{id}
    moderation.audit,  # GET    /api/v1/moderation/audit
    moderation.site_settings,  # GET    /api/v1/moderation/sites/{site}/settings
    moderation.update_site_settings,  # PUT    /api/v1/moderation/sites/{site}/settings
    reader_history.author_history,  # GET    /api/v1/moderation/comments/{id}/author
    reader_history.add_note,  # POST   /api/v1/moderation/comments/{id}/author/notes
    dsa.send_notice,  # POST   /api/v1/dsa/notices
    dsa.list_notices,  # GET    /api/v1/moderation/dsa/notices
    dsa.decide_notice,  # POST   /api/v1/moderation/dsa/notices/{id}/decision
    dsa.export_notices,  # GET    /api/v1/moderation/dsa/export
    dsa_appeals.send_appeal,  # POST   /api/v1/dsa/appeals
    dsa_appeals.list_appeals,  # GET    /api/v1/moderation/dsa/appeals
    dsa_appeals.decide_appeal,  # POST   /api/v1/moderation/dsa/appeals/{id}/decision
    campaigns.get_campaign,  # GET    /api/v1/campaigns/{site}
    campaigns.start_checkout,  # POST   /api/v1/campaigns/{site}/checkout
    campaigns.campaign_events,  # GET    /api/v1/campaigns/{site}/events
    campaigns.payment_webhook,  # POST   /api/v1/payments/webhook/{provider}
    accounts.sign_in_with_sso,  # POST   /api/v1/auth/sso
    accounts.sign_out,  # DELETE /api/v1/auth/session
    accounts.request_email_link,  # POST   /api/v1/auth/email
    accounts.redeem_email_link,  # POST   /api/v1/auth/email/redeem
    accounts.whoami,  # GET    /api/v1/me
    accounts.my_comments,  # GET    /api/v1/me/comments
    accounts.claim_comments,  # POST   /api/v1/me/claim
    accounts.export_my_data,  # GET    /api/v1/me/export
    accounts.forget_me,  # DELETE /api/v1/me
    oidc.site_provider,  # GET    /api/v1/auth/oidc
    oidc.start_login,  # GET    /api/v1/auth/oidc/start
    oidc.callback,  # GET    /api/v1/auth/oidc/callback
    oidc.redeem,  # POST   /api/v1/auth/oidc/redeem
    avatars.upload_avatar,  # POST   /api/v1/me/avatar
    avatars.remove_avatar,  # DELETE /api/v1/me/avatar
    feeds.atom_feed,  # GET    /api/v1/feeds/{site}?page
    feeds.rss_feed,  # GET    /api/v1/feeds/{site}/rss?page
    feeds.latest_comments,  # GET    /api/v1/latest?site&limit
    webhooks.list_webhooks,  # GET    /api/v1/moderation/sites/{site}/webhooks
    webhooks.add_webhook,  # POST   /api/v1/moderation/sites/{site}/webhooks
    webhooks.remove_webhook,  # DELETE /api/v1/moderation/webhooks/{id}
    webhooks.test_webhook,  # POST   /api/v1/moderation/webhooks/{id}/test
    webhooks.list_deliveries,  # GET    /api/v1/moderation/sites/{site}/webhook-deliveries
    webhooks.resend_delivery,  # POST   /api/v1/moderation/webhook-deliveries/{id}/resend
    webhooks.chat_alerts,  # GET    /api/v1/moderation/sites/{site}/chat-alerts
    webhooks.set_chat_alerts,  # PUT    /api/v1/moderation/sites/{site}/chat-alerts
]

ASSET_ROUTES: list[HTTPRouteHandler] = [
    pages.widget_loader,  # GET /widget.js
    pages.widget_module,  # GET /widget/{name}.js
]


def route_table(*, demo: bool, demo_pages_on: bool = False) -> list[HTTPRouteHandler]:
    """The routes of one app; the demo serves its article at ``/`` instead of the start page,
    and ``rostra demo`` alone adds its mailbox and pretend checkout (``demo_pages_on``)."""
    start_page = pages.demo_article if demo else pages.home
    return [
        *(demo_pages.ROUTES if demo_pages_on else []),
        *API_ROUTES,
        *ASSET_ROUTES,
        *admin.ADMIN_ROUTES,
        *admin_campaigns.ROUTES,
        *admin_accounts.ROUTES,  # reader-account settings, deletion on request
        *admin_threads.ROUTES,  # per-article settings and editor's picks
        *admin_context.ROUTES,  # author history and notes, EU DSA notices
        *notice_page.ROUTES,  # EU DSA notices from anyone: /dsa/notice
        *appeal_page.ROUTES,  # EU DSA appeals from authors of removed comments: /dsa/appeal
        *admin_integrations.ROUTES,  # webhooks: endpoints, deliveries
        start_page,
    ]
