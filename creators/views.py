"""Roster pages: list (with htmx filtering), detail, create, edit, offboard, social accounts,
CSV import and export. Thin: parse, authorise (`agency_view`), call a service, render."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_countries import countries

from agencies.tenancy import agency_view, get_for_agency
from core.countries import country_name
from core.formflow import add_service_errors
from core.pagination import CountedPaginator
from core.spreadsheets import csv_streaming_response

from . import roster_cache, roster_csv, selectors, services
from .filters import NO_MANAGER, CreatorFilter, PlainSelect, is_filtered
from .forms import (
    CreatorForm,
    OffboardForm,
    RosterImportForm,
    SocialAccountForm,
)
from .insights import selectors as insight_selectors
from .insights.charts import history_charts
from .insights.forecast import FORECAST_POSTS
from .models import Creator, SocialAccount
from .permissions import (
    PERSONAL_DATA_VIEW,
    ROSTER_EDIT,
    ROSTER_EXPORT,
    ROSTER_IMPORT,
    ROSTER_VIEW,
)
from .roster_import import RosterImportError, roster_import

PAGE_SIZE = 25
# Shown at most on the import page; the count of the rest is given.
MAX_ERRORS_SHOWN = 200


def _roster_filter(request: HttpRequest, *, rows: bool = False) -> CreatorFilter:
    """The roster filtered by the query string; `rows`: as the list page shows it
    (`selectors.roster_rows`), else with the related managers prefetched (the export)."""
    select = selectors.roster_rows if rows else selectors.roster
    return CreatorFilter(request.GET, queryset=select(agency=request.agency), request=request)


def _is_fragment_request(request: HttpRequest) -> bool:
    # htmx asks for the table only, except when restoring history (then it wants a page).
    return bool(request.htmx) and not request.htmx.history_restore_request


def _offer_roster_facets(
    request: HttpRequest, roster_filter: CreatorFilter, facets: selectors.RosterFacets
) -> None:
    """The filter's selects offer what the roster uses, from the cached facets: the countries
    the roster uses rather than all 250 (the filter still accepts any country), the niches
    and the account managers without a query each. Rendered by `PlainSelect` (Django's
    template per option was most of the form's time)."""
    fields = roster_filter.form.fields
    codes = list(facets.countries)
    current = request.GET.get("country", "").upper()
    if current and current not in codes and country_name(current):
        codes.append(current)
    choices = {
        "country": [("", _("All countries")), *((c, countries.name(c)) for c in codes)],
        "niche": [("", fields["niche"].empty_label), *((n, n) for n in facets.niches)],
        "manager": [
            ("", fields["manager"].empty_label),
            (NO_MANAGER, fields["manager"].null_label),
            *selectors.account_manager_options(agency=request.agency),
        ],
    }
    for name, field in fields.items():
        if isinstance(field.widget, forms.Select) and not field.widget.allow_multiple_selected:
            field.widget = PlainSelect(
                attrs=field.widget.attrs, choices=choices.get(name) or list(field.widget.choices)
            )


def _roster_cached(request: HttpRequest, kind: str, render_part) -> str:
    """`render_part()`, kept in the roster cache per agency, roster version, role, language,
    time zone and address (creators/roster_cache.py)."""
    if not roster_cache.usable(request.GET):
        return render_part()
    key = roster_cache.key(
        kind,
        agency_id=request.agency.pk,
        role=request.membership.role,
        parts=[request.get_full_path()],
    )
    return roster_cache.cached(key, render_part)


def _roster_table(request: HttpRequest, roster_filter: CreatorFilter) -> str:
    """The roster table (`creators/_roster_table.html`) for this request: rows, count,
    sort links and pages."""
    facets = selectors.roster_facets(agency=request.agency)
    filtered = is_filtered(request.GET)
    page = CountedPaginator(
        roster_filter.qs, PAGE_SIZE, count=None if filtered else facets.count
    ).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "creators": selectors.roster_rows_complete(page.object_list, agency=request.agency),
        "filtered": filtered,
        # Only an empty page needs to know whether the roster itself is empty.
        "roster_empty": not facets.count,
        "can_edit": request.membership.role in ROSTER_EDIT,
    }
    return render_to_string("creators/_roster_table.html", context, request=request)


