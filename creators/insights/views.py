"""Insight pages: a creator's eligibility, estimates, forecast and metrics history; manual
metrics and strikes; the metrics CSV import; the rate card and the RPM table. Thin: parse,
authorise (`agency_view`), call a service or selector, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.tenancy import agency_view, get_for_agency
from core.formflow import add_service_errors
from core.spreadsheets import csv_streaming_response
from creators import metrics_import, selectors
from creators.models import Creator, PolicyStrike, RpmRate
from creators.permissions import (
    INSIGHTS_VIEW,
    METRICS_EDIT,
    PERSONAL_DATA_VIEW,
    RATE_CARD_EDIT,
    RPM_EDIT,
)
from creators.views import MAX_ERRORS_SHOWN

from . import rate_cards
from . import selectors as insight_selectors
from . import services as insight_services
from .charts import history_charts
from .forecast import expected_bonuses
from .forms import (
    MetricsImportForm,
    RateCardForm,
    RpmRateForm,
    SnapshotForm,
    StrikeForm,
    UpliftForm,
    VideoForm,
)


def _creator(request: HttpRequest, pk: int) -> Creator:
    return get_for_agency(selectors.roster(agency=request.agency), request.agency, pk=pk)


def _insights_redirect(request: HttpRequest, creator: Creator) -> HttpResponse:
    return redirect("creators:insights", agency_slug=request.agency.slug, pk=creator.pk)


def insight_context(
    request: HttpRequest, creator: Creator, *, personal_data: bool, **options
) -> dict:
    """`personal_data`: whether the reader may see the creator's date of birth (the age
    rule's date, days and age), by role, or the creator themself in the portal."""
    page = insight_selectors.insight_page(agency=request.agency, creator=creator, **options)
    page = page.redacted(personal_data=personal_data)
    return {
        "creator": creator,
        "page": page,
        "charts": history_charts(page.history),
        "expected_bonuses": expected_bonuses(
            agency=request.agency, creator=creator, now=timezone.now()
        ),
    }


@agency_view(allow=INSIGHTS_VIEW)
@require_GET
def creator_insights(request: HttpRequest, pk: int) -> HttpResponse:
    creator = _creator(request, pk)
    personal_data = request.membership.role in PERSONAL_DATA_VIEW
    context = insight_context(request, creator, personal_data=personal_data)
    can_edit = request.membership.role in METRICS_EDIT
    context.update(
        {
            "can_edit": can_edit,
            "strikes": insight_selectors.creator_strikes(agency=request.agency, creator=creator),
            "snapshots": insight_selectors.recent_snapshots(agency=request.agency, creator=creator),
        }
    )
    return render(request, "creators/insights.html", context)


# --- manual entry ---------------------------------------------------------------------------


@agency_view(allow=METRICS_EDIT)
@require_http_methods(["GET", "POST"])
def snapshot_create(request: HttpRequest, pk: int) -> HttpResponse:
    creator = _creator(request, pk)
    today = insight_selectors.agency_today(request.agency)
    form = SnapshotForm(request.POST or None, creator=creator, initial={"date": today})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        account = data.pop("account")
        try:
            _snap, created = insight_services.account_snapshot_record(
                account=account, actor=request.user, **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The figures were recorded.") if created else _("The figures were updated."),
            )
            return _insights_redirect(request, creator)
    context = {"form": form, "creator": creator, "title": _("Record account figures")}
    return render(request, "creators/insight_form.html", context)


@agency_view(allow=METRICS_EDIT)
@require_http_methods(["GET", "POST"])
def video_create(request: HttpRequest, pk: int) -> HttpResponse:
    creator = _creator(request, pk)
    form = VideoForm(request.POST or None, creator=creator)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        account = data.pop("account")
        # A datetime-local input has no zone: what was typed is the agency's local time (the
        # form read it in the request's zone, so take the wall-clock time back out).
        posted_at = timezone.make_aware(
            timezone.make_naive(data.pop("posted_at")), request.agency.tzinfo
        )
        try:
            _video, created = insight_services.video_record(
                account=account, actor=request.user, posted_at=posted_at, **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The video was recorded.") if created else _("The video was updated.")
            )
            return _insights_redirect(request, creator)
    context = {"form": form, "creator": creator, "title": _("Record a video")}
    return render(request, "creators/insight_form.html", context)


