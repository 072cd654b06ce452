"""How a request finds its agency: from the URL, through the user's membership, once.

Every agency page is decorated with `agency_view(allow=..., write=...)`; it resolves the
agency slug from the URL, answers 404 unless the user is a member (another agency looks exactly
like a missing one), enforces the agency's MFA rule, checks the role against `allow` (403) and,
for a POST, against `write` (403), then activates the agency's time zone for the rest of the
request. Views do neither by hand: `request.can_write` tells a page whether to offer its forms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TypeVar

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from core.db_scope import request_agency
from core.model_rows import Columns, column, per_connection, table

from . import system_scope
from .models import Agency, Membership

M = TypeVar("M", bound=Model)

SESSION_LAST_AGENCY = "talentdesk_last_agency"


def membership_for(user, agency_slug: str) -> Membership:
    """The user's membership in the agency, or 404 (also for an agency that exists)."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Membership.objects.select_related("agency").get(user=user, agency__slug=agency_slug)
    except Membership.DoesNotExist:
        raise Http404 from None


def memberships_of(user) -> list[Membership]:
    """All of the user's memberships with their agencies, by agency name: the agency
    switcher's list, and on pages also where `agency_view` finds the URL's agency. Read on
    every page, by SQL written once per connection (core/model_rows.py)."""
    db, (sql, membership, agency) = _memberships_read()
    with db.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = iter(row)
        member = membership.load(db, values)
        member.agency = agency.load(db, values)
        found.append(member)
    return found


def _memberships_sql(db) -> tuple[str, Columns, Columns]:
    membership, agency = Columns(db, Membership, "m"), Columns(db, Agency, "a")
    sql = (
        f"SELECT {membership.sql}, {agency.sql} FROM {table(db, Membership)} m "  # noqa: S608 - names from models
        f"JOIN {table(db, Agency)} a "
        f"ON a.{column(db, Agency)} = m.{column(db, Membership, 'agency')} "
        f"WHERE m.{column(db, Membership, 'user')} = %s ORDER BY a.{column(db, Agency, 'name')}"
    )
    return sql, membership, agency


_memberships_read = per_connection(_memberships_sql)


def get_for_agency(queryset: QuerySet[M] | type[M], agency: Agency, **lookup) -> M:
    """Fetch one tenant-owned object; another agency's object is a 404 like a missing one."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        return queryset.filter(agency=agency).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def user_has_mfa(user) -> bool:

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


# Methods that only read; any other needs a role in `write`.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def agency_view(*, allow: Iterable[str], write: Iterable[str] | None = None) -> Callable:
    """`allow`: the roles that may open the page; `write`: those of them that may also POST
    to it (all of `allow` when not given)."""
    allowed = frozenset(allow)
    writers = allowed if write is None else allowed & frozenset(write)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, agency_slug: str, *args, **kwargs) -> HttpResponse:
            # One query for the page's membership and the layout's agency switcher
            # (agencies.context_processors), which lists them all anyway.
            memberships = memberships_of(request.user)
            membership = next((m for m in memberships if m.agency.slug == agency_slug), None)
            if membership is None:
                raise Http404
            request.user_memberships = memberships
            request.agency = membership.agency
            request.membership = membership
            if membership.agency.require_mfa and not user_has_mfa(request.user):
                messages.warning(
                    request,
                    _(
                        "%(agency)s requires two-factor authentication. Set up an authenticator "
                        "app to continue."
                    )
                    % {"agency": membership.agency.name},
                )
                return redirect("mfa_activate_totp")
            if membership.role not in allowed:
                raise PermissionDenied(_("Your role does not give access to this page."))
            request.can_write = membership.role in writers
            if request.method not in READ_METHODS and not request.can_write:
                raise PermissionDenied(_("Your role can see this page but not change it."))
            if request.session.get(SESSION_LAST_AGENCY) != membership.agency.slug:
                request.session[SESSION_LAST_AGENCY] = membership.agency.slug
            # The rest of the request sees this agency's rows (rendering and streaming too);
            # `request_finished` clears it.
            request_agency(membership.agency_id, request.user.pk)
            # Dates and times on the page are the agency's (core.formatting); cleared with
            # the scope at `request_finished`.
            timezone.activate(membership.agency.tzinfo)
            return view(request, *args, **kwargs)

        wrapper.agency_roles = allowed  # type: ignore[attr-defined]
        return wrapper

    return decorator


def request_timezone_end(**kwargs) -> None:
    """`request_finished` receiver: the next request on this thread starts in UTC again."""
    timezone.deactivate()


def enter_agency_of(lookup: str, key) -> bool:
    """For the entry points that know a secret rather than an agency (an invitation link, a
    sponsor's share link): find its agency through the system scope (agencies/system_scope.py)
    and scope the rest of the request to it. False when the secret surely names nothing."""

    return system_scope.enter_agency_of(lookup, key)
