"""The roster's search, filters and sort, shared by the HTML roster, its CSV export and the
API, so one query string means the same everywhere:
`?q=&status=&manager=&niche=&country=&eligibility=&can_reapply=&sort=`.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.django_filters import CountryFilter
from django_filters import fields as filter_fields

from . import applications, selectors
from .insights import selectors as insight_selectors
from .models import Creator, CreatorStatus, NicheTag, Program, SocialAccount
from .permissions import PERSONAL_DATA_VIEW

NO_MANAGER = "none"

SORTS: dict[str, tuple] = {
    "name": (Lower("display_name"), "id"),
    "country": ("country", Lower("display_name"), "id"),
    "status": ("status", Lower("display_name"), "id"),
    "followers": ("total_followers", "id"),
    "created": ("created_at", "id"),
}
SORT_CHOICES = [
    choice
    for name, label in [
        ("name", _("Name")),
        ("country", _("Country")),
        ("status", _("Status")),
        ("followers", _("Followers")),
        ("created", _("Added")),
    ]
    for choice in ((name, label), (f"-{name}", format_lazy(_("{label}, descending"), label=label)))
]


ELIGIBILITY_CHOICES = [
    (Program.CREATIVITY_PROGRAM.value, _("Creativity Program: eligible")),
    (f"{Program.CREATIVITY_PROGRAM.value}-close", _("Creativity Program: within 10 %")),
    (Program.CREATOR_FUND.value, _("Creator Fund (closed): meets the rules")),
    (f"{Program.CREATOR_FUND.value}-close", _("Creator Fund (closed): within 10 %")),
]


def _descending(term):
    if isinstance(term, str):
        return f"-{term}"
    return term.desc()


class PlainSelect(forms.Select):
    """A single `<select>` written in Python. Django renders a select through a template
    per option; for the roster's six filter selects that was a third of the page's time."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, " selected" if str(key) in selected else "", label)
                for key, label in (
                    ("" if v is None else str(v), label) for v, label in self.choices
                )
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


class CaseInsensitiveModelChoiceField(filter_fields.ModelChoiceField):
    """Looks the value up in `to_field_name` case-insensitively (`?niche=Beauty` finds
    the "beauty" tag; `?manager=Ana@…` finds ana@…)."""

    def to_python(self, value):
        if self.null_label is not None and value == self.null_value:
            return value
        if value in self.empty_values:
            return None
        lookup = {f"{self.to_field_name}__iexact": str(value).strip()}
        try:
            return self.queryset.get(**lookup)
        except (ValueError, TypeError, self.queryset.model.DoesNotExist) as exc:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from exc
        except self.queryset.model.MultipleObjectsReturned as exc:  # pragma: no cover
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from exc


class CaseInsensitiveModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = CaseInsensitiveModelChoiceField


# Choices come from the request's agency (set by `agency_view` / `AgencyAPIMixin`), so a
# filter can never name another agency's manager or niche.
def _managers(request):
    agency = getattr(request, "agency", None)
    if agency is None:
        return get_user_model().objects.none()
    return selectors.account_manager_choices(agency=agency)


def _niches(request):
    agency = getattr(request, "agency", None)
    if agency is None:
        return NicheTag.objects.none()
    return selectors.agency_niches(agency=agency)


class CreatorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        help_text=_("Part of the display or legal name, e-mail address or a social handle."),
    )
    status = django_filters.ChoiceFilter(
        choices=CreatorStatus.choices, empty_label=_("All statuses"), label=_("Status")
    )
    manager = CaseInsensitiveModelChoiceFilter(
        field_name="account_manager",
        queryset=_managers,
        to_field_name="email",
        null_label=_("Unassigned"),
        null_value=NO_MANAGER,
        empty_label=_("All managers"),
        label=_("Account manager"),
        help_text=_('The account manager\'s e-mail address, or "none" for unassigned creators.'),
    )
    niche = CaseInsensitiveModelChoiceFilter(
        field_name="niches",
        queryset=_niches,
        to_field_name="name",
        empty_label=_("All niches"),
        label=_("Niche"),
        help_text=_("A niche name."),
    )
    country = CountryFilter(
        empty_label=_("All countries"),
        label=_("Country"),
        help_text=_("ISO 3166-1 alpha-2 country code."),
    )
    eligibility = django_filters.ChoiceFilter(
        choices=ELIGIBILITY_CHOICES,
        method="filter_eligibility",
        empty_label=_("Any eligibility"),
        label=_("Program eligibility"),
        help_text=_(
            "creativity_program or creator_fund: meets every rule today; with -close: "
            "misses only the follower or view threshold, by at most 10 %."
        ),
    )
    can_reapply = django_filters.BooleanFilter(
        method="filter_can_reapply",
        label=_("Can re-apply to a program"),
        help_text=_(
            "true: a program rejected them and the wait before re-applying is over (and they "
            "have not applied again); false: everyone else."
        ),
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        method="filter_sort",
        empty_label=None,
        label=_("Sort"),
        help_text=_("Sort key; a leading minus sorts descending. Default: name."),
    )

    class Meta:
        model = Creator
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Creator], name: str, value: str):
        accounts = SocialAccount.objects.all()
        if (agency := getattr(self.request, "agency", None)) is not None:
            accounts = accounts.filter(agency=agency)
        # The legal name is searched only for roles that may see it: a match would tell the
        # others what it contains.
        membership = getattr(self.request, "membership", None)
        by_legal_name = membership is not None and membership.role in PERSONAL_DATA_VIEW
        # Every word must match somewhere (at most five words are used).
        for term in value.split()[:5]:
            # Handles through a subquery: a join would repeat a creator once per account.
            by_handle = accounts.filter(handle__icontains=term.removeprefix("@"))
            matches = (
                Q(display_name__icontains=term)
                | Q(email__icontains=term)
                | Q(pk__in=by_handle.values("creator_id"))
            )
            if by_legal_name:
                matches |= Q(legal_name__icontains=term)
            queryset = queryset.filter(matches)
        return queryset

    def filter_eligibility(self, queryset: QuerySet[Creator], name: str, value: str):
        agency = getattr(self.request, "agency", None)
        if agency is None:
            return queryset.none()
        program, _sep, close = value.partition("-")
        return insight_selectors.filter_by_eligibility(
            queryset, program, agency=agency, close=bool(close)
        )

    def filter_can_reapply(self, queryset: QuerySet[Creator], name: str, value: bool | None):
        agency = getattr(self.request, "agency", None)
        if value is None:
            return queryset
        if agency is None:
            return queryset.none()
        due = applications.can_reapply_q(today=insight_selectors.agency_today(agency))
        return queryset.filter(due) if value else queryset.exclude(due)

    def filter_sort(self, queryset: QuerySet[Creator], name: str, value: str):
        key = value.removeprefix("-")
        terms = SORTS.get(key)
        if terms is None:
            return queryset
        if key == "followers" and "total_followers" not in queryset.query.annotations:
            # selectors.roster_rows leaves the total out of the SQL unless it sorts by it.
            queryset = queryset.annotate(total_followers=selectors.total_followers_subquery())
        if value.startswith("-"):
            terms = tuple(_descending(t) for t in terms)
        return queryset.order_by(*terms)


# Every parameter that narrows the roster (all but the sort): without any, a list is the
# whole roster and its size is the cached `selectors.roster_facets(...).count`.
FILTER_NAMES = tuple(name for name in CreatorFilter.base_filters if name != "sort")


def is_filtered(params) -> bool:
    return any(params.get(name) for name in FILTER_NAMES)
