"""A creator's income mix: what each stream (the reward programs, brand deals, affiliate,
LIVE gifts, Creator Next / subscriptions, merchandise…) brought in, month by month.

Read from the payout statements: a statement counts in the month its period ends, with its
settled amount once known and its estimate until then (the mix says how much is still an
estimate). Amounts are kept per currency and never added across currencies. Only when the
reader asks for one currency (`convert_to`) is each month's income converted, at the rate
of the month's last day from the agency's rate book (its own rate, else the ECB reference
rate, else the payout settings' fallback: `payouts.fx.RateBook`), and every converted
figure names its rate and where it came from. A month with no known rate stays
unconverted and is listed as such; nothing is guessed.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Q, Sum, When
from django.db.models.functions import Coalesce, TruncMonth

from agencies.models import Agency
from creators.models import Creator

from .fx import RateBook, RateQuote, RateSource
from .models import ZERO, PayoutSource, PayoutStatement
from .money import quantize

MAX_MONTHS = 36
DEFAULT_MONTHS = 12


@dataclass
class MonthRow:
    month: date
    amounts: dict[str, Decimal]  # source -> amount
    total: Decimal
    estimated: Decimal  # the part of `total` that is still an estimate
    # Only in a converted mix: each source currency's rate into the target that month.
    rates: list[tuple[str, RateQuote]] = field(default_factory=list)
    # `amounts` in the order of the mix's sources (None where the stream paid nothing).
    columns: list[Decimal | None] = field(default_factory=list)


@dataclass
class SourceShare:
    source: str
    label: str
    amount: Decimal
    share: Decimal | None  # of the currency's total, 0..1


@dataclass
class CurrencyMix:
    currency: str
    months: list[MonthRow]
    sources: list[SourceShare]
    total: Decimal
    estimated: Decimal


@dataclass
class UnconvertedMonth:
    month: date
    currency: str
    total: Decimal


@dataclass
class IncomeMix:
    first_month: date
    last_month: date
    currencies: list[CurrencyMix]
    # Present when the reader asked for one currency.
    converted: CurrencyMix | None = None
    convert_to: str = ""
    unconverted: list[UnconvertedMonth] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.currencies


def month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _labels() -> dict[str, str]:
    return {value: str(label) for value, label in PayoutSource.choices}


def _mix(currency: str, cells: dict[date, dict[str, Decimal]], estimated: dict[date, Decimal]):
    labels = _labels()
    months = []
    per_source: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for month in sorted(cells):
        amounts = {source: quantize(value, currency) for source, value in cells[month].items()}
        for source, value in amounts.items():
            per_source[source] += value
        months.append(
            MonthRow(
                month=month,
                amounts=amounts,
                total=sum(amounts.values(), ZERO),
                estimated=quantize(estimated.get(month, ZERO), currency),
            )
        )
    total = sum(per_source.values(), ZERO)
    order = [value for value, _label in PayoutSource.choices]
    sources = [
        SourceShare(
            source=source,
            label=labels[source],
            amount=per_source[source],
            share=(per_source[source] / total) if total else None,
        )
        for source in sorted(per_source, key=order.index)
    ]
    for row in months:
        row.columns = [row.amounts.get(share.source) for share in sources]
    return CurrencyMix(
        currency=currency,
        months=months,
        sources=sources,
        total=total,
        estimated=sum((m.estimated for m in months), ZERO),
    )


def income_mix(
    *,
    agency: Agency,
    creator: Creator,
    today: date,
    months: int = DEFAULT_MONTHS,
    convert_to: str = "",
) -> IncomeMix:
    """The creator's income by source and month over the last `months` months (this one
    included), per currency; with `convert_to`, also all of it in that currency where a rate
    is known. One query for the statements, three more for the rate book when converting."""
    months = max(1, min(months, MAX_MONTHS))
    first, last = month_start(today, months - 1), month_start(today)
    due = Coalesce(F("settled_amount"), F("estimated_amount"))
    rows = (
        PayoutStatement.objects.filter(
            agency=agency,
            creator=creator,
            period_end__gte=first,
            period_end__lte=month_end(last),
        )
        .annotate(month=TruncMonth("period_end"))
        .values("currency", "month", "source")
        .annotate(
            amount=Sum(due),
            estimated=Sum(
                Case(
                    When(Q(settled_amount__isnull=True), then=F("estimated_amount")),
                    default=ZERO,
                    output_field=DecimalField(max_digits=16, decimal_places=2),
                )
            ),
        )
        .order_by("currency", "month", "source")
    )
    cells: dict[str, dict[date, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    estimated: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in rows:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        cells[row["currency"]][month][row["source"]] = row["amount"]
        estimated[row["currency"]][month] += row["estimated"]
    mix = IncomeMix(
        first_month=first,
        last_month=last,
        currencies=[_mix(cur, cells[cur], estimated[cur]) for cur in sorted(cells)],
    )
    if convert_to:
        _convert(mix, agency=agency, target=convert_to, today=today)
    return mix


def _convert(mix: IncomeMix, *, agency: Agency, target: str, today: date) -> None:
    """Fill `mix.converted` with every month whose rate is known, converted into `target`
    at the rate of the month's last day (today for the running month)."""
    mix.convert_to = target
    book = RateBook.for_agency(agency, mix.first_month, min(month_end(mix.last_month), today))
    cells: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    estimated: dict[date, Decimal] = defaultdict(lambda: ZERO)
    rates: dict[date, dict[str, RateQuote]] = defaultdict(dict)
    for currency_mix in mix.currencies:
        for row in currency_mix.months:
            on = min(month_end(row.month), today)
            quote = book.rate_with_source(currency_mix.currency, target, on)
            if quote is None:
                mix.unconverted.append(
                    UnconvertedMonth(row.month, currency_mix.currency, row.total)
                )
                continue
            rates[row.month][currency_mix.currency] = quote
            for source, amount in row.amounts.items():
                cells[row.month][source] += amount * quote.rate
            estimated[row.month] += row.estimated * quote.rate
    if not cells:
        return
    converted = _mix(target, cells, estimated)
    for row in converted.months:
        row.rates = sorted(
            (currency, quote)
            for currency, quote in rates[row.month].items()
            if quote.source != RateSource.SAME
        )
    mix.converted = converted
    mix.unconverted.sort(key=lambda u: (u.month, u.currency))
