"""Dashboard forms for a site's reader-account settings and for deleting a reader's account on
request; admins only. The settings page (``views.settings_page``) shows them."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from rostra.domain.errors import DomainError, PermissionDeniedError
from rostra.domain.staff import NotSignedInError, StaffUser
from rostra.services.registry import Services
from rostra.web.admin.views import (
    ADMINS_ONLY,
    _form,
    _page_context,
    _staff,
    _status,
    redirect,
    render,
    t,
)
from rostra.web.api.accounts import account_service

SSO_CHOICES = ("keep", "off", "HS256", "RS256", "ES256")
OIDC_CHOICES = ("keep", "off", "set")


async def _admin(
    request: Request[Any, Any, Any], services: Services, form: Any
) -> tuple[StaffUser, dict[str, Any]] | Response[Any]:
    """The signed-in admin and the page context, or the answer to give instead."""
    try:
        user, token = await _staff(request, services, form.get("csrf_token"))
    except NotSignedInError:
        return redirect("/admin/sign-in")
    except PermissionDeniedError as exc:
        return render("error", _status(exc), heading=exc.message, user=None)
    context = _page_context(user, token, services, "settings")
    if not user.is_admin:
        return render("error", 403, heading=t(ADMINS_ONLY), **context)
    return user, context


# POST /admin/settings/{site}/accounts
@post("/admin/settings/{site:str}/accounts", include_in_schema=False, status_code=303)
async def save_account_settings(
    request: Request[Any, Any, Any], site: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """Deletion policy, sign-in links by email, single sign-on (a new key replaces the
    stored one; "keep" leaves it) and the OpenID Connect provider (likewise)."""
    form = await _form(request)
    checked = await _admin(request, services, form)
    if isinstance(checked, Response):
        return checked
    user, context = checked
    accounts = account_service(services)
    sso = form.get("sso") or "keep"
    oidc = form.get("oidc") or "keep"
    try:
        if sso not in SSO_CHOICES or oidc not in OIDC_CHOICES:
            return render("error", 400, heading=t("Choose a sign-on setting."), **context)
        await accounts.set_deletion_policy(site, form.get("deletion_policy") or "", user.email)
        await accounts.set_email_sign_in(site, form.get("email_sign_in") == "on", user.email)
        if sso == "off":
            await accounts.disable_sso(site, user.email)
        elif sso != "keep":
            await accounts.configure_sso(site, sso, form.get("sso_key") or "", user.email)
        if services.oidc is not None and oidc == "off":
            await services.oidc.disable(site, user.email)
        elif services.oidc is not None and oidc == "set":
            await services.oidc.configure(
                site,
                form.get("oidc_issuer") or "",
                form.get("oidc_client_id") or "",
                form.get("oidc_client_secret") or "",
                form.get("oidc_name") or "",
                user.email,
            )
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, **context)
    return redirect(f"/admin/settings/{site}", message=t("Reader account settings saved."))


# POST /admin/settings/{site}/forget
@post("/admin/settings/{site:str}/forget", include_in_schema=False, status_code=303)
async def forget_reader(
    request: Request[Any, Any, Any], site: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """Delete the reader account of an address on this site, as the reader asked."""
    form = await _form(request)
    checked = await _admin(request, services, form)
    if isinstance(checked, Response):
        return checked
    user, context = checked
    accounts = account_service(services)
    try:
        found = await accounts.find_accounts(form.get("email") or "", site)
        for reader in found:
            await accounts.forget(reader.id, actor=user.email)
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, **context)
    message = (
        t("The reader's account and personal data are deleted.")
        if found
        else t("No reader account has that address on this site.")
    )
    return redirect(f"/admin/settings/{site}", message=message)


ROUTES: list[HTTPRouteHandler] = [
    save_account_settings,  # POST /admin/settings/{site}/accounts
    forget_reader,  # POST /admin/settings/{site}/forget
]
