"""Filters shared by the payouts pages and the API, so one query string means the same in both:
statements `?q=&status=&source=&currency=&creator=&period_from=&period_to=`, bank transactions
`?q=&bank_account=&credit_debit=&currency=&booked_from=&booked_to=&open=`, matches
`?status=&rule=&statement=&transaction=&run=`, runs `?status=`, bank imports
`?status=&bank_account=`.

Choices of other objects (creators, bank accounts) come from the request's agency only, so
another agency's id is refused like an unknown one.
"""

from __future__ import annotations

import django_filters
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from agencies.models import CURRENCY_CHOICES
from core.filters import IdFilter
from creators.models import Creator

from .models import (
    BankAccount,
    BankImport,
    BankTransaction,
    CreditDebit,
    ImportStatus,
    Match,
    MatchRule,
    MatchStatus,
    PayoutSource,
    PayoutStatement,
    ReconciliationRun,
    RunStatus,
    StatementStatus,
)


def _agency_creators(request) -> QuerySet[Creator]:
    agency = getattr(request, "agency", None)
    return Creator.objects.filter(agency=agency) if agency else Creator.objects.none()


def _agency_accounts(request) -> QuerySet[BankAccount]:
    agency = getattr(request, "agency", None)
    return BankAccount.objects.filter(agency=agency) if agency else BankAccount.objects.none()


class StatementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=StatementStatus.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=PayoutSource.choices)
    currency = django_filters.ChoiceFilter(label=_("Currency"), choices=CURRENCY_CHOICES)
    creator = django_filters.ModelChoiceFilter(label=_("Creator"), queryset=_agency_creators)
    period_from = django_filters.DateFilter(
        label=_("Period from"), field_name="period_end", lookup_expr="gte"
    )
    period_to = django_filters.DateFilter(
        label=_("Period to"), field_name="period_start", lookup_expr="lte"
    )

    class Meta:
        model = PayoutStatement
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(platform_reference__icontains=value) | Q(creator__display_name__icontains=value)
        )


class TransactionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    bank_account = django_filters.ModelChoiceFilter(
        label=_("Bank account"), queryset=_agency_accounts
    )
    credit_debit = django_filters.ChoiceFilter(label=_("Credit/debit"), choices=CreditDebit.choices)
    currency = django_filters.ChoiceFilter(label=_("Currency"), choices=CURRENCY_CHOICES)
    booked_from = django_filters.DateFilter(
        label=_("Booked from"), field_name="booking_date", lookup_expr="gte"
    )
    booked_to = django_filters.DateFilter(
        label=_("Booked to"), field_name="booking_date", lookup_expr="lte"
    )
    open = django_filters.BooleanFilter(label=_("Open credits only"), method="open_only")

    class Meta:
        model = BankTransaction
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(remittance_info__icontains=value)
            | Q(counterparty_name__icontains=value)
            | Q(end_to_end_id__icontains=value)
            | Q(bank_reference__icontains=value)
        )

    def open_only(self, queryset, name, value):
        open_credit = Q(
            credit_debit=CreditDebit.CREDIT,
            is_reversal=False,
            reversed_by__isnull=True,
            allocated_amount__lt=F("amount"),
        )
        if value is None:
            return queryset
        return queryset.filter(open_credit) if value else queryset.exclude(open_credit)


class MatchFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=MatchStatus.choices)
    rule = django_filters.ChoiceFilter(label=_("Rule"), choices=MatchRule.choices)
    statement = IdFilter(label=_("Statement id"), field_name="statement_id")
    transaction = IdFilter(label=_("Bank transaction id"), field_name="transaction_id")
    run = IdFilter(label=_("Run id"), field_name="run_id")

    class Meta:
        model = Match
        fields: list[str] = []


class RunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RunStatus.choices)

    class Meta:
        model = ReconciliationRun
        fields: list[str] = []


class BankImportFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ImportStatus.choices)
    bank_account = django_filters.ModelChoiceFilter(
        label=_("Bank account"), queryset=_agency_accounts
    )

    class Meta:
        model = BankImport
        fields: list[str] = []
