"""Campaigns, their disclosure checklists and experiments."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.audit import audit_record, snapshot
from agencies.models import Agency, Membership
from agencies.roles import Role

from ..checklist import parse_tags
from ..models import Campaign, Checklist, Experiment
from ._common import apply_fields

CAMPAIGN_FIELDS = [
    "sponsor",
    "contract",
    "name",
    "code",
    "brief",
    "start_date",
    "end_date",
    "budget",
    "currency",
    "attribution_window_days",
]
CHECKLIST_FIELDS = [
    "disclosure_text",
    "required_hashtags",
    "required_mentions",
    "draft_due_date",
    "publish_by_date",
    "approver",
]
EXPERIMENT_FIELDS = [
    "name",
    "hypothesis",
    "metric",
    "variant_a_label",
    "variant_b_label",
    "holdout_percent",
    "start_date",
    "end_date",
]


def _check_same_agency(agency: Agency, campaign: Campaign) -> None:
    if campaign.sponsor_id and campaign.sponsor.agency_id != agency.pk:
        raise ValidationError({"sponsor": _("Choose a sponsor of this agency.")})
    if campaign.contract_id and campaign.contract.agency_id != agency.pk:
        raise ValidationError({"contract": _("Choose a contract of this agency.")})


@transaction.atomic
def campaign_create(
    *,
    agency: Agency,
    actor,
    fields: dict[str, Any],
    checklist: dict[str, Any] | None = None,
) -> Campaign:
    """A campaign with its disclosure checklist (defaults to "Paid partnership")."""
    campaign = Campaign(agency=agency)
    apply_fields(campaign, fields, CAMPAIGN_FIELDS)
    _check_same_agency(agency, campaign)
    campaign.full_clean()
    campaign.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="campaign.create",
        obj=campaign,
        after=snapshot(campaign, CAMPAIGN_FIELDS),
    )
    checklist_obj = Checklist(agency=agency, campaign=campaign)
    _fill_checklist(checklist_obj, checklist or {})
    checklist_obj.full_clean()
    checklist_obj.save()
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, actor, fields: dict[str, Any]) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    apply_fields(campaign, fields, CAMPAIGN_FIELDS)
    _check_same_agency(campaign.agency, campaign)
    campaign.full_clean()
    campaign.save()
    audit_record(
        agency=campaign.agency,
        actor=actor,
        action="campaign.update",
        obj=campaign,
        before=before,
        after=snapshot(campaign, CAMPAIGN_FIELDS),
    )
    return campaign


def _fill_checklist(checklist: Checklist, fields: dict[str, Any]) -> None:
    fields = dict(fields)
    if "required_hashtags" in fields:
        fields["required_hashtags"] = parse_tags(fields["required_hashtags"] or "", "#")
    if "required_mentions" in fields:
        fields["required_mentions"] = parse_tags(fields["required_mentions"] or "", "@")
    apply_fields(checklist, fields, CHECKLIST_FIELDS)
    approver = checklist.approver
    if approver is not None:
        staff = Membership.objects.filter(agency=checklist.agency, user=approver).exclude(
            role__in=[Role.CREATOR, Role.COMMUNITY_MANAGER, Role.FINANCE]
        )
        if not staff.exists():
            raise ValidationError(
                {"approver": _("The approver must be an owner or account manager here.")}
            )


@transaction.atomic
def checklist_update(*, campaign: Campaign, actor, fields: dict[str, Any]) -> Checklist:
    """Change what every caption must contain. Tags may be typed with or without # / @."""
    checklist, _created = Checklist.objects.select_for_update().get_or_create(
        campaign=campaign, defaults={"agency": campaign.agency}
    )
    before = snapshot(checklist, CHECKLIST_FIELDS)
    _fill_checklist(checklist, fields)
    checklist.full_clean()
    checklist.save()
    audit_record(
        agency=campaign.agency,
        actor=actor,
        action="checklist.update",
        obj=checklist,
        before=before,
        after=snapshot(checklist, CHECKLIST_FIELDS),
    )
    return checklist


@transaction.atomic
def experiment_create(*, campaign: Campaign, actor, fields: dict[str, Any]) -> Experiment:
    experiment = Experiment(agency=campaign.agency, campaign=campaign)
    apply_fields(experiment, fields, EXPERIMENT_FIELDS)
    experiment.full_clean()
    experiment.save()
    audit_record(
        agency=campaign.agency,
        actor=actor,
        action="experiment.create",
        obj=experiment,
        after=snapshot(experiment, EXPERIMENT_FIELDS),
    )
    return experiment


@transaction.atomic
def experiment_update(*, experiment: Experiment, actor, fields: dict[str, Any]) -> Experiment:
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    before = snapshot(experiment, EXPERIMENT_FIELDS)
    apply_fields(experiment, fields, EXPERIMENT_FIELDS)
    experiment.full_clean()
    experiment.save()
    audit_record(
        agency=experiment.agency,
        actor=actor,
        action="experiment.update",
        obj=experiment,
        before=before,
        after=snapshot(experiment, EXPERIMENT_FIELDS),
    )
    return experiment
