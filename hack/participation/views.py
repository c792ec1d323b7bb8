"""The participation figures (参加者数): the public page, the coordinators'
dashboard with lead times, and the target editor.

The pages take no query parameters: whatever is appended to the URL is ignored.
Every manage view checks the role itself; anyone but a coordinator gets 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hack.accounts.roles import is_coordinator
from hack.accounts.views import add_service_errors

from . import charts, selectors, services
from . import periods as fiscal
from .forms import TargetAddForm, TargetEditForm
from .models import ParticipationTarget
from .selectors import FUNNEL_STEPS, LEAD_STEPS


def _require_coordinator(user) -> None:
    if not is_coordinator(user):
        raise PermissionDenied(_("This page is for coordinators."))


def _figures_context() -> dict:
    figures = selectors.get_figures()
    return {
        "figures": figures,
        "cumulative_chart": charts.cumulative_chart(figures.participants),
        "funnel_chart": charts.funnel_chart(figures.funnel),
        "funnel_totals": selectors.funnel_totals(figures.funnel),
        "funnel_steps": FUNNEL_STEPS,
    }


@require_GET
def figures(request):
    return render(request, "participation/figures.html", _figures_context())


@never_cache
@login_required
@require_GET
def dashboard(request):
    _require_coordinator(request.user)
    return render(
        request,
        "participation/dashboard.html",
        {
            **_figures_context(),
            "lead_times": selectors.lead_times(),
            "lead_steps": LEAD_STEPS,
        },
    )


def _target_list_context(**extra) -> dict:
    targets = list(selectors.list_targets())
    current = fiscal.current_fiscal_year()
    rows = [
        {
            "target": target,
            "state": fiscal.state_of(target.fiscal_year, current),
            "name": services.period_name(target),
        }
        for target in targets
    ]
    return {
        "rows": rows,
        "current_year_name": fiscal.fiscal_year_label(current),
        "current_has_target": any(t.fiscal_year == current for t in targets),
        **extra,
    }


@never_cache
@login_required
@require_GET
def target_list(request):
    _require_coordinator(request.user)
    return render(request, "participation/target_list.html", _target_list_context())


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request, pk):
    _require_coordinator(request.user)
    target = get_object_or_404(ParticipationTarget, pk=pk)
    ended = target.fiscal_year < fiscal.current_fiscal_year()
    if request.method == "POST" and not ended:
        form = TargetEditForm(request.POST)
        if form.is_valid():
            try:
                services.update_participation_target(
                    target=target,
                    by=request.user,
                    cumulative_target=form.cleaned_data["cumulative_target"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The target of %(period)s is now %(target)s participants.")
                    % {
                        "period": services.period_name(target),
                        "target": f"{form.cleaned_data['cumulative_target']:,}",
                    },
                )
                return redirect("participation:target-list")
    else:
        form = TargetEditForm(initial={"cumulative_target": target.cumulative_target})
    # A post to a period that has ended changes nothing: the page says why.
    status = 400 if form.errors or (ended and request.method == "POST") else 200
    return render(
        request,
        "participation/target_form.html",
        {
            "form": form,
            "target": target,
            "ended": ended,
            "name": services.period_name(target),
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def target_add(request):
    _require_coordinator(request.user)
    if request.method == "POST":
        form = TargetAddForm(request.POST)
        if form.is_valid():
            try:
                target = services.add_participation_target(
                    by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(period)s was added with a target of %(target)s participants.")
                    % {
                        "period": services.period_name(target),
                        "target": f"{target.cumulative_target:,}",
                    },
                )
                return redirect("participation:target-list")
    else:
        form = TargetAddForm(
            initial=services.suggest_next_target(list(selectors.list_targets()))
        )
    status = 400 if form.errors else 200
    return render(
        request,
        "participation/target_form.html",
        {"form": form, "adding": True},
        status=status,
    )
