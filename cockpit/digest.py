"""The weekly digest: each member's cockpit by e-mail, in their language and the agency's
time zone, plain text and HTML, once a week.

The beat task runs every hour and calls `digests_send` for each agency; an agency's digests
go out from Monday 07:00 in its own time zone, and `DigestSubscription.last_sent_week`
keeps a rerun (or the next hour's run) from mailing anyone twice that week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import Agency, Membership
from agencies.roles import Role
from creators.models import Creator

from . import selectors
from .models import DigestSubscription
from .presenters import figure_rows

SEND_FROM = time(7, 0)  # Monday, agency time


@dataclass
class DigestRun:
    """What one run did: who got a digest, who opted out, who had one this week already."""

    week: date
    sent: list[str] = field(default_factory=list)
    opted_out: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)


def week_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def is_digest_time(agency: Agency, now: datetime) -> bool:
    """From Monday 07:00 in the agency's time zone (a later hour of the week catches up)."""
    local = timezone.localtime(now, agency.tzinfo)
    return local.weekday() > 0 or local.time() >= SEND_FROM


def subscription_for(membership: Membership) -> DigestSubscription:
    """The member's digest settings, or the defaults (unsaved) when they never changed them."""
    existing = DigestSubscription.objects.filter(membership=membership).first()
    return existing or DigestSubscription(agency_id=membership.agency_id, membership=membership)


def digest_render(agency: Agency, membership: Membership, *, now: datetime) -> tuple[str, str, str]:
    """Subject, plain text and HTML of `membership`'s digest. The caller activates the
    member's language and the agency's time zone."""
    home = settings.SITE_URL + reverse("agencies:dashboard", args=[agency.slug])
    preferences = settings.SITE_URL + reverse("cockpit:digest", args=[agency.slug])
    context = {
        "agency": agency,
        "home_url": home,
        "digest_url": preferences,
        "site_url": settings.SITE_URL,
        "now": now,
    }
    if membership.role == Role.CREATOR:
        creator = Creator.objects.filter(agency=agency, user=membership.user).first()
        if creator is None:
            return "", "", ""
        context["overview"] = selectors.creator_overview(
            agency, creator=creator, today=timezone.localdate(now)
        )
        context["creator"] = creator
    else:
        cockpit = selectors.cockpit_for(agency, user=membership.user, role=membership.role, now=now)
        context["cockpit"] = cockpit
        context["figures"] = figure_rows(cockpit.figures)
    subject = _("%(agency)s: your week in Talentdesk") % {"agency": agency.name}
    text = render_to_string("cockpit/digest.txt", context)
    html = render_to_string("cockpit/digest.html", context)
    return subject, text, html


def digests_send(
    *, agency: Agency, now: datetime | None = None, dry_run: bool = False
) -> DigestRun:
    """Mail this week's digest to each member of `agency` who wants it and has not had it
    this week. Each member's row is locked while their mail goes out, so two runs at once
    mail nobody twice. With `dry_run`, reports who would get one and sends nothing."""
    now = now or timezone.now()
    week = week_of(timezone.localtime(now, agency.tzinfo).date())
    run = DigestRun(week=week)
    memberships = Membership.objects.filter(agency=agency).select_related("user").order_by("pk")
    for membership in memberships:
        email = membership.user.email
        subscription = subscription_for(membership)
        if not subscription.weekly_digest:
            run.opted_out.append(email)
            continue
        if subscription.last_sent_week == week:
            run.already_sent.append(email)
            continue
        if dry_run:
            run.sent.append(email)
            continue
        with transaction.atomic():
            # Locked while the mail goes out: a second run at the same time waits, then
            # finds this week sent.
            subscription, _created = DigestSubscription.objects.select_for_update().get_or_create(
                membership=membership, defaults={"agency": agency}
            )
            if subscription.last_sent_week == week:
                run.already_sent.append(email)
                continue
            with translation.override(subscription.language), timezone.override(agency.tzinfo):
                subject, text, html = digest_render(agency, membership, now=now)
            if not subject:
                continue
            message = EmailMultiAlternatives(subject, text, to=[email])
            message.attach_alternative(html, "text/html")
            message.send()
            subscription.last_sent_week = week
            subscription.save()
        run.sent.append(email)
    return run


def digest_preferences_save(
    *, membership: Membership, weekly_digest: bool, language: str
) -> DigestSubscription:
    """The member's own digest settings (their choice, not the agency's: not audited)."""
    subscription = subscription_for(membership)
    subscription.weekly_digest = weekly_digest
    subscription.language = language
    subscription.full_clean(exclude=["agency", "membership"])
    subscription.save()
    return subscription
