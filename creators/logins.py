"""A creator's login: the roster entry linked to the user who accepted a creator invitation.

Registered with agencies (agencies/hooks.py), which owns invitations and memberships but sits
below creators and so never imports this module.
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from agencies.audit import audit_record
from agencies.hooks import CreatorLogins
from agencies.roles import Role

from .models import Creator


def creator_login_link(invitation, user) -> None:
    """Link the invitation's roster entry (or the one with its address) to `user`, audited.
    Nothing happens for staff invitations, a user already linked, or an entry linked to
    someone else. Runs inside the acceptance's transaction; locks the entry."""
    if invitation.role != Role.CREATOR:
        return
    roster = Creator.objects.for_agency(invitation.agency)
    if roster.filter(user=user).exists():
        return
    if invitation.creator_id:
        creator = roster.select_for_update().filter(pk=invitation.creator_id).first()
    else:
        # No roster entry picked: link the one with the same address, if there is one.
        creator = (
            roster.select_for_update()
            .filter(email__iexact=invitation.email, user__isnull=True)
            .first()
        )
    if creator is None or creator.user_id not in (None, user.pk):
        return
    creator.user = user
    creator.save(update_fields=["user", "updated_at"])
    audit_record(
        agency=invitation.agency,
        actor=user,
        action="creator.link_login",
        obj=creator,
        before={"user": None},
        after={"user": user.email},
    )


def creator_logins_unlink(membership, actor) -> None:
    """Unlink every roster entry of the member's login, each audited (the member is going)."""
    agency = membership.agency
    for creator in Creator.objects.for_agency(agency).filter(user_id=membership.user_id):
        creator.user = None
        creator.save(update_fields=["user", "updated_at"])
        audit_record(
            agency=agency,
            actor=actor,
            action="creator.unlink_login",
            obj=creator,
            before={"user": membership.user.email},
            after={"user": None},
        )


def creator_name_of_member(agency) -> Subquery:
    """For a Membership queryset: the display name of the roster entry of its login."""
    return Subquery(
        Creator.objects.filter(agency=agency, user_id=OuterRef("user_id")).values("display_name")[
            :1
        ]
    )


def invitable_creators(agency) -> QuerySet[Creator]:
    """Roster entries without a login yet: the ones a creator invitation can link."""
    return Creator.objects.for_agency(agency).filter(user__isnull=True).order_by("display_name")


HOOKS = CreatorLogins(
    link=creator_login_link,
    unlink=creator_logins_unlink,
    name_of_member=creator_name_of_member,
    invitable=invitable_creators,
)