@agency_view(allow=METRICS_EDIT)
@require_http_methods(["GET", "POST"])
def strike_create(request: HttpRequest, pk: int) -> HttpResponse:
    creator = _creator(request, pk)
    today = insight_selectors.agency_today(request.agency)
    form = StrikeForm(request.POST or None, initial={"date": today})
    if request.method == "POST" and form.is_valid():
        try:
            insight_services.policy_strike_add(
                creator=creator, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The policy strike was recorded."))
            return _insights_redirect(request, creator)
    context = {"form": form, "creator": creator, "title": _("Record a policy strike")}
    return render(request, "creators/insight_form.html", context)


@agency_view(allow=METRICS_EDIT)
@require_POST
def strike_resolve(request: HttpRequest, pk: int, strike_pk: int) -> HttpResponse:
    strike = get_for_agency(
        PolicyStrike.objects.select_related("creator"), request.agency, pk=strike_pk, creator_id=pk
    )
    try:
        insight_services.policy_strike_resolve(strike=strike, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The strike is marked resolved."))
    return _insights_redirect(request, strike.creator)


# --- CSV import -------------------------------------------------------------------------------


def _import_context(form: MetricsImportForm, **extra) -> dict:
    return {
        "form": form,
        "kinds": [
            (metrics_import.ACCOUNTS, _("Account figures"), metrics_import.ACCOUNT_COLUMNS),
            (metrics_import.VIDEOS, _("Videos"), metrics_import.VIDEO_COLUMNS),
        ],
        "max_rows": settings.CSV_IMPORT_MAX_ROWS,
        "max_kb": settings.CSV_IMPORT_MAX_BYTES // 1024,
        "errors": [],
        "more_errors": 0,
        "ignored_columns": [],
        **extra,
    }


@agency_view(allow=METRICS_EDIT)
@require_http_methods(["GET", "POST"])
def metrics_import_view(request: HttpRequest) -> HttpResponse:
    form = MetricsImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "creators/metrics_import.html", _import_context(form))
    upload = form.cleaned_data["file"]
    parsed = metrics_import.parse_creator_metrics_csv(
        upload.read(),
        kind=form.cleaned_data["kind"],
        tz=request.agency.tzinfo,
        max_bytes=settings.CSV_IMPORT_MAX_BYTES,
        max_rows=settings.CSV_IMPORT_MAX_ROWS,
    )
    try:
        summary = metrics_import.metrics_import(
            agency=request.agency, actor=request.user, parsed=parsed, filename=upload.name
        )
    except metrics_import.MetricsImportError as exc:
        context = _import_context(
            form,
            errors=exc.errors[:MAX_ERRORS_SHOWN],
            more_errors=max(0, len(exc.errors) - MAX_ERRORS_SHOWN),
            ignored_columns=parsed.ignored_columns,
        )
        return render(request, "creators/metrics_import.html", context)
    messages.success(
        request,
        _("Import done: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.")
        % {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged},
    )
    if parsed.ignored_columns:
        messages.warning(
            request,
            _("These columns were not recognised and were ignored: %(columns)s.")
            % {"columns": ", ".join(parsed.ignored_columns)},
        )
    return redirect("creators:list", agency_slug=request.agency.slug)


@agency_view(allow=METRICS_EDIT)
@require_GET
def metrics_import_template(request: HttpRequest) -> HttpResponse:
    """`?kind=accounts` (default) or `?kind=videos`."""
    kind = request.GET.get("kind") or metrics_import.ACCOUNTS
    if kind not in metrics_import.KINDS:
        raise Http404
    header, rows = metrics_import.template_rows(kind)
    return csv_streaming_response(f"talentdesk-{kind}-template.csv", header, rows)


# --- rate card and RPM table -------------------------------------------------------------------


@agency_view(allow=INSIGHTS_VIEW, write=RATE_CARD_EDIT)
@require_http_methods(["GET", "POST"])
def rate_card(request: HttpRequest) -> HttpResponse:
    """Everyone on the staff reads the rate card; the owner edits it."""
    bands = rate_cards.rate_card(agency=request.agency)
    can_edit = request.can_write
    form = RateCardForm(request.POST or None, bands=bands) if can_edit else None
    if request.method == "POST" and form.is_valid():
        try:
            rate_cards.rate_card_update(
                agency=request.agency,
                actor=request.user,
                tiers=form.tiers(),
                currency=form.cleaned_data["currency"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The rate card was saved."))
            return redirect("creators:rate-card", agency_slug=request.agency.slug)
    context = {"bands": bands, "form": form, "can_edit": can_edit}
    return render(request, "creators/rate_card.html", context)


def _rpm_context(request: HttpRequest, **forms) -> dict:
    can_edit = request.can_write
    context = {
        "rates": insight_selectors.rpm_table(agency=request.agency),
        "uplift": insight_selectors.q4_uplift(agency=request.agency),
        "defaults": insight_selectors.default_rpm_rows(),
        "can_edit": can_edit,
        "rpm_form": None,
        "uplift_form": None,
    }
    if can_edit:
        context["rpm_form"] = forms.get("rpm_form") or RpmRateForm(agency=request.agency)
        context["uplift_form"] = forms.get("uplift_form") or UpliftForm(
            initial={"q4_uplift": context["uplift"]}
        )
    return context


@agency_view(allow=INSIGHTS_VIEW, write=RPM_EDIT)
@require_http_methods(["GET", "POST"])
def rpm_table(request: HttpRequest) -> HttpResponse:
    """The RPM table: staff read it; the owner sets a rate (POST)."""
    if request.method == "GET":
        return render(request, "creators/rpm.html", _rpm_context(request))
    form = RpmRateForm(request.POST, agency=request.agency)
    if form.is_valid():
        try:
            insight_services.rpm_rate_set(
                agency=request.agency, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The RPM was saved."))
            return redirect("creators:rpm", agency_slug=request.agency.slug)
    return render(request, "creators/rpm.html", _rpm_context(request, rpm_form=form))


@agency_view(allow=RPM_EDIT)
@require_POST
def rpm_delete(request: HttpRequest, rate_pk: int) -> HttpResponse:
    rate = get_for_agency(RpmRate, request.agency, pk=rate_pk)
    insight_services.rpm_rate_remove(rate=rate, actor=request.user)
    messages.success(request, _("The RPM row was removed."))
    return redirect("creators:rpm", agency_slug=request.agency.slug)


@agency_view(allow=RPM_EDIT)
@require_POST
def rpm_uplift(request: HttpRequest) -> HttpResponse:
    form = UpliftForm(request.POST)
    if form.is_valid():
        try:
            insight_services.insight_settings_update(
                agency=request.agency, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The Q4 uplift was saved."))
            return redirect("creators:rpm", agency_slug=request.agency.slug)
    return render(request, "creators/rpm.html", _rpm_context(request, uplift_form=form))
