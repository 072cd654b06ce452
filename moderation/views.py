"""HTML pages: review queue, case detail, policies, SLA settings, outbox, import, portal."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.tenancy import agency_view, get_for_agency
from creators.models import Creator

from . import permissions as perms
from . import selectors
from .cases import case_act, case_reply
from .crisis_hooks import crisis_replies
from .filters import MessageFilter
from .forms import (
    CaseActionForm,
    CaseFilterForm,
    CaseReplyForm,
    CsvImportForm,
    HolidayForm,
    PolicyCreateForm,
    PolicyEditor,
    PolicyPreviewForm,
    SlaRuleForm,
)
from .inbound import PayloadError, messages_ingest, parse_messages_csv
from .models import Case, CaseStatus, Holiday, Level, MessageSource, Policy, SlaRule
from .policies import (
    crisis_mode_set,
    holiday_add,
    holiday_delete,
    moderation_settings_get,
    policy_create,
    policy_version_publish,
    sla_rule_update,
    sla_rules_ensure,
)
from .rules import default_rules
from .triage import policy_preview as preview_decision

PAGE_SIZE = 50


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@agency_view(allow=perms.QUEUE)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or {"status": CaseStatus.OPEN})
    form.is_valid()
    data = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_queue(
        request.agency,
        status=data.get("status", ""),
        level=data.get("level", ""),
        overdue=data.get("overdue", False),
        now=timezone.now(),
    )
    if request.GET.get("mine"):
        cases = cases.filter(assignee=request.user)
    context = {
        "form": form,
        "page_obj": _page(request, cases),
        "now": timezone.now(),
        "crisis": moderation_settings_get(agency=request.agency).crisis_mode,
        "notifications": selectors.notifications_for(request.agency, request.user),
    }
    return render(request, "moderation/queue.html", context)


@agency_view(allow=perms.QUEUE)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Every inbound message, flagged or not, with what was decided and why."""
    message_filter = MessageFilter(
        request.GET or None,
        queryset=selectors.inbox_messages(request.agency),
        request=request,
        creators=selectors.inbox_creators(request.agency),
    )
    filtered = bool(message_filter.is_bound and message_filter.form.has_changed())
    context = {
        "filter": message_filter,
        "page_obj": _page(request, message_filter.qs),
        "filtered": filtered,
    }
    return render(request, "moderation/inbox.html", context)


@agency_view(allow=perms.QUEUE)
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_for_agency(
        Case.objects.select_related("message__contact", "assignee", "creator"),
        request.agency,
        pk=pk,
    )
    return _case_page(request, case)


def _crisis_replies(agency, case: Case) -> list:
    """The crisis library for a Legal / PR case while crisis mode is on (the only cases
    that may answer then; moderation/crisis_hooks.py), else nothing."""
    if case.level != Level.LEGAL_PR:
        return []
    if not moderation_settings_get(agency=agency).crisis_mode:
        return []
    return crisis_replies(agency=agency)


def _case_page(request: HttpRequest, case: Case, reply_form=None, status: int = 200):
    context = {
        "case": case,
        "now": timezone.now(),
        "events": case.events.select_related("actor"),
        "form": CaseActionForm(agency=request.agency, initial={"assignee": case.assignee_id or ""}),
        "reply_form": reply_form
        or CaseReplyForm(prefix="reply", crisis_replies=_crisis_replies(request.agency, case)),
        "actions": (
            case.message.actions.select_related("policy_version__policy") if case.message else []
        ),
    }
    return render(request, "moderation/case.html", context, status=status)