def _roster_content(request: HttpRequest) -> str:
    """The roster page's content (`creators/_roster_content.html`): actions, filter form
    with the roster's facets, the table."""
    roster_filter = _roster_filter(request, rows=True)
    table = _roster_cached(request, "table", lambda: _roster_table(request, roster_filter))
    _offer_roster_facets(request, roster_filter, selectors.roster_facets(agency=request.agency))
    context = {
        "filter": roster_filter,
        "roster_table": mark_safe(table),  # noqa: S308 - rendered by the template engine
        "filtered": is_filtered(request.GET),
        "can_edit": request.membership.role in ROSTER_EDIT,
    }
    return render_to_string("creators/_roster_content.html", context, request=request)


@agency_view(allow=ROSTER_VIEW)
@require_GET
def roster_list(request: HttpRequest) -> HttpResponse:
    """The roster page; for htmx (filters, sort, pages) its table only. Both from the roster
    cache when nothing they show has changed."""
    if _is_fragment_request(request):
        return HttpResponse(
            _roster_cached(
                request,
                "table",
                lambda: _roster_table(request, _roster_filter(request, rows=True)),
            )
        )
    content = _roster_cached(request, "content", lambda: _roster_content(request))
    return render(
        request,
        "creators/list.html",
        {"roster_content": mark_safe(content)},  # noqa: S308 - rendered by the template engine
    )


def _detail_redirect(request: HttpRequest, creator: Creator) -> HttpResponse:
    return redirect("creators:detail", agency_slug=request.agency.slug, pk=creator.pk)


def _creator(request: HttpRequest, pk: int) -> Creator:
    return get_for_agency(selectors.roster(agency=request.agency), request.agency, pk=pk)


@agency_view(allow=ROSTER_VIEW)
@require_GET
def creator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    creator = _creator(request, pk)
    personal_data = request.membership.role in PERSONAL_DATA_VIEW
    page = insight_selectors.insight_page(
        agency=request.agency,
        creator=creator,
        months=0,
        video_rows=0,
        with_accuracy=False,
        detail_videos=FORECAST_POSTS,
    ).redacted(personal_data=personal_data)
    context = {
        "creator": creator,
        "can_edit": request.membership.role in ROSTER_EDIT,
        "personal_data": personal_data,
        "offboard_form": OffboardForm(),
        "insight_page": page,
        "charts": history_charts(page.history),
    }
    return render(request, "creators/detail.html", context)


