"""URL matrix entries for campaigns/ (staff pages, creator portal, API)."""

from __future__ import annotations

from agencies.roles import Role
from tests.campaigns.factories import (
    CampaignFactory,
    ContractFactory,
    DeliverableFactory,
    ExperimentFactory,
    SponsorFactory,
)

from .base import CREATOR_ROLES, EDITORS, UrlCase

JSON = {"content_type": "application/json"}

VIEWERS = frozenset({Role.OWNER, Role.MANAGER, Role.FINANCE})
KPI = VIEWERS


def campaign(agency, creator) -> dict:
    return {"pk": CampaignFactory(agency=agency).pk}


def sponsor(agency, creator) -> dict:
    return {"pk": SponsorFactory(agency=agency).pk}


def contract(agency, creator) -> dict:
    return {"pk": ContractFactory(agency=agency, creators=[creator]).pk}


def contract_with_pdf(agency, creator) -> dict:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    # One shared file under MEDIA_ROOT (git-ignored), written once.
    name = "contracts/url-matrix-signed.pdf"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(b"%PDF-1.4\n%%EOF\n"))
    obj = ContractFactory(agency=agency, creators=[creator], status="sent")
    obj.signed_pdf.name = name
    obj.save(update_fields=["signed_pdf"])
    return {"pk": obj.pk}


def deliverable(agency, creator) -> dict:
    return {"pk": DeliverableFactory(campaign__agency=agency, creator=creator).pk}


def experiment(agency, creator) -> dict:
    return {"pk": ExperimentFactory(campaign__agency=agency).pk}


def creator_pk(agency, creator) -> dict:
    return {"pk": creator.pk}


CASES: list[UrlCase] = [
    # HTML, staff
    UrlCase("campaigns:list", VIEWERS),
    UrlCase("campaigns:create", EDITORS),
    UrlCase("campaigns:detail", VIEWERS, campaign),
    UrlCase("campaigns:edit", EDITORS, campaign),
    UrlCase("campaigns:checklist", EDITORS, campaign),
    UrlCase("campaigns:deliverable-create", EDITORS, campaign),
    UrlCase("campaigns:metrics-import", KPI, campaign),
    UrlCase("campaigns:conversion-create", KPI, campaign),
    UrlCase("campaigns:experiment-create", EDITORS, campaign),
    UrlCase("campaigns:experiment-edit", EDITORS, experiment),
    UrlCase("campaigns:deliverable-detail", VIEWERS, deliverable),
    UrlCase("campaigns:deliverable-edit", EDITORS, deliverable),
    UrlCase("campaigns:deliverable-review", EDITORS, deliverable, method="post"),
    UrlCase("campaigns:deliverable-posted", EDITORS, deliverable, method="post"),
    UrlCase("campaigns:snapshot-create", KPI, deliverable, method="post"),
    UrlCase("campaigns:sponsor-list", VIEWERS),
    UrlCase("campaigns:sponsor-create", EDITORS),
    UrlCase("campaigns:sponsor-detail", VIEWERS, sponsor),
    UrlCase("campaigns:sponsor-edit", EDITORS, sponsor),
    UrlCase("campaigns:contract-list", VIEWERS),
    UrlCase("campaigns:deliverable-list", VIEWERS),
    UrlCase("campaigns:contract-create", EDITORS),
    UrlCase("campaigns:contract-fee-guide", EDITORS, extra={"HTTP_HX_REQUEST": "true"}),
    UrlCase("campaigns:contract-detail", VIEWERS, contract),
    UrlCase("campaigns:contract-edit", EDITORS, contract),
    UrlCase("campaigns:contract-transition", EDITORS, contract, method="post"),
    UrlCase("campaigns:contract-pdf-upload", EDITORS, contract, method="post"),
    UrlCase("campaigns:contract-pdf", VIEWERS, contract_with_pdf),
    UrlCase("campaigns:creator-contracts", VIEWERS, creator_pk),
    # HTML, creator portal: only the creator's own deliverables
    UrlCase("campaigns:portal", CREATOR_ROLES),
    UrlCase("campaigns:portal-deliverable", CREATOR_ROLES, deliverable),
    UrlCase("campaigns:portal-submit", CREATOR_ROLES, deliverable, method="post"),
    UrlCase("campaigns:portal-posted", CREATOR_ROLES, deliverable, method="post"),
    # API (read: owner, manager, finance; write: owner and manager, KPIs also finance)
    UrlCase("api:sponsor-list", VIEWERS),
    UrlCase("api:sponsor-list", EDITORS, method="post"),
    UrlCase("api:sponsor-detail", VIEWERS, sponsor),
    UrlCase("api:contract-list", VIEWERS),
    UrlCase("api:contract-list", EDITORS, method="post"),
    UrlCase("api:contract-detail", VIEWERS, contract),
    UrlCase("api:contract-transition", EDITORS, contract, method="post"),
    UrlCase("api:campaign-list", VIEWERS),
    UrlCase("api:campaign-list", EDITORS, method="post"),
    UrlCase("api:campaign-detail", VIEWERS, campaign),
    UrlCase("api:campaign-dashboard", VIEWERS, campaign),
    UrlCase("api:checklist-detail", VIEWERS, campaign),
    UrlCase(
        "api:checklist-detail",
        EDITORS,
        campaign,
        method="patch",
        data=lambda a, c: {"required_hashtags": ["#ad"]},
        extra=JSON,
    ),
    UrlCase(
        "api:checklist-check",
        VIEWERS,
        campaign,
        method="post",
        data=lambda a, c: {"caption": "New drop #ad"},
        extra=JSON,
    ),
    UrlCase("api:conversion-list", VIEWERS, campaign),
    UrlCase("api:conversion-list", KPI, campaign, method="post"),
    UrlCase("api:experiment-list", VIEWERS, campaign),
    UrlCase("api:experiment-list", EDITORS, campaign, method="post"),
    UrlCase("api:deliverable-list", VIEWERS),
    UrlCase("api:deliverable-list", EDITORS, method="post"),
    UrlCase("api:deliverable-detail", VIEWERS, deliverable),
    UrlCase("api:deliverable-submit", EDITORS, deliverable, method="post"),
    UrlCase("api:deliverable-review", EDITORS, deliverable, method="post"),
    UrlCase("api:deliverable-posted", EDITORS, deliverable, method="post"),
    UrlCase("api:deliverable-snapshots", VIEWERS, deliverable),
    UrlCase("api:deliverable-snapshots", KPI, deliverable, method="post"),
]
