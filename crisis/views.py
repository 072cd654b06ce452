"""Crisis pages: the overview with frozen deliverables, the reply library, the drills."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.tenancy import agency_view, get_for_agency
from core.formflow import add_service_errors, submit_form
from creators.insights.selectors import agency_today
from moderation.policies import moderation_settings_get

from . import permissions as perms
from . import selectors, services
from .forms import DrillForm, ReplyForm, ReplySearchForm
from .models import CrisisReply, FrozenDeliverable

PAGE_SIZE = 25


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@agency_view(allow=perms.VIEW)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Crisis mode's state and the deliverables it froze: waiting for release first."""
    settings_row = moderation_settings_get(agency=request.agency)
    context = {
        "crisis": settings_row.crisis_mode,
        "crisis_since": settings_row.crisis_since,
        "page_obj": _page(request, selectors.frozen_list(request.agency)),
        "can_run": request.membership.role in perms.CRISIS_RUN,
        "waiting": FrozenDeliverable.objects.filter(
            agency=request.agency, released_at__isnull=True
        ).count(),
        "last_drill": selectors.drill_list(request.agency).first(),
    }
    return render(request, "crisis/index.html", context)


@agency_view(allow=perms.CRISIS_RUN)
@require_POST
def frozen_release(request: HttpRequest, pk: int) -> HttpResponse:
    frozen = get_for_agency(FrozenDeliverable, request.agency, pk=pk)
    try:
        services.frozen_release(frozen=frozen, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Released: the deliverable may be posted again."))
    return redirect("crisis:index", agency_slug=request.agency.slug)


@agency_view(allow=perms.CRISIS_RUN)
@require_POST
def frozen_release_all(request: HttpRequest) -> HttpResponse:
    try:
        count = services.frozen_release_all(agency=request.agency, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext("%(n)d deliverable released.", "%(n)d deliverables released.", count)
            % {"n": count},
        )
    return redirect("crisis:index", agency_slug=request.agency.slug)


@agency_view(allow=perms.VIEW, write=perms.LIBRARY_EDIT)
@require_http_methods(["GET", "POST"])
def replies(request: HttpRequest) -> HttpResponse:
    """The library: search, and a new reply (policy editors)."""
    services.crisis_replies_ensure(agency=request.agency)
    form = ReplyForm(request.POST or None)
    if request.method == "POST":
        done = submit_form(
            request,
            form,
            lambda data: services.crisis_reply_create(
                agency=request.agency, actor=request.user, **data
            ),
            success=_("Crisis reply added."),
            redirect_to=reverse("crisis:replies", kwargs={"agency_slug": request.agency.slug}),
        )
        if done:
            return done
    search = ReplySearchForm(request.GET or None)
    query = search.cleaned_data if search.is_valid() else {}
    rows = selectors.reply_list(
        request.agency, language=query.get("language", ""), q=query.get("q", "")
    )
    context = {
        "form": form,
        "search": search,
        "searching": bool(query.get("q") or query.get("language")),
        "page_obj": _page(request, rows),
        "can_edit": request.can_write,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "crisis/replies.html", context, status=status)


@agency_view(allow=perms.LIBRARY_EDIT)
@require_http_methods(["GET", "POST"])
def reply_edit(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_for_agency(CrisisReply, request.agency, pk=pk)
    form = ReplyForm(
        request.POST or None,
        initial={"language": reply.language, "title": reply.title, "text": reply.text},
    )
    done = submit_form(
        request,
        form,
        lambda data: services.crisis_reply_update(reply=reply, actor=request.user, changes=data),
        success=_("Crisis reply saved."),
        redirect_to=reverse("crisis:replies", kwargs={"agency_slug": request.agency.slug}),
    )
    if done:
        return done
    status = 400 if request.method == "POST" else 200
    return render(request, "crisis/reply_edit.html", {"form": form, "reply": reply}, status=status)


@agency_view(allow=perms.LIBRARY_EDIT)
@require_POST
def reply_delete(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_for_agency(CrisisReply, request.agency, pk=pk)
    services.crisis_reply_delete(reply=reply, actor=request.user)
    messages.success(request, _("Crisis reply deleted."))
    return redirect("crisis:replies", agency_slug=request.agency.slug)


@agency_view(allow=perms.VIEW)
@require_GET
def drills(request: HttpRequest) -> HttpResponse:
    context = {
        "page_obj": _page(request, selectors.drill_list(request.agency)),
        "can_run": request.membership.role in perms.CRISIS_RUN,
    }
    return render(request, "crisis/drills.html", context)


@agency_view(allow=perms.CRISIS_RUN)
@require_http_methods(["GET", "POST"])
def drill_create(request: HttpRequest) -> HttpResponse:
    members = list(services.staff_members(request.agency))
    form = DrillForm(
        request.POST or None,
        members=members,
        initial={"held_on": agency_today(request.agency), "participants": [request.user.pk]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            drill = services.drill_create(
                agency=request.agency,
                actor=request.user,
                held_on=data["held_on"],
                scenario=data["scenario"],
                outcome=data["outcome"],
                participants=[int(pk) for pk in data["participants"]],
                level_minutes=form.level_minutes(),
                notes=data["notes"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Drill recorded."))
            return redirect("crisis:drill", agency_slug=request.agency.slug, pk=drill.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "crisis/drill_form.html", {"form": form}, status=status)


@agency_view(allow=perms.VIEW)
@require_GET
def drill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    drill = get_for_agency(selectors.drill_detail_queryset(request.agency), request.agency, pk=pk)
    return render(request, "crisis/drill_detail.html", {"drill": drill})