@agency_view(allow=ROSTER_EDIT)
@require_http_methods(["GET", "POST"])
def creator_create(request: HttpRequest) -> HttpResponse:
    form = CreatorForm(request.POST or None, agency=request.agency)
    if request.method == "POST" and form.is_valid():
        try:
            creator = services.creator_create(
                agency=request.agency, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was added to the roster.") % {"name": creator})
            return _detail_redirect(request, creator)
    return render(request, "creators/form.html", {"form": form, "creator": None})


@agency_view(allow=ROSTER_EDIT)
@require_http_methods(["GET", "POST"])
def creator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    creator = _creator(request, pk)
    form = CreatorForm(
        request.POST or None,
        agency=request.agency,
        creator=creator,
        initial=CreatorForm.initial_for(creator),
    )
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        niches = changes.pop("niches")
        try:
            services.creator_update(creator=creator, actor=request.user, niches=niches, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return _detail_redirect(request, creator)
    return render(request, "creators/form.html", {"form": form, "creator": creator})


@agency_view(allow=ROSTER_EDIT)
@require_http_methods(["GET", "POST"])
def creator_offboard(request: HttpRequest, pk: int) -> HttpResponse:
    creator = _creator(request, pk)
    form = OffboardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.creator_offboard(
                creator=creator, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(name)s was offboarded.") % {"name": creator})
        return _detail_redirect(request, creator)
    return render(request, "creators/offboard.html", {"creator": creator, "form": form})


@agency_view(allow=ROSTER_EDIT)
@require_POST
def creator_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    creator = _creator(request, pk)
    try:
        services.creator_reactivate(creator=creator, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is active again.") % {"name": creator})
    return _detail_redirect(request, creator)


# --- social accounts -----------------------------------------------------------------------


def _account(request: HttpRequest, pk: int, account_pk: int) -> SocialAccount:
    return get_for_agency(
        SocialAccount.objects.select_related("creator"),
        request.agency,
        pk=account_pk,
        creator_id=pk,
    )


@agency_view(allow=ROSTER_EDIT)
@require_http_methods(["GET", "POST"])
def social_account_create(request: HttpRequest, pk: int) -> HttpResponse:
    creator = _creator(request, pk)
    form = SocialAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.social_account_add(creator=creator, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The account was added."))
            return _detail_redirect(request, creator)
    context = {"form": form, "creator": creator, "account": None}
    return render(request, "creators/social_form.html", context)


@agency_view(allow=ROSTER_EDIT)
@require_http_methods(["GET", "POST"])
def social_account_edit(request: HttpRequest, pk: int, account_pk: int) -> HttpResponse:
    account = _account(request, pk, account_pk)
    initial = {name: getattr(account, name) for name in services.SOCIAL_FIELDS}
    form = SocialAccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.social_account_update(account=account, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The account was saved."))
            return _detail_redirect(request, account.creator)
    context = {"form": form, "creator": account.creator, "account": account}
    return render(request, "creators/social_form.html", context)


@agency_view(allow=ROSTER_EDIT)
@require_POST
def social_account_delete(request: HttpRequest, pk: int, account_pk: int) -> HttpResponse:
    account = _account(request, pk, account_pk)
    services.social_account_remove(account=account, actor=request.user)
    messages.success(
        request, _("The account @%(handle)s was removed.") % {"handle": account.handle}
    )
    return _detail_redirect(request, account.creator)


# --- CSV import and export -----------------------------------------------------------------


def _import_context(form: RosterImportForm, **extra) -> dict:
    return {
        "form": form,
        "columns": roster_csv.COLUMNS,
        "max_rows": settings.CSV_IMPORT_MAX_ROWS,
        "max_kb": settings.CSV_IMPORT_MAX_BYTES // 1024,
        "errors": [],
        "more_errors": 0,
        "ignored_columns": [],
        **extra,
    }


@agency_view(allow=ROSTER_IMPORT)
@require_http_methods(["GET", "POST"])
def roster_import_view(request: HttpRequest) -> HttpResponse:
    form = RosterImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "creators/import.html", _import_context(form))
    upload = form.cleaned_data["file"]
    parsed = roster_csv.parse_roster_csv(
        upload.read(),
        max_bytes=settings.CSV_IMPORT_MAX_BYTES,
        max_rows=settings.CSV_IMPORT_MAX_ROWS,
    )
    try:
        summary = roster_import(
            agency=request.agency, actor=request.user, parsed=parsed, filename=upload.name
        )
    except RosterImportError as exc:
        context = _import_context(
            form,
            errors=exc.errors[:MAX_ERRORS_SHOWN],
            more_errors=max(0, len(exc.errors) - MAX_ERRORS_SHOWN),
            ignored_columns=parsed.ignored_columns,
        )
        return render(request, "creators/import.html", context)
    messages.success(
        request,
        _("Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
        % {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged},
    )
    if parsed.ignored_columns:
        messages.warning(
            request,
            _("These columns were not recognised and were ignored: %(columns)s.")
            % {"columns": ", ".join(parsed.ignored_columns)},
        )
    return redirect("creators:list", agency_slug=request.agency.slug)


@agency_view(allow=ROSTER_IMPORT)
@require_GET
def roster_import_template(request: HttpRequest) -> HttpResponse:
    header, rows = roster_csv.template_rows()
    return csv_streaming_response("talentdesk-roster-template.csv", header, rows)


@agency_view(allow=ROSTER_EXPORT)
@require_GET
def roster_export(request: HttpRequest) -> HttpResponse:
    """The roster with the current search, filters and sort, streamed in chunks."""
    creators = _roster_filter(request).qs.iterator(chunk_size=1000)
    filename = f"{request.agency.slug}-creators-{timezone.localdate():%Y-%m-%d}.csv"
    columns = roster_csv.export_columns(personal_data=request.membership.role in PERSONAL_DATA_VIEW)
    return csv_streaming_response(filename, columns, roster_csv.export_rows(creators, columns))
