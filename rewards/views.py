"""Bonus pages: a campaign's pools and rules (list, create, edit, delete), the awards list,
and "evaluate now". Thin: parse, authorise (rewards/permissions.py), call one service or
selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.tasking import enqueue_on_commit
from agencies.tenancy import agency_view, get_for_agency
from campaigns.models import Campaign
from core.formflow import submit_form

from . import selectors, services
from .filters import AwardFilter
from .forms import PoolForm, RuleForm
from .models import BonusPool, BonusRule
from .permissions import REWARDS_EDIT, REWARDS_VIEW

PAGE_SIZE = 50


def _campaign_url(request: HttpRequest, campaign_id: int) -> str:
    return reverse(
        "rewards:campaign", kwargs={"agency_slug": request.agency.slug, "pk": campaign_id}
    )


def _form_page(request, form, *, title: str, intro: str, back: str) -> HttpResponse:
    return render(
        request,
        "rewards/form.html",
        {"form": form, "title": title, "intro": intro, "back": back},
        status=400 if form.errors else 200,
    )


@agency_view(allow=REWARDS_VIEW)
@require_GET
def campaign_bonuses(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's bonus pools, each with its rules and what is left of it."""
    campaign = get_for_agency(Campaign.objects.select_related("contract"), request.agency, pk=pk)
    return render(
        request,
        "rewards/campaign.html",
        {
            "campaign": campaign,
            "pools": selectors.campaign_pools(campaign=campaign),
            "can_edit": request.membership.role in REWARDS_EDIT,
        },
    )


@agency_view(allow=REWARDS_EDIT)
@require_http_methods(["GET", "POST"])
def pool_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_for_agency(Campaign, request.agency, pk=pk)
    form = PoolForm(
        request.POST or None,
        initial={
            "currency": campaign.currency,
            "period_start": campaign.start_date,
            "period_end": campaign.end_date,
        },
    )
    back = _campaign_url(request, campaign.pk)
    done = submit_form(
        request,
        form,
        lambda data: services.pool_create(
            agency=request.agency, actor=request.user, data={**data, "campaign": campaign}
        ),
        success=_("Bonus pool created. Now add the rules that award it."),
        redirect_to=back,
    )
    return done or _form_page(
        request,
        form,
        title=_("New bonus pool for %(code)s") % {"code": campaign.code},
        intro=_("Money the sponsor sets aside for bonuses on the assets posted in the period."),
        back=back,
    )


@agency_view(allow=REWARDS_EDIT)
@require_http_methods(["GET", "POST"])
def pool_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_for_agency(BonusPool.objects.select_related("campaign"), request.agency, pk=pk)
    form = PoolForm(request.POST or None, initial=PoolForm.initial_from(pool))
    back = _campaign_url(request, pool.campaign_id)
    done = submit_form(
        request,
        form,
        lambda data: services.pool_update(pool=pool, actor=request.user, changes=data),
        success=_("Bonus pool saved."),
        redirect_to=back,
    )
    return done or _form_page(
        request,
        form,
        title=_("Edit the bonus pool %(name)s") % {"name": pool.name},
        intro=_("It cannot hold less than it has already awarded."),
        back=back,
    )


@agency_view(allow=REWARDS_EDIT)
@require_POST
def pool_delete(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_for_agency(BonusPool, request.agency, pk=pk)
    try:
        services.pool_delete(pool=pool, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Bonus pool removed."))
    return redirect(_campaign_url(request, pool.campaign_id))


@agency_view(allow=REWARDS_EDIT)
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_for_agency(BonusPool.objects.select_related("campaign"), request.agency, pk=pk)
    form = RuleForm(
        request.POST or None, initial={"window_days": pool.campaign.attribution_window_days}
    )
    back = _campaign_url(request, pool.campaign_id)
    done = submit_form(
        request,
        form,
        lambda data: services.rule_create(pool=pool, actor=request.user, data=data),
        success=_("Bonus rule added."),
        redirect_to=back,
    )
    return done or _form_page(
        request,
        form,
        title=_("New rule for %(pool)s") % {"pool": pool.name},
        intro=_(
            "Each asset of the campaign earns the bonus once, when its KPI reaches the "
            "threshold within the window after posting, as long as the pool has money left."
        ),
        back=back,
    )


@agency_view(allow=REWARDS_EDIT)
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_for_agency(BonusRule.objects.select_related("pool"), request.agency, pk=pk)
    form = RuleForm(request.POST or None, initial=RuleForm.initial_from(rule))
    back = _campaign_url(request, rule.pool.campaign_id)
    done = submit_form(
        request,
        form,
        lambda data: services.rule_update(rule=rule, actor=request.user, changes=data),
        success=_("Bonus rule saved."),
        redirect_to=back,
    )
    return done or _form_page(
        request,
        form,
        title=_("Edit the rule %(name)s") % {"name": rule.name},
        intro=_("Bonuses it already awarded keep the figures they were awarded on."),
        back=back,
    )


@agency_view(allow=REWARDS_EDIT)
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_for_agency(BonusRule.objects.select_related("pool"), request.agency, pk=pk)
    try:
        services.rule_delete(rule=rule, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Bonus rule removed."))
    return redirect(_campaign_url(request, rule.pool.campaign_id))


@agency_view(allow=REWARDS_VIEW)
@require_GET
def award_list(request: HttpRequest) -> HttpResponse:
    """Every award, filtered and sorted like the API (`?campaign=&creator=&kpi=&capped=
    &awarded_from=&awarded_to=&sort=`), 50 a page."""
    awards = AwardFilter(
        request.GET or None, queryset=selectors.award_list(agency=request.agency), request=request
    )
    queryset = awards.qs if awards.is_bound else awards.queryset.order_by("-created_at", "-pk")
    return render(
        request,
        "rewards/awards.html",
        {
            "filter_form": awards.form,
            "page_obj": Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page")),
            "filtered": bool(request.GET.dict().keys() - {"page"}),
            "can_edit": request.membership.role in REWARDS_EDIT,
        },
        status=400 if awards.is_bound and awards.errors else 200,
    )


@agency_view(allow=REWARDS_EDIT)
@require_POST
def evaluate_now(request: HttpRequest) -> HttpResponse:
    """Queue the evaluation the daily beat runs (idempotent: nothing is awarded twice)."""
    enqueue_on_commit("rewards.evaluate_agency", request.agency.pk)
    messages.success(
        request, _("The bonus evaluation is running; new awards appear here when it is done.")
    )
    return redirect(reverse("rewards:awards", kwargs={"agency_slug": request.agency.slug}))
