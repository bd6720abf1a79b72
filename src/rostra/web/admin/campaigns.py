"""The dashboard's reader-support pages: campaigns per site, their ledger, and the
form admins use to record donations that reached the newsroom outside Stripe."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from rostra.domain.campaigns import Campaign, draft_from_text, format_money
from rostra.domain.errors import DomainError, PermissionDeniedError
from rostra.domain.staff import NotSignedInError
from rostra.services.registry import Services
from rostra.web.admin.views import _page_context, _status, redirect, render, t
from rostra.web.api.campaigns import campaign_service
from rostra.web.api.staff_auth import current_staff


def _local(moment: datetime | None) -> str:
    """A time for ``<input type="datetime-local">`` (UTC, as the form says)."""
    return moment.strftime("%Y-%m-%dT%H:%M") if moment else ""


def _form_values(campaign: Campaign | None) -> dict[str, str]:
    if campaign is None:
        return {"currency": "USD", "preset_amounts": "10, 25, 50"}
    money = campaign.currency
    return {
        "title": campaign.title,
        "goal": format_money(campaign.goal, money),
        "currency": money.code,
        "milestones": ", ".join(format_money(m, money) for m in campaign.milestones),
        "preset_amounts": ", ".join(format_money(p, money) for p in campaign.preset_amounts),
        "starts_at": _local(campaign.starts_at),
        "ends_at": _local(campaign.ends_at),
        "thank_you": campaign.thank_you,
    }


def _utc(text: str | None) -> str | None:
    """The form's ``datetime-local`` value, read as UTC."""
    text = (text or "").strip()
    return f"{text}Z" if text and len(text) <= 19 and "+" not in text else text or None


def _draft(form: Any, currency_code: str | None = None) -> Any:
    return draft_from_text(
        goal=form.get("goal") or "",
        currency_code=currency_code or form.get("currency") or "",
        milestones=(form.get("milestones") or "").replace(",", " ").split(),
        preset_amounts=(form.get("preset_amounts") or "").replace(",", " ").split(),
        title=form.get("title") or "",
        starts_at=_utc(form.get("starts_at")),
        ends_at=_utc(form.get("ends_at")),
        thank_you=form.get("thank_you") or "",
    )


