"""Platform connection pages: the accounts of a creator (staff) and one's own (portal), linking
through TikTok's OAuth flow, and disconnecting.

The OAuth redirect URI is one fixed address registered with TikTok (`oauth_callback`); it
knows no agency, so it looks the attempt up in the browser's session (which agency this
state was started in) and hands over to `oauth_complete` under that agency's URL, where
`agency_view` checks the membership and role like on every other page.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.roles import CREATOR_ROLES
from agencies.tenancy import agency_view, get_for_agency
from core.middleware import CSP
from creators.models import Creator

from . import selectors, services
from .grants import needed_scopes
from .models import OAuthState
from .permissions import ACCOUNTS_LINK, ACCOUNTS_VIEW, CALLBACK, PORTAL_ACCOUNTS

SESSION_KEY = "platforms_oauth"  # state digest -> agency slug, for the callback
MAX_PENDING = 5


def _remember_attempt(request: HttpRequest, state: str) -> None:
    pending = dict(request.session.get(SESSION_KEY) or {})
    pending[OAuthState.digest(state)] = request.agency.slug
    # A person rarely has more than one link in flight; keep the newest few.
    request.session[SESSION_KEY] = dict(list(pending.items())[-MAX_PENDING:])


def _forget_attempt(request: HttpRequest, state: str) -> None:
    pending = dict(request.session.get(SESSION_KEY) or {})
    if pending.pop(OAuthState.digest(state), None) is not None:
        request.session[SESSION_KEY] = pending


def _creator(request: HttpRequest, pk: int) -> Creator:
    return get_for_agency(Creator, request.agency, pk=pk)


def _own_creator(request: HttpRequest) -> Creator:
    creator = Creator.objects.filter(agency=request.agency, user=request.user).first()
    if creator is None:
        raise Http404
    return creator


def _staff_page(request: HttpRequest, creator: Creator) -> str:
    return reverse(
        "platforms:creator-accounts", kwargs={"agency_slug": request.agency.slug, "pk": creator.pk}
    )


def _portal_page(request: HttpRequest) -> str:
    return reverse("platforms:portal-accounts", kwargs={"agency_slug": request.agency.slug})


def _allowing_tiktok_forms(response: HttpResponse) -> HttpResponse:
    """The "Link" form posts here and is redirected to TikTok's authorize page; browsers hold
    a form's redirects to the page's CSP form-action, so this page also allows TikTok's."""
    auth = urlsplit(settings.TIKTOK_AUTH_URL)
    if auth.scheme in ("http", "https") and auth.netloc:
        response["Content-Security-Policy"] = CSP.replace(
            "form-action 'self'", f"form-action 'self' {auth.scheme}://{auth.netloc}"
        )
    return response


def _accounts_context(request: HttpRequest, creator: Creator, *, can_link: bool) -> dict:
    views = selectors.accounts_of_creator(agency=request.agency, creator=creator)
    return {
        "creator": creator,
        "accounts": views,
        "attention": [v for v in views if v.needs_attention],
        "needed_scopes": needed_scopes(),
        "can_link": can_link,
        "has_live": any(v.account.is_linked for v in views),
    }


# --- staff -----------------------------------------------------------------------------------


@agency_view(allow=ACCOUNTS_VIEW)
@require_GET
def agency_accounts(request: HttpRequest) -> HttpResponse:
    accounts = [
        selectors.account_view(a) for a in selectors.accounts_of_agency(agency=request.agency)
    ]
    return render(request, "platforms/agency_accounts.html", {"accounts": accounts})


@agency_view(allow=ACCOUNTS_VIEW)
@require_GET
def creator_accounts(request: HttpRequest, pk: int) -> HttpResponse:
    creator = _creator(request, pk)
    context = _accounts_context(request, creator, can_link=request.membership.role in ACCOUNTS_LINK)
    return _allowing_tiktok_forms(render(request, "platforms/creator_accounts.html", context))


