"""Program application pages: the agency's applications (or one creator's), recording an
application, its checklist, the decision, a withdrawal and the agency's wait before
re-applying. Thin: parse, authorise (`agency_view`), call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.tenancy import agency_view, get_for_agency
from core.formflow import submit_form

from . import applications
from .application_forms import (
    ApplicationEditForm,
    ApplicationFilterForm,
    ApplicationForm,
    DecisionForm,
    ReapplyWaitForm,
)
from .insights.selectors import agency_today
from .models import Creator, ProgramApplication
from .permissions import (
    APPLICATIONS_EDIT,
    APPLICATIONS_VIEW,
    PERSONAL_DATA_VIEW,
    REAPPLY_WAIT_EDIT,
)

PAGE_SIZE = 50


def _creator(request: HttpRequest, pk: int) -> Creator:
    return get_for_agency(Creator, request.agency, pk=pk)


def _application(request: HttpRequest, pk: int) -> ProgramApplication:
    return get_for_agency(
        ProgramApplication.objects.select_related("creator"), request.agency, pk=pk
    )


def _list_url(request: HttpRequest, creator: Creator | None = None) -> str:
    if creator is not None:
        return reverse(
            "creators:creator-applications",
            kwargs={"agency_slug": request.agency.slug, "pk": creator.pk},
        )
    return reverse("creators:applications", kwargs={"agency_slug": request.agency.slug})


@agency_view(allow=APPLICATIONS_VIEW)
@require_GET
def application_list(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The agency's applications, or one creator's (`pk`), with their checklist, expected
    decision date, outcome and re-application date."""
    creator = _creator(request, pk) if pk is not None else None
    filters = ApplicationFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    queryset = applications.application_list(
        agency=request.agency,
        creator=creator,
        outcome=chosen.get("outcome", ""),
        program=chosen.get("program", ""),
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    role = request.membership.role
    personal_data = role in PERSONAL_DATA_VIEW
    rows = applications.application_rows(
        page.object_list, today=agency_today(request.agency), personal_data=personal_data
    )
    context = {
        "creator": creator,
        "filters": filters,
        "page_obj": page,
        "rows": rows,
        "personal_data": personal_data,
        "can_edit": role in APPLICATIONS_EDIT,
        "wait_form": ReapplyWaitForm(
            initial={
                "reapply_wait_days": applications.agency_reapply_wait_days(agency=request.agency)
            }
        )
        if role in REAPPLY_WAIT_EDIT and creator is None
        else None,
    }
    return render(request, "creators/applications/list.html", context)


@agency_view(allow=APPLICATIONS_EDIT)
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest, pk: int) -> HttpResponse:
    creator = _creator(request, pk)
    form = ApplicationForm(
        request.POST or None, initial={"submitted_on": agency_today(request.agency)}
    )
    done = submit_form(
        request,
        form,
        lambda data: applications.application_submit(creator=creator, actor=request.user, **data),
        success=_("The application was recorded."),
        redirect_to=_list_url(request, creator),
    )
    if done:
        return done
    context = {
        "form": form,
        "creator": creator,
        "title": _("Record a program application"),
        "back": _list_url(request, creator),
    }
    return render(request, "creators/applications/form.html", context)


@agency_view(allow=APPLICATIONS_EDIT)
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    initial = {
        name: getattr(application, name)
        for name in ("review_weeks", *applications.CHECKLIST_FIELDS)
    }
    form = ApplicationEditForm(request.POST or None, initial=initial)
    done = submit_form(
        request,
        form,
        lambda data: applications.application_update(
            application=application, actor=request.user, **data
        ),
        success=_("The application was updated."),
        redirect_to=_list_url(request, application.creator),
    )
    if done:
        return done
    context = {
        "form": form,
        "creator": application.creator,
        "application": application,
        "title": _("Checklist of the application"),
        "back": _list_url(request, application.creator),
    }
    return render(request, "creators/applications/form.html", context)


@agency_view(allow=APPLICATIONS_EDIT)
@require_http_methods(["GET", "POST"])
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    form = DecisionForm(request.POST or None, initial={"decided_on": agency_today(request.agency)})
    done = submit_form(
        request,
        form,
        lambda data: applications.application_decide(
            application=application, actor=request.user, **data
        ),
        success=_("The decision was recorded."),
        redirect_to=_list_url(request, application.creator),
    )
    if done:
        return done
    context = {
        "form": form,
        "creator": application.creator,
        "application": application,
        "title": _("Record the decision"),
        "back": _list_url(request, application.creator),
    }
    return render(request, "creators/applications/form.html", context)


@agency_view(allow=APPLICATIONS_EDIT)
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    try:
        applications.application_withdraw(application=application, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The application is marked withdrawn."))
    return redirect(_list_url(request, application.creator))


@agency_view(allow=REAPPLY_WAIT_EDIT)
@require_POST
def reapply_wait(request: HttpRequest) -> HttpResponse:
    form = ReapplyWaitForm(request.POST)
    if form.is_valid():
        try:
            applications.reapply_wait_set(
                agency=request.agency,
                actor=request.user,
                days=form.cleaned_data["reapply_wait_days"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The wait before re-applying was saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(_list_url(request))