# GET /admin/campaigns
@get("/admin/campaigns", include_in_schema=False)
async def campaigns_page(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """Every site's campaigns with what each raised, and a form to start one (admins)."""
    try:
        user, token = await current_staff(request, services)
    except NotSignedInError:
        return redirect("/admin/sign-in")
    context = _page_context(user, token, services, "campaigns")
    campaigns = campaign_service(services)
    rows = []
    sites = await services.sites.list_sites()
    for site in sites:
        for campaign, totals in await campaigns.list_campaigns(user, site.name):
            money = campaign.currency
            rows.append(
                {
                    "campaign": campaign,
                    "raised": format_money(totals.raised, money),
                    "goal": format_money(campaign.goal, money),
                    "donors": totals.donor_count,
                }
            )
    return render(
        "campaigns",
        rows=rows,
        sites=sites,
        values=_form_values(None),
        message=request.query_params.get("message"),
        **context,
    )


# POST /admin/campaigns
@post("/admin/campaigns", include_in_schema=False, status_code=303)
async def create_campaign(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """Start a campaign from the form (admins only)."""
    form = await request.form()
    try:
        user, token = await current_staff(request, services, csrf=form.get("csrf_token"))
    except NotSignedInError:
        return redirect("/admin/sign-in")
    except PermissionDeniedError as exc:
        return render("error", _status(exc), heading=exc.message, user=None)
    try:
        campaign = await campaign_service(services).create_campaign(
            user, form.get("site") or "", _draft(form)
        )
    except DomainError as exc:
        context = _page_context(user, token, services, "campaigns")
        return render("error", _status(exc), heading=_explain(exc), **context)
    return redirect(f"/admin/campaigns/{campaign.id}", message=t("The campaign is started."))


# GET /admin/campaigns/{campaign_id}
@get("/admin/campaigns/{campaign_id:str}", include_in_schema=False)
async def campaign_page(
    request: Request[Any, Any, Any], campaign_id: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """One campaign: its settings, the manual-donation form and the ledger."""
    try:
        user, token = await current_staff(request, services)
    except NotSignedInError:
        return redirect("/admin/sign-in")
    context = _page_context(user, token, services, "campaigns")
    campaigns = campaign_service(services)
    try:
        campaign = await campaigns.get_campaign(user, campaign_id)
        donations = await campaigns.ledger(user, campaign_id, 200)
        totals = dict(await campaigns.list_campaigns(user, campaign.site))
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, **context)
    money = campaign.currency
    raised = next((t.raised for c, t in totals.items() if c.id == campaign.id), 0)
    return render(
        "campaign",
        campaign=campaign,
        values=_form_values(campaign),
        raised=format_money(raised, money),
        goal=format_money(campaign.goal, money),
        donations=[
            {
                "d": d,
                "amount": format_money(d.amount, money),
                "refunded": format_money(d.refunded, money) if d.refunded else "",
            }
            for d in donations
        ],
        message=request.query_params.get("message"),
        **context,
    )


# POST /admin/campaigns/{campaign_id}
@post("/admin/campaigns/{campaign_id:str}", include_in_schema=False, status_code=303)
async def update_campaign(
    request: Request[Any, Any, Any], campaign_id: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """Save a campaign's settings (admins only; the currency stays)."""
    form = await request.form()
    try:
        user, token = await current_staff(request, services, csrf=form.get("csrf_token"))
    except NotSignedInError:
        return redirect("/admin/sign-in")
    except PermissionDeniedError as exc:
        return render("error", _status(exc), heading=exc.message, user=None)
    campaigns = campaign_service(services)
    try:
        current = await campaigns.get_campaign(user, campaign_id)
        await campaigns.update_campaign(user, campaign_id, _draft(form, current.currency.code))
    except DomainError as exc:
        context = _page_context(user, token, services, "campaigns")
        return render("error", _status(exc), heading=_explain(exc), **context)
    return redirect(f"/admin/campaigns/{campaign_id}", message=t("Saved."))


# POST /admin/campaigns/{campaign_id}/donations
@post("/admin/campaigns/{campaign_id:str}/donations", include_in_schema=False, status_code=303)
async def add_donation(
    request: Request[Any, Any, Any], campaign_id: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """Record a bank transfer or cheque, with the signed-in admin as who entered it."""
    form = await request.form()
    try:
        user, token = await current_staff(request, services, csrf=form.get("csrf_token"))
    except NotSignedInError:
        return redirect("/admin/sign-in")
    except PermissionDeniedError as exc:
        return render("error", _status(exc), heading=exc.message, user=None)
    try:
        await campaign_service(services).record_manual_donation(
            user,
            campaign_id,
            form.get("amount") or "",
            donor_name=form.get("donor_name") or None,
            note=form.get("note") or "",
        )
    except DomainError as exc:
        context = _page_context(user, token, services, "campaigns")
        return render("error", _status(exc), heading=_explain(exc), **context)
    return redirect(f"/admin/campaigns/{campaign_id}", message=t("The donation is recorded."))


# The form's own words for the fields an error names (never the field's internal name).
FIELD_LABELS = {
    "title": "Title",
    "goal": "Goal",
    "milestones": "Milestones",
    "preset_amounts": "Preset amounts",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "thank_you": "Thank-you message",
    "amount": "Amount",
    "donor_name": "Donor name",
    "note": "Note for staff",
    "currency": "Currency",
    "site": "Site",
}


def _explain(exc: DomainError) -> str:
    """The error as the editor reads it: the form's label of the field, then the message."""
    label = FIELD_LABELS.get(exc.field or "")
    return f"{t(label)}: {t(exc.message)}" if label else str(t(exc.message))


ROUTES: list[HTTPRouteHandler] = [
    campaigns_page,  # GET  /admin/campaigns
    create_campaign,  # POST /admin/campaigns
    campaign_page,  # GET  /admin/campaigns/{id}
    update_campaign,  # POST /admin/campaigns/{id}
    add_donation,  # POST /admin/campaigns/{id}/donations
]
