"""Plain rows for campaign tests. State that matters is built through services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from campaigns.models import (
    Campaign,
    Checklist,
    Contract,
    Deliverable,
    Experiment,
    MetricSnapshot,
    Sponsor,
)
from tests.factories import AgencyFactory, CreatorFactory


class SponsorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sponsor

    agency = factory.SubFactory(AgencyFactory)
    brand = factory.Sequence(lambda n: f"Brand {n}")
    category = "energy drinks"


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    sponsor = factory.SubFactory(SponsorFactory, agency=factory.SelfAttribute("..agency"))
    title = factory.Sequence(lambda n: f"Contract {n}")
    fee = Decimal("1500.00")
    currency = "EUR"
    start_date = dt.date(2024, 3, 1)
    end_date = dt.date(2024, 6, 30)

    @factory.post_generation
    def creators(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.creators.set(extracted)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    sponsor = factory.SubFactory(SponsorFactory, agency=factory.SelfAttribute("..agency"))
    name = factory.Sequence(lambda n: f"Campaign {n}")
    code = factory.Sequence(lambda n: f"CAMP-{n}")
    start_date = dt.date(2024, 3, 1)
    end_date = dt.date(2024, 4, 30)
    budget = Decimal("10000.00")
    currency = "EUR"
    attribution_window_days = 7

    @factory.post_generation
    def checklist(obj, create, extracted, **kwargs):
        if create:
            Checklist.objects.create(agency=obj.agency, campaign=obj, **(extracted or {}))


class DeliverableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deliverable

    campaign = factory.SubFactory(CampaignFactory)
    agency = factory.LazyAttribute(lambda o: o.campaign.agency)
    creator = factory.SubFactory(CreatorFactory, agency=factory.SelfAttribute("..agency"))
    due_date = dt.date(2024, 3, 20)


class ExperimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Experiment

    campaign = factory.SubFactory(CampaignFactory)
    agency = factory.LazyAttribute(lambda o: o.campaign.agency)
    name = "Hook test"
    start_date = dt.date(2024, 3, 1)


class SnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetricSnapshot

    deliverable = factory.SubFactory(DeliverableFactory)
    agency = factory.LazyAttribute(lambda o: o.deliverable.agency)
    captured_at = factory.Sequence(
        lambda n: dt.datetime(2024, 3, 10, tzinfo=dt.UTC) + dt.timedelta(hours=n)
    )
    views = 1000
