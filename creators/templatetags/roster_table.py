"""The roster table's rows, written in Python: 25 rows of nine cells through the template
engine (a variable lookup, filter or tag per cell, labels looked up per row) were most of
the roster page's rendering time (bench/README.md, "Served by gunicorn"). The row reads
as `creators/_roster_table.html` shows it; labels are translated once per page."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django_countries import countries

from creators.models import Creator, CreatorStatus, Platform, Tier

register = template.Library()

_NONE = mark_safe('<span class="muted">—</span>')


def _cells(creator: Creator, labels: dict) -> SafeString:
    niches = format_html_join(
        "", '<span class="tag">{}</span>', ((tag.name,) for tag in creator.niche_list)
    )
    accounts = format_html_join(
        "",
        '<span class="handle">{} @{}</span>',
        ((labels["platform"].get(a.platform, a.platform), a.handle) for a in creator.account_list),
    )
    code = creator.country.code  # the field's descriptor builds a Country on every read
    if code:
        names = labels["country"]
        if code not in names:
            names[code] = countries.name(code)
        country = format_html('<abbr title="{}">{}</abbr>', names[code], code)
    else:
        country = _NONE
    manager = creator.account_manager
    if manager is not None:
        manager_cell = manager.get_full_name() or manager.email
    else:
        manager_cell = format_html('<span class="muted">{}</span>', labels["unassigned"])
    if creator.tier:
        tier = format_html(
            '<span class="tag tier-{}">{}</span>',
            creator.tier,
            labels["tier"].get(creator.tier, creator.tier),
        )
    else:
        tier = _NONE
    return format_html(
        "<tr>"
        '<td><a href="{}">{}</a><br><small class="muted">{}</small></td>'
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        '<td class="num">{}</td><td>{}</td>'
        '<td><span class="badge badge-{}">{}</span></td>'
        "<td>{}</td>"
        "</tr>\n",
        labels["detail"].format(pk=creator.pk),
        creator.display_name,
        creator.email,
        niches or _NONE,
        country,
        manager_cell,
        accounts or _NONE,
        intcomma(creator.total_followers),
        tier,
        creator.status,
        labels["status"].get(creator.status, creator.status),
        formats.date_format(timezone.localtime(creator.created_at), "SHORT_DATE_FORMAT"),
    )


@register.simple_tag
def roster_rows(creators: Iterable[Creator], agency) -> SafeString:
    """The `<tr>` of each creator of `selectors.roster_rows` (niche_list, account_list,
    total_followers, tier annotated)."""
    # One reverse() for the page: the detail address with a placeholder for the id.
    head, _zero, tail = reverse("creators:detail", args=[agency.slug, 0]).rpartition("/0/")
    labels = {
        "detail": head.replace("{", "{{").replace("}", "}}") + "/{pk}/" + tail,
        "platform": {value: str(label) for value, label in Platform.choices},
        "status": {value: str(label) for value, label in CreatorStatus.choices},
        "tier": {value: str(label) for value, label in Tier.choices},
        "country": {},
        "unassigned": gettext("Unassigned"),
    }
    return mark_safe("".join(_cells(c, labels) for c in creators))  # noqa: S308
