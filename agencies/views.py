from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from core.downloads import private_file_response

from . import invitations, selectors, services, tokens
from .audit_display import entry_display
from .forms import (
    AcceptInvitationForm,
    AgencySettingsForm,
    ApiTokenForm,
    AuditFilterForm,
    InvitationForm,
    MemberRoleForm,
)
from .logos import logo_content_type, logo_file_name, logo_url
from .models import Agency, Invitation, Membership
from .permissions import AGENCY_ADMIN, API_TOKENS, AUDIT_VIEW, MEMBERS_MANAGE
from .roles import ALL_ROLES, Role
from .tenancy import SESSION_LAST_AGENCY, agency_view, enter_agency_of, get_for_agency


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send the user to their last agency, their only agency, or the agency chooser."""
    memberships = list(
        Membership.objects.filter(user=request.user)
        .select_related("agency")
        .order_by("agency__name")
    )
    last = request.session.get(SESSION_LAST_AGENCY)
    for membership in memberships:
        if membership.agency.slug == last or len(memberships) == 1:
            return redirect("agencies:dashboard", agency_slug=membership.agency.slug)
    return render(request, "agencies/choose.html", {"memberships": memberships})


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


# --- Settings --------------------------------------------------------------------------------


@agency_view(allow=AGENCY_ADMIN)
@require_http_methods(["GET", "POST"])
def agency_settings(request: HttpRequest) -> HttpResponse:
    # A fresh copy: the form writes its input onto the instance while validating, and the
    # page header must keep showing the saved agency if the input is rejected.
    agency = Agency.objects.get(pk=request.agency.pk)
    form = AgencySettingsForm(request.POST or None, request.FILES or None, instance=agency)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_update(
                agency=request.agency, actor=request.user, changes=form.changes()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("agencies:settings", agency_slug=request.agency.slug)
    return render(
        request, "agencies/settings.html", {"form": form, "logo_url": logo_url(request.agency)}
    )


@agency_view(allow=ALL_ROLES)
@require_GET
def agency_logo(request: HttpRequest, name: str) -> HttpResponse:
    """The agency's current logo, read through the storage API (the filesystem or a bucket)
    and streamed to the member; another agency's logo or an old one's name is a 404."""
    if not name or name != logo_file_name(request.agency):
        raise Http404
    try:
        stored = request.agency.logo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = logo_content_type(stored.read(16))
    stored.seek(0)
    return private_file_response(
        stored, filename=name, content_type=content_type, as_attachment=False
    )


# --- Team and invitations ----------------------------------------------------------------------


def _members_page(request: HttpRequest, invite_form: InvitationForm | None = None, status=200):
    agency = request.agency
    context = {
        "members": selectors.members_for_agency(agency=agency),
        "invitations": selectors.open_invitations(agency=agency),
        "invite_form": invite_form or InvitationForm(agency=agency),
        "role_choices": Role.choices,
    }
    return render(request, "agencies/members.html", context, status=status)


@agency_view(allow=MEMBERS_MANAGE)
@require_GET
def members(request: HttpRequest) -> HttpResponse:
    return _members_page(request)


@agency_view(allow=MEMBERS_MANAGE)
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST, agency=request.agency)
    if form.is_valid():
        try:
            invitation, _token = invitations.invitation_create(
                agency=request.agency,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                creator=form.cleaned_data["creator"],
                actor=request.user,
                base_url=_base_url(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("agencies:members", agency_slug=request.agency.slug)
    return _members_page(request, invite_form=form)


def _member_row(request: HttpRequest, member: Membership, **extra) -> HttpResponse:
    context = {"m": member, "role_choices": Role.choices, **extra}
    return render(request, "agencies/_member_row.html", context)


@agency_view(allow=MEMBERS_MANAGE)
@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_for_agency(Membership, request.agency, pk=pk)
    form = MemberRoleForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose a valid role.")
    else:
        try:
            services.membership_set_role(
                membership=member, role=form.cleaned_data["role"], actor=request.user
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if request.htmx:
        member = selectors.member_for_agency(agency=request.agency, pk=pk)
        return _member_row(request, member, row_error=error, row_saved=not error)
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("%(member)s is now %(role)s.")
            % {"member": member.user.email, "role": Role(form.cleaned_data["role"]).label},
        )
    return redirect("agencies:members", agency_slug=request.agency.slug)


@agency_view(allow=MEMBERS_MANAGE)
@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_for_agency(Membership.objects.select_related("user"), request.agency, pk=pk)
    try:
        services.membership_remove(membership=member, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("agencies:members", agency_slug=request.agency.slug)
    messages.success(
        request,
        _("%(member)s no longer has access to %(agency)s.")
        % {"member": member.user.email, "agency": request.agency.name},
    )
    if member.user_id == request.user.pk:
        return redirect("home")
    return redirect("agencies:members", agency_slug=request.agency.slug)


@agency_view(allow=MEMBERS_MANAGE)
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_for_agency(Invitation, request.agency, pk=pk)
    try:
        invitations.invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if request.htmx:
            return HttpResponseClientRefresh()  # reload the page to show why
    else:
        if request.htmx:
            return HttpResponse("")  # the row disappears
        messages.success(
            request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email}
        )
    return redirect("agencies:members", agency_slug=request.agency.slug)


@agency_view(allow=MEMBERS_MANAGE)
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_for_agency(Invitation, request.agency, pk=pk)
    try:
        invitations.invitation_resend(
            invitation=invitation, actor=request.user, base_url=_base_url(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("A new invitation link was sent to %(email)s.") % {"email": invitation.email},
        )
    return redirect("agencies:members", agency_slug=request.agency.slug)


# --- Audit log -------------------------------------------------------------------------------


@agency_view(allow=AUDIT_VIEW)
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET, agency=request.agency)
    form.is_valid()  # invalid filters are dropped and shown with their error
    entries = selectors.audit_entries(agency=request.agency, **form.filters())
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    rows = [entry_display(entry) for entry in page]
    return render(request, "agencies/audit.html", {"form": form, "page_obj": page, "rows": rows})


# --- Personal API tokens ---------------------------------------------------------------------


@agency_view(allow=API_TOKENS)
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _row, new_token = tokens.api_token_create(
            membership=request.membership,
            name=form.cleaned_data["name"],
            lifetime_days=form.cleaned_data["lifetime_days"],
            actor=request.user,
        )
        form = ApiTokenForm()
    context = {
        "form": form,
        "new_token": new_token,
        "tokens": selectors.api_tokens_for(membership=request.membership),
    }
    response = render(request, "agencies/tokens.html", context)
    if new_token:
        add_never_cache_headers(response)  # the plain token must not linger in a cache
    return response


@agency_view(allow=API_TOKENS)
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.api_token_for(membership=request.membership, pk=pk)
    tokens.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("agencies:tokens", agency_slug=request.agency.slug)


# --- Public invitation link ------------------------------------------------------------------


def _invitation_invalid(request: HttpRequest) -> HttpResponse:
    # One page for unknown, expired, revoked and used links: the token holder learns no more.
    return render(request, "agencies/invitations/invalid.html", status=404)


def _joined(request: HttpRequest, acceptance: invitations.Acceptance) -> None:
    membership = acceptance.membership
    if acceptance.already_member:
        messages.info(
            request,
            _("You are already a member of %(agency)s; your role (%(role)s) is unchanged.")
            % {"agency": membership.agency.name, "role": membership.get_role_display()},
        )
    else:
        messages.success(
            request,
            _("Welcome to %(agency)s. You joined as %(role)s.")
            % {"agency": membership.agency.name, "role": membership.get_role_display()},
        )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = None
    if (
        token
        and len(token) <= 128
        and enter_agency_of("invitation", invitations.invitation_digest(token))
    ):
        invitation = selectors.pending_invitation_for_token(token)
    if invitation is None:
        return _invitation_invalid(request)
    context = {"invitation": invitation, "agency": invitation.agency}
    dashboard = reverse("agencies:dashboard", kwargs={"agency_slug": invitation.agency.slug})
    user = request.user

    if user.is_authenticated:
        if not invitations.user_has_email(user, invitation.email):
            return render(request, "agencies/invitations/wrong_account.html", context)
        if request.method == "POST":
            try:
                acceptance = invitations.invitation_accept(token=token, user=user)
            except invitations.InvitationInvalid:
                return _invitation_invalid(request)
            _joined(request, acceptance)
            return redirect(dashboard)
        return render(request, "agencies/invitations/join.html", context)

    if invitations.account_exists_for(invitation.email):
        context["login_url"] = f"{reverse('account_login')}?{urlencode({'next': request.path})}"
        return render(request, "agencies/invitations/sign_in.html", context)

    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            acceptance = invitations.invitation_accept_new_user(
                token=token,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
            )
        except invitations.InvitationInvalid:
            return _invitation_invalid(request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _joined(request, acceptance)
            # Through allauth, so its login stages and signals run as for the login form.
            return perform_login(
                request,
                acceptance.membership.user,
                email=invitation.email,
                redirect_url=dashboard,
            )
    context["form"] = form
    return render(request, "agencies/invitations/create_account.html", context)