@agency_view(allow=perms.CASE_ACT)
@require_POST
def case_reply_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer the case's message from the creator's account, through the outbox."""
    case = get_for_agency(
        Case.objects.select_related("message__contact", "assignee", "creator"),
        request.agency,
        pk=pk,
    )
    form = CaseReplyForm(
        request.POST, prefix="reply", crisis_replies=_crisis_replies(request.agency, case)
    )
    if form.is_valid():
        try:
            case_reply(case=case, actor=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Reply sent through the outbox."))
            return redirect("moderation:case", agency_slug=request.agency.slug, pk=case.pk)
    return _case_page(request, case, reply_form=form, status=400)


@agency_view(allow=perms.CASE_ACT)
@require_POST
def case_action(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_for_agency(Case, request.agency, pk=pk)
    form = CaseActionForm(request.POST, agency=request.agency)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return redirect("moderation:case", agency_slug=request.agency.slug, pk=case.pk)
    user_id = form.cleaned_data["assignee"]
    try:
        case_act(
            case=case,
            actor=request.user,
            action=form.cleaned_data["action"],
            text=form.cleaned_data["text"],
            assignee=get_user_model().objects.filter(pk=user_id).first() if user_id else None,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Case updated."))
    return redirect("moderation:case", agency_slug=request.agency.slug, pk=case.pk)


@agency_view(allow=perms.POLICY_VIEW, write=perms.POLICY_EDIT)
@require_http_methods(["GET", "POST"])
def policies(request: HttpRequest) -> HttpResponse:
    form = PolicyCreateForm(request.POST or None, initial={"name": _("Default policy")})
    if request.method == "POST":
        creator = None
        if request.POST.get("creator"):
            creator = get_for_agency(Creator, request.agency, pk=request.POST["creator"])
        if form.is_valid():
            try:
                # A new policy starts from the default rules; the editor changes them.
                policy = policy_create(
                    agency=request.agency,
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    creator=creator,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Policy created."))
                return redirect("moderation:policy", agency_slug=request.agency.slug, pk=policy.pk)
    context = {
        "policies": selectors.policy_list(request.agency),
        "form": form,
        "can_edit": request.can_write,
        "creators": Creator.objects.for_agency(request.agency).only("id", "display_name"),
    }
    return render(request, "moderation/policies.html", context)


def _policy(request: HttpRequest, pk: int) -> Policy:
    return get_for_agency(
        Policy.objects.select_related("current_version", "creator"), request.agency, pk=pk
    )


@agency_view(allow=perms.POLICY_VIEW, write=perms.POLICY_EDIT)
@require_http_methods(["GET", "POST"])
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The policy editor: settings, categories and intents as form fields; saving publishes
    a new immutable version."""
    policy = _policy(request, pk)
    current = policy.current_version
    editor = PolicyEditor(
        request.POST if request.method == "POST" else None,
        rules=current.rules if current else default_rules(),
    )
    status = 200
    if request.method == "POST":
        if editor.is_valid():
            version = policy_version_publish(
                policy=policy,
                actor=request.user,
                rules=editor.rules,
                note=editor.settings.cleaned_data["note"],
            )
            messages.success(request, _("Saved as version %(n)d.") % {"n": version.number})
            return redirect("moderation:policy", agency_slug=request.agency.slug, pk=policy.pk)
        status = 400
    context = {
        "policy": policy,
        "editor": editor,
        "preview_form": PolicyPreviewForm(),
        "can_edit": request.can_write,
        "versions": policy.versions.select_related("created_by")[:20],
    }
    return render(request, "moderation/policy.html", context, status=status)


