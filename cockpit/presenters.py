"""The cockpit's figures as text: the value in the reader's format, the change on last month
and a sparkline whose text alternative reads every month out."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core import formatting
from core.sparkline import sparkline

from .selectors import Figure


@dataclass(frozen=True)
class FigureRow:
    key: str
    title: str
    value: str
    previous: str
    trend: str  # "up", "down" or "flat"
    chart: SafeString
    months: list[tuple[str, str]]  # (month, value) for the table alternative


def _text(figure: Figure, value) -> str:
    if figure.currency:
        return formatting.money(value, figure.currency)
    if figure.percent:
        return f"{formatting.number(value, 2)} %"
    return formatting.number(value, 0)


def figure_rows(figures: list[Figure]) -> list[FigureRow]:
    rows = []
    for figure in figures:
        months = [
            (formatting.month_short(month), _text(figure, value))
            for month, value in zip(figure.months, figure.values, strict=True)
        ]
        title = f"{figure.title} ({figure.currency})" if figure.currency else figure.title
        label = _("%(title)s per month: %(values)s") % {
            "title": title,
            "values": ", ".join(f"{month} {value}" for month, value in months),
        }
        if figure.current > figure.previous:
            trend = "up"
        elif figure.current < figure.previous:
            trend = "down"
        else:
            trend = "flat"
        rows.append(
            FigureRow(
                key=figure.key,
                title=title,
                value=_text(figure, figure.current),
                previous=_text(figure, figure.previous),
                trend=trend,
                chart=sparkline(figure.values, label=label),
                months=months,
            )
        )
    return rows
