"""Invitations: an owner invites an e-mail address with a role; the link joins the agency.

The token is random and appears only in the e-mail; the database keeps its SHA-256 digest,
so a leaked database (or admin screen) gives no usable links. An invitation is single use,
expires (7 days by default) and can be revoked; acceptance locks the row, so two clicks on
the same link cannot both create a membership.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .hooks import creator_logins
from .models import Agency, Invitation, Membership
from .roles import Role

INVITATION_TTL = timedelta(days=7)


class InvitationInvalid(Exception):
    """The token is unknown, expired, revoked or already used (callers cannot tell which)."""


@dataclass(frozen=True)
class Acceptance:
    invitation: Invitation
    membership: Membership
    # The user was already a member: the invitation is used up, their role is unchanged.
    already_member: bool


def invitation_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_is_pending(invitation: Invitation) -> bool:
    return (
        invitation.accepted_at is None
        and invitation.revoked_at is None
        and invitation.expires_at > timezone.now()
    )


def account_exists_for(email: str) -> bool:
    """Whether someone can sign in with `email` (any of their addresses, any case)."""
    User = get_user_model()
    return (
        EmailAddress.objects.filter(email__iexact=email).exists()
        or User.objects.filter(email__iexact=email).exists()
    )


def user_has_email(user, email: str) -> bool:
    """Whether `email` is one of `user`'s addresses and no other account has verified it.

    An unverified address of theirs counts (accepting verifies it: the link proves it), unless
    another account already verified it: the address is that account's, and verifying it here
    too would break allauth's one-verified-owner-per-address constraint.
    """
    addresses = EmailAddress.objects.filter(email__iexact=email)
    if addresses.filter(verified=True).exclude(user=user).exists():
        return False
    return user.email.lower() == email.lower() or addresses.filter(user=user).exists()


def _accept_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + reverse("invitations:accept", kwargs={"token": token})


def _send(invitation: Invitation, token: str, *, base_url: str) -> None:
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "agency": invitation.agency,
        "role": invitation.get_role_display(),
        "inviter": (inviter.get_full_name() or inviter.email)
        if inviter
        else _("The team at %(agency)s") % {"agency": invitation.agency.name},
        "accept_url": _accept_url(base_url, token),
        "expires_at": invitation.expires_at,
    }
    # The expiry reads in the agency's time zone, as on its pages.
    with timezone.override(invitation.agency.tzinfo):
        subject = render_to_string("agencies/email/invitation_subject.txt", context)
        body = render_to_string("agencies/email/invitation_message.txt", context)
    try:
        send_mail(
            " ".join(subject.split()),
            body,
            settings.DEFAULT_FROM_EMAIL,
            [invitation.email],
            fail_silently=False,
        )
    except OSError as exc:  # smtplib errors are OSErrors; roll the invitation back with it
        raise ValidationError(
            _("The invitation e-mail could not be sent. Please try again in a moment.")
        ) from exc


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, invitation_digest(token)


@transaction.atomic
def invitation_create(
    *,
    agency: Agency,
    email: str,
    role: str,
    actor,
    base_url: str,
    creator=None,
    ttl: timedelta = INVITATION_TTL,
) -> tuple[Invitation, str]:
    """Invite `email` to `agency` with `role` and e-mail the link.

    Returns the invitation and its plain token (only the digest is stored). Locks the agency
    row so two owners cannot invite the same address twice at once. Raises ValidationError
    for an invalid role, an address that is already a member or already has a pending
    invitation, a roster entry that does not fit, or an e-mail that could not be sent.
    """
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if creator is not None:
        if role != Role.CREATOR:
            raise ValidationError(
                {"creator": _("Only an invitation with the creator role links a roster entry.")}
            )
        if creator.agency_id != agency.pk:
            raise ValidationError({"creator": _("Choose a creator from your roster.")})
        if creator.user_id is not None:
            raise ValidationError({"creator": _("This creator already has a login.")})
    members = Membership.objects.filter(agency=agency)
    if members.filter(
        Q(user__email__iexact=email) | Q(user__emailaddress__email__iexact=email)
    ).exists():
        raise ValidationError({"email": _("This person is already a member of the agency.")})
    pending = Invitation.objects.filter(
        agency=agency,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        raise ValidationError(
            {
                "email": _(
                    "An invitation to this address is already pending. Resend or revoke it "
                    "in the list below."
                )
            }
        )

    token, digest = _new_token()
    invitation = Invitation(
        agency=agency,
        email=email,
        role=role,
        digest=digest,
        invited_by=actor if getattr(actor, "is_authenticated", False) else None,
        creator=creator,
        expires_at=timezone.now() + ttl,
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="invitation.create",
        obj=invitation,
        after={
            "email": email,
            "role": role,
            "creator": creator.pk if creator else None,
            "expires_at": invitation.expires_at,
        },
    )
    _send(invitation, token, base_url=base_url)
    return invitation, token


def _lock(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_for_update().select_related("agency").get(pk=invitation.pk)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    """Revoke a pending invitation; its link stops working at once. Locks the row."""
    invitation = _lock(invitation)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted."))
    if invitation.revoked_at is not None:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        agency=invitation.agency,
        actor=actor,
        action="invitation.revoke",
        obj=invitation,
        after={"email": invitation.email, "role": invitation.role},
    )
    return invitation


@transaction.atomic
def invitation_resend(
    *, invitation: Invitation, actor, base_url: str, ttl: timedelta = INVITATION_TTL
) -> tuple[Invitation, str]:
    """E-mail a fresh link (the old one stops working) and restart the expiry clock."""
    invitation = _lock(invitation)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ValidationError(_("Only a pending invitation can be sent again."))
    before = {"expires_at": invitation.expires_at}
    token, invitation.digest = _new_token()
    invitation.expires_at = timezone.now() + ttl
    invitation.save(update_fields=["digest", "expires_at"])
    audit_record(
        agency=invitation.agency,
        actor=actor,
        action="invitation.resend",
        obj=invitation,
        before=before,
        after={"expires_at": invitation.expires_at},
    )
    _send(invitation, token, base_url=base_url)
    return invitation, token


def _lock_pending(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("agency", "creator")
        .filter(digest=invitation_digest(token))
        .first()
    )
    if invitation is None or not invitation_is_pending(invitation):
        raise InvitationInvalid
    return invitation


def _accept_locked(invitation: Invitation, user) -> Acceptance:
    # The link proved the address: mark it verified on the account.
    EmailAddress.objects.filter(user=user, email__iexact=invitation.email).update(verified=True)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    existing = Membership.objects.filter(agency=invitation.agency, user=user).first()
    audit_record(
        agency=invitation.agency,
        actor=user,
        action="invitation.accept",
        obj=invitation,
        after={"email": invitation.email, "already_member": existing is not None},
    )
    if existing is not None:
        return Acceptance(invitation=invitation, membership=existing, already_member=True)
    membership = Membership(agency=invitation.agency, user=user, role=invitation.role)
    membership.full_clean()
    membership.save()
    audit_record(
        agency=invitation.agency,
        actor=user,
        action="membership.add",
        obj=membership,
        after={"user": user.email, "role": membership.role},
    )
    creator_logins().link(invitation, user)
    return Acceptance(invitation=invitation, membership=membership, already_member=False)


@transaction.atomic
def invitation_accept(*, token: str, user) -> Acceptance:
    """Accept an invitation as the signed-in `user`, whose address must match it.

    Locks the invitation (single use). Creates the membership with the invited role and, for
    a creator, links the roster entry to the login. A user who is already a member keeps
    their role; the invitation is used up either way. Raises InvitationInvalid for an
    unknown, expired, revoked or used token, ValidationError for another user's invitation.
    """
    invitation = _lock_pending(token)
    if not user_has_email(user, invitation.email):
        raise ValidationError(_("This invitation was sent to another e-mail address."))
    return _accept_locked(invitation, user)


@transaction.atomic
def invitation_accept_new_user(*, token: str, name: str, password: str) -> Acceptance:
    """Create the invited person's account (address verified by the link) and accept.

    Raises InvitationInvalid like `invitation_accept`, and ValidationError when the address
    already has an account or the password is too weak (nothing is written then).
    """
    invitation = _lock_pending(token)
    if account_exists_for(invitation.email):
        raise ValidationError(
            _("An account with this e-mail address already exists. Sign in to accept.")
        )
    User = get_user_model()
    first_name, _sep, last_name = " ".join(name.split()).partition(" ")
    user = User(email=invitation.email, first_name=first_name[:150], last_name=last_name[:150])
    get_adapter().populate_username(None, user)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc
    user.set_password(password)
    user.full_clean()
    user.save()
    EmailAddress.objects.create(user=user, email=invitation.email, verified=True, primary=True)
    return _accept_locked(invitation, user)