@agency_view(allow=ACCOUNTS_LINK)
@require_POST
def creator_link_start(request: HttpRequest, pk: int) -> HttpResponse:
    creator = _creator(request, pk)
    return _start(request, creator, return_to="staff", back=_staff_page(request, creator))


@agency_view(allow=ACCOUNTS_LINK)
@require_POST
def account_disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_for(agency=request.agency, pk=pk)
    _disconnect(request, account)
    return redirect(_staff_page(request, account.creator))


# --- creator portal --------------------------------------------------------------------------


@agency_view(allow=PORTAL_ACCOUNTS)
@require_GET
def portal_accounts(request: HttpRequest) -> HttpResponse:
    context = _accounts_context(request, _own_creator(request), can_link=True)
    context["portal"] = True
    return _allowing_tiktok_forms(render(request, "platforms/creator_accounts.html", context))


@agency_view(allow=PORTAL_ACCOUNTS)
@require_POST
def portal_link_start(request: HttpRequest) -> HttpResponse:
    return _start(request, _own_creator(request), return_to="portal", back=_portal_page(request))


@agency_view(allow=PORTAL_ACCOUNTS)
@require_POST
def portal_disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_for(agency=request.agency, pk=pk, creator=_own_creator(request))
    _disconnect(request, account)
    return redirect(_portal_page(request))


# --- the flow --------------------------------------------------------------------------------


def _start(request: HttpRequest, creator: Creator, *, return_to: str, back: str) -> HttpResponse:
    try:
        start = services.oauth_start(
            agency=request.agency, creator=creator, user=request.user, return_to=return_to
        )
    except services.LinkError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    _remember_attempt(request, start.state)
    return redirect(start.url)


def _disconnect(request: HttpRequest, account) -> None:
    revoked = services.account_disconnect(agency=request.agency, account=account, user=request.user)
    if revoked:
        messages.success(
            request,
            _("@%(handle)s is disconnected: Talentdesk no longer has access to it.")
            % {"handle": account.handle},
        )
    else:
        messages.warning(
            request,
            _(
                "@%(handle)s is disconnected and its tokens are deleted, but TikTok could not "
                "confirm the revocation. Remove Talentdesk under Settings > Security > Manage "
                "app permissions in the TikTok app."
            )
            % {"handle": account.handle},
        )


@login_required
@require_GET
def oauth_callback(request: HttpRequest) -> HttpResponse:
    """TikTok's redirect: find the agency this attempt was started in, then continue there."""
    state = request.GET.get("state", "")
    slug = (request.session.get(SESSION_KEY) or {}).get(OAuthState.digest(state)) if state else None
    if not slug:
        return render(request, "platforms/callback_error.html", status=400)
    query = urlencode(
        {
            k: request.GET.get(k, "")[:2000]
            for k in ("code", "state", "error", "error_description", "scopes")
        }
    )
    complete = reverse("platforms:oauth-complete", kwargs={"agency_slug": slug})
    return redirect(f"{complete}?{query}")


@agency_view(allow=CALLBACK)
@require_GET
def oauth_complete(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    portal = request.membership.role in CREATOR_ROLES
    try:
        account = services.oauth_complete(
            agency=request.agency,
            user=request.user,
            state=state,
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
            error_description=request.GET.get("error_description", ""),
        )
    except services.LinkError as exc:
        _forget_attempt(request, state)
        messages.error(request, str(exc))
        if portal:
            return redirect(_portal_page(request))
        return redirect(reverse("platforms:accounts", kwargs={"agency_slug": request.agency.slug}))
    _forget_attempt(request, state)
    messages.success(
        request,
        _("@%(handle)s is linked. Videos, metrics and comments are pulled from now on.")
        % {"handle": account.handle or account.external_id},
    )
    return redirect(_portal_page(request) if portal else _staff_page(request, account.creator))
