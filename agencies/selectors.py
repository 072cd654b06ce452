"""Reads for the agency pages: team, invitations, audit log, API tokens."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone

from .hooks import creator_logins
from .invitations import invitation_digest, invitation_is_pending
from .models import Agency, ApiToken, AuditLog, Invitation, Membership


def members_for_agency(*, agency: Agency) -> QuerySet[Membership]:
    """The team with each member's user, whether they use an authenticator app and, for a
    creator, the roster entry their login is linked to. One query."""
    return (
        Membership.objects.for_agency(agency)
        .select_related("user")
        .annotate(
            has_mfa=Exists(
                Authenticator.objects.filter(
                    user_id=OuterRef("user_id"), type=Authenticator.Type.TOTP
                )
            ),
            creator_name=creator_logins().name_of_member(agency),
        )
        .order_by("user__email")
    )


def member_for_agency(*, agency: Agency, pk: object) -> Membership:
    """One member of the agency (annotated like the team list), or 404."""
    try:
        return members_for_agency(agency=agency).get(pk=pk)
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def open_invitations(*, agency: Agency) -> QuerySet[Invitation]:
    """Invitations neither accepted nor revoked, expired ones included (they can be resent)."""
    return (
        Invitation.objects.for_agency(agency)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by", "creator")
        .annotate(
            is_expired=ExpressionWrapper(
                Q(expires_at__lte=timezone.now()), output_field=BooleanField()
            )
        )
        .order_by("-created_at", "-pk")
    )


def invitable_creators(*, agency: Agency):
    """Roster entries without a login yet: the ones a creator invitation can link."""
    return creator_logins().invitable(agency)


def pending_invitation_for_token(token: str) -> Invitation | None:
    """The invitation behind a link, if it can still be accepted; None otherwise (unknown,
    expired, revoked and used links are indistinguishable to the caller)."""
    if not token or len(token) > 128:
        return None
    invitation = (
        Invitation.objects.select_related("agency", "invited_by")
        .filter(digest=invitation_digest(token))
        .first()
    )
    if invitation is None or not invitation_is_pending(invitation):
        return None
    return invitation


# --- Audit log ------------------------------------------------------------------------------


def audit_entries(
    *,
    agency: Agency,
    action: str = "",
    actor_id: int | None = None,
    object_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    text: str = "",
) -> QuerySet[AuditLog]:
    """The agency's audit log, newest first, filtered. Dates are days in the agency's time
    zone, both ends included."""
    entries = AuditLog.objects.for_agency(agency).select_related("actor")
    if action:
        entries = entries.filter(action=action)
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    if object_type:
        entries = entries.filter(object_type=object_type)
    tz = agency.tzinfo
    if date_from:
        entries = entries.filter(created_at__gte=datetime.combine(date_from, time.min, tz))
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), time.min, tz)
        entries = entries.filter(created_at__lt=end)
    if text:
        entries = entries.filter(
            Q(object_repr__icontains=text) | Q(object_id=text) | Q(actor_label__icontains=text)
        )
    return entries.order_by("-created_at", "-id")


def audit_actions(*, agency: Agency) -> list[str]:
    """The actions that occur in the agency's log (for the filter), one query."""
    return list(
        AuditLog.objects.for_agency(agency)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )


def audit_object_types(*, agency: Agency) -> list[str]:
    return list(
        AuditLog.objects.for_agency(agency)
        .exclude(object_type="")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )


def audit_actors(*, agency: Agency):
    """Everyone who appears as an actor in the log or is a member now, one query."""
    User = get_user_model()
    acted = AuditLog.objects.for_agency(agency).filter(actor_id=OuterRef("pk"))
    return (
        User.objects.filter(Q(memberships__agency=agency) | Exists(acted))
        .distinct()
        .order_by("email")
    )


# --- API tokens ------------------------------------------------------------------------------


def api_tokens_for(*, membership: Membership) -> QuerySet[ApiToken]:
    """A member's own tokens, active first, then revoked."""
    return ApiToken.objects.filter(membership=membership).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at", "-pk"
    )


def api_token_for(*, membership: Membership, pk: object) -> ApiToken:
    """One of the member's own tokens; anyone else's token is a 404 like a missing one."""
    try:
        return api_tokens_for(membership=membership).get(pk=pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