@agency_view(allow=perms.POLICY_VIEW)
@require_POST
def policy_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The "test this comment" box (htmx): what the policy as edited on the page would do with a
    message, and why. Nothing is saved, queued or sent. Without editor fields in the
    request (a role that may only read) the current version is tested."""
    policy = _policy(request, pk)
    form = PolicyPreviewForm(request.POST)
    context = {"form": form, "preview": None, "editor_error": ""}
    rules = policy.current_version.rules if policy.current_version else default_rules()
    if "policy-delay_min" in request.POST:
        editor = PolicyEditor(request.POST)
        if editor.is_valid():
            rules = editor.rules
        else:
            context["editor_error"] = editor.error or _(
                "The policy has errors; fix them to test a comment against it."
            )
    if form.is_valid() and not context["editor_error"]:
        context["preview"] = preview_decision(
            rules=rules,
            text=form.cleaned_data["sample"],
            kind=form.cleaned_data["sample_kind"],
        )
    status = 200 if context["preview"] else 400
    return render(request, "moderation/_policy_preview.html", context, status=status)


@agency_view(allow=perms.SLA_EDIT)
@require_http_methods(["GET", "POST"])
def sla_settings(request: HttpRequest) -> HttpResponse:
    rules = sla_rules_ensure(agency=request.agency)
    forms_by_level = {}
    holiday_form = HolidayForm(prefix="holiday")
    if request.method == "POST":
        if "holiday-date" in request.POST:
            holiday_form = HolidayForm(request.POST, prefix="holiday")
            if holiday_form.is_valid():
                try:
                    holiday_add(
                        agency=request.agency, actor=request.user, **holiday_form.cleaned_data
                    )
                except ValidationError as exc:
                    holiday_form.add_error("date", exc.messages[0])
                else:
                    messages.success(request, _("Holiday added."))
                    return redirect("moderation:settings", agency_slug=request.agency.slug)
        elif "delete-holiday" in request.POST:
            holiday = get_for_agency(Holiday, request.agency, pk=request.POST["delete-holiday"])
            holiday_delete(holiday=holiday, actor=request.user)
            messages.success(request, _("Holiday removed."))
            return redirect("moderation:settings", agency_slug=request.agency.slug)
        else:
            rule = get_for_agency(SlaRule, request.agency, pk=request.POST.get("rule"))
            form = SlaRuleForm(request.POST, agency=request.agency, prefix=f"level{rule.level}")
            forms_by_level[rule.level] = form
            if form.is_valid():
                user_id = form.cleaned_data["assignee"]
                assignee = get_user_model().objects.filter(pk=user_id).first() if user_id else None
                sla_rule_update(
                    rule=rule,
                    actor=request.user,
                    minutes=form.cleaned_data["minutes"],
                    assignee=assignee,
                )
                messages.success(request, _("SLA saved."))
                return redirect("moderation:settings", agency_slug=request.agency.slug)
    rows = [
        (
            rule,
            forms_by_level.get(rule.level)
            or SlaRuleForm(
                agency=request.agency,
                prefix=f"level{rule.level}",
                initial={"minutes": rule.minutes, "assignee": rule.assignee_id or ""},
            ),
        )
        for rule in rules
    ]
    context = {
        "rows": rows,
        "holidays": Holiday.objects.filter(agency=request.agency),
        "holiday_form": holiday_form,
        "moderation_settings": moderation_settings_get(agency=request.agency),
    }
    return render(request, "moderation/settings.html", context)


@agency_view(allow=perms.CRISIS)
@require_POST
def crisis(request: HttpRequest) -> HttpResponse:
    enabled = request.POST.get("enabled") == "1"
    cancelled = crisis_mode_set(agency=request.agency, actor=request.user, enabled=enabled)
    if enabled:
        messages.warning(
            request,
            _(
                "Crisis mode is on: promotional automation is frozen "
                "(%(n)d pending replies cancelled)."
            )
            % {"n": cancelled},
        )
    else:
        messages.success(request, _("Crisis mode is off."))
    return redirect("moderation:queue", agency_slug=request.agency.slug)


@agency_view(allow=perms.QUEUE)
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "moderation/outbox.html",
        {"page_obj": _page(request, selectors.outbox_list(request.agency))},
    )


@agency_view(allow=perms.MESSAGE_IMPORT)
@require_http_methods(["GET", "POST"])
def message_import(request: HttpRequest) -> HttpResponse:

    form = CsvImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.CSV_IMPORT_MAX_BYTES:
            form.add_error("file", _("The file is larger than the import limit."))
        elif not upload.name.lower().endswith(".csv"):
            form.add_error("file", _("Upload a .csv file."))
        else:
            try:
                parsed = parse_messages_csv(upload.read())
            except PayloadError as exc:
                form.add_error("file", exc.summary)
            else:
                result = messages_ingest(
                    agency=request.agency,
                    messages=parsed,
                    source=MessageSource.CSV,
                    actor=request.user,
                )
                messages.success(
                    request,
                    _("%(n)d messages imported, %(d)d already known.")
                    % {"n": len(result.created), "d": result.duplicates},
                )
                return redirect("moderation:queue", agency_slug=request.agency.slug)
    return render(request, "moderation/import.html", {"form": form})


@agency_view(allow=perms.PORTAL)
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    creator = Creator.objects.for_agency(request.agency).filter(user=request.user).first()
    if creator is None:
        raise Http404
    cases = selectors.creator_cases(request.agency, creator)
    return render(request, "moderation/portal.html", {"page_obj": _page(request, cases)})
