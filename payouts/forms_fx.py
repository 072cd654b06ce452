"""Forms and filters of the exchange-rate pages and API (payouts/views/fx.py, fx_api.py)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from agencies.models import CURRENCY_CHOICES

from .forms import DATE
from .models import FxRate, ReferenceRate

RATE = {"max_digits": 18, "decimal_places": 8}


class FxRateForm(forms.Form):
    """One of the agency's own rates: one `base` in `quote` on `date`."""

    date = forms.DateField(label=_("Date"), widget=DATE)
    base = forms.ChoiceField(label=_("From currency"), choices=CURRENCY_CHOICES)
    quote = forms.ChoiceField(label=_("To currency"), choices=CURRENCY_CHOICES, initial="EUR")
    rate = forms.DecimalField(
        label=_("Rate"),
        **RATE,
        localize=True,
        help_text=_("What one unit of the first currency is worth in the second, e.g. 0.92."),
    )


class FxRateChangeForm(forms.Form):
    rate = forms.DecimalField(label=_("Rate"), **RATE, localize=True)


class RatesFileForm(forms.Form):
    file = forms.FileField(
        label=_("ECB file"),
        help_text=_(
            "eurofxref-hist.zip or .csv (the whole history), eurofxref-hist-90d.xml, "
            "eurofxref-daily.xml or eurofxref.csv, as the ECB publishes them."
        ),
    )


class _RateFilter(django_filters.FilterSet):
    currency = django_filters.ChoiceFilter(
        label=_("Currency"), choices=CURRENCY_CHOICES, method="by_currency"
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="date", lookup_expr="gte", widget=DATE
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="date", lookup_expr="lte", widget=DATE
    )


class FxRateFilter(_RateFilter):
    """The agency's own rates `?currency=&date_from=&date_to=`; a currency on either side."""

    class Meta:
        model = FxRate
        fields: list[str] = []

    def by_currency(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(base=value) | Q(quote=value))


class ReferenceRateFilter(_RateFilter):
    """The reference rates `?currency=&date_from=&date_to=`; every one is against the euro,
    so EUR keeps them all."""

    class Meta:
        model = ReferenceRate
        fields: list[str] = []

    def by_currency(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset if value == "EUR" else queryset.filter(currency=value)
