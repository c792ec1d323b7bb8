"""Pages for pilot projects: the list, one page per pilot, starting a pilot from
a working group or a shortlisted proposal, and the forms for goals, milestones
and results.

Every view checks the role itself (selectors), never trusting the URL: a pilot
the person may not read is 404, as if it did not exist; a pilot they may read but
not change is 403 on the forms. A rule broken (end before start, a missing
target, finishing without results) comes back from the service as a
ValidationError: the page is shown again with the message, status 400, and what
was typed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hack.accounts.roles import is_city_staff, is_coordinator
from hack.accounts.views import add_service_errors
from hack.calls.models import Proposal
from hack.needs.choices import Stage, allowed_next_stages
from hack.workspaces.models import GroupStatus, WorkingGroup
from hack.workspaces.selectors import can_manage_group, list_groups_to_manage

from . import selectors, services
from .forms import GoalForm, MilestoneForm, PilotForm, ResultsForm
from .models import Milestone, Pilot, PilotGoal, PilotStatus

NO_INDEX = {"robots": "noindex"}


def _pilot_for_reader(request, pk) -> Pilot:
    pilot = selectors.get_pilot(pk)
    if pilot is None or not selectors.can_read_pilot(request.user, pilot):
        raise Http404
    return pilot


def _pilot_for_editor(request, pk) -> Pilot:
    pilot = _pilot_for_reader(request, pk)
    if not selectors.can_edit_pilot(request.user, pilot):
        raise PermissionDenied(
            _("Only coordinators and the department in charge can change a pilot.")
        )
    return pilot


def _detail_url(pilot: Pilot, anchor: str = "") -> str:
    url = reverse("pilots:pilot-detail", args=[pilot.pk])
    return f"{url}#{anchor}" if anchor else url


def _closed_pilot(request, pilot: Pilot):
    messages.error(
        request,
        _("This pilot is %(status)s: it can no longer be changed.")
        % {"status": PilotStatus(pilot.status).label},
    )
    return redirect(_detail_url(pilot))


# The list and the pilot page ---------------------------------------------------


def _startable_groups(user):
    return (
        list_groups_to_manage(user)
        .filter(status=GroupStatus.ACTIVE, need__live=True)
        .exclude(need__stage=Stage.CLOSED)
        .order_by("-created_at")
    )


def _startable_proposals(user):
    proposals = Proposal.objects.filter(
        status__in=selectors.PILOT_PROPOSAL_STATUSES,
        call__need__live=True,
    ).select_related("call__need", "organization")
    if not is_coordinator(user):
        if user.department_id is None:
            return proposals.none()
        proposals = proposals.filter(call__need__department_id=user.department_id)
    return proposals.exclude(
        pilots__status__in=[
            PilotStatus.PLANNED,
            PilotStatus.RUNNING,
            PilotStatus.FINISHED,
        ]
    ).order_by("-decided_at", "-pk")


@login_required
@never_cache
def pilot_list(request):
    user = request.user
    pilots = selectors.list_pilots_for(user)
    staff = is_city_staff(user)
    return render(
        request,
        "pilots/pilot_list.html",
        {
            "pilots": pilots,
            "is_city_staff": staff,
            "is_coordinator": is_coordinator(user),
            "groups": _startable_groups(user) if staff else [],
            "proposals": _startable_proposals(user) if staff else [],
        },
    )


@login_required
@never_cache
def pilot_detail(request, pk):
    pilot = _pilot_for_reader(request, pk)
    user = request.user
    can_edit = selectors.can_edit_pilot(user, pilot)
    goals = list(pilot.goals.all())
    return render(
        request,
        "pilots/pilot_detail.html",
        {
            "pilot": pilot,
            "goals": goals,
            "milestones": list(pilot.milestones.all()),
            "organizations": list(pilot.organizations.all()),
            "can_edit": can_edit and pilot.is_open,
            "can_manage_need": can_edit,
            "can_finish": can_edit and pilot.is_open,
            "missing_results": [g for g in goals if g.result is None],
            "can_mark_implemented": (
                can_edit
                and pilot.status == PilotStatus.FINISHED
                and Stage.IMPLEMENTED in allowed_next_stages(pilot.need.stage)
            ),
            "can_draft_case_study": selectors.can_draft_case_study(user, pilot),
            "can_open_workspace": selectors.can_open_workspace(user, pilot),
            "need_is_public": pilot.need.live,
        },
    )


# Starting a pilot ---------------------------------------------------------------


def _source(request) -> tuple[WorkingGroup | None, Proposal | None]:
    """The group or proposal named in ?group= or ?proposal= (also kept in the
    form's hidden fields on POST). Garbage or unknown ids are 404."""
    params = request.POST if request.method == "POST" else request.GET
    group_id, proposal_id = params.get("group", ""), params.get("proposal", "")
    if group_id and not proposal_id:
        if not group_id.isdigit():
            raise Http404
        group = get_object_or_404(
            WorkingGroup.objects.select_related("need"), pk=int(group_id)
        )
        return group, None
    if proposal_id and not group_id:
        if not proposal_id.isdigit():
            raise Http404
        proposal = get_object_or_404(
            Proposal.objects.select_related("call__need", "organization"),
            pk=int(proposal_id),
        )
        return None, proposal
    raise Http404


@login_required
@never_cache
def pilot_create(request):
    group, proposal = _source(request)
    user = request.user
    if group is not None:
        if not can_manage_group(user, group):
            raise PermissionDenied(
                _("Only the group's facilitators and coordinators can start a pilot.")
            )
        need = group.need
        initial = {"title": group.title, "summary": group.purpose}
    else:
        if not selectors.can_edit_pilot_of_need(user, proposal.call.need):
            raise PermissionDenied(
                _("Only coordinators and the department in charge can start a pilot.")
            )
        need = proposal.call.need
        initial = {"title": proposal.title}
    initial["starts_on"] = timezone.localdate()
    form = PilotForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if group is not None:
                pilot = services.start_pilot_from_group(group=group, by=user, **data)
            else:
                pilot = services.start_pilot_from_proposal(
                    proposal=proposal, by=user, **data
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The pilot is set up. Add its goals and milestones next."),
            )
            return redirect(_detail_url(pilot))
    return render(
        request,
        "pilots/pilot_form.html",
        {
            "form": form,
            "pilot": None,
            "need": need,
            "group": group,
            "proposal": proposal,
            "closed_source": (
                (group is not None and group.status != GroupStatus.ACTIVE)
                or (
                    proposal is not None
                    and proposal.status not in selectors.PILOT_PROPOSAL_STATUSES
                )
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@never_cache
def pilot_edit(request, pk):
    pilot = _pilot_for_editor(request, pk)
    if not pilot.is_open:
        return _closed_pilot(request, pilot)
    form = PilotForm(
        request.POST or None,
        initial={
            "title": pilot.title,
            "summary": pilot.summary,
            "starts_on": pilot.starts_on,
            "ends_on": pilot.ends_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_pilot(pilot=pilot, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The pilot is saved."))
            return redirect(_detail_url(pilot))
    return render(
        request,
        "pilots/pilot_form.html",
        {"form": form, "pilot": pilot, "need": pilot.need},
        status=400 if request.method == "POST" else 200,
    )


# Goals and milestones -------------------------------------------------------------


def _item_form(request, *, pilot, form, item, kind, save):
    """Shared by the goal and milestone pages: show, save through `save`, or show
    again with the errors (400)."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The goal is saved.")
                if kind == "goal"
                else _("The milestone is saved."),
            )
            return redirect(
                _detail_url(pilot, "goals" if kind == "goal" else "milestones")
            )
    return render(
        request,
        f"pilots/{kind}_form.html",
        {"form": form, "pilot": pilot, "item": item},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@never_cache
def goal_create(request, pk):
    pilot = _pilot_for_editor(request, pk)
    if not pilot.is_open:
        return _closed_pilot(request, pilot)
    return _item_form(
        request,
        pilot=pilot,
        form=GoalForm(request.POST or None),
        item=None,
        kind="goal",
        save=lambda data: services.add_goal(pilot=pilot, by=request.user, **data),
    )


@login_required
@never_cache
def goal_edit(request, pk, goal_pk):
    pilot = _pilot_for_editor(request, pk)
    goal = get_object_or_404(PilotGoal, pk=goal_pk, pilot=pilot)
    if not pilot.is_open:
        return _closed_pilot(request, pilot)
    return _item_form(
        request,
        pilot=pilot,
        form=GoalForm(request.POST or None, initial=GoalForm.initial_for(goal)),
        item=goal,
        kind="goal",
        save=lambda data: services.update_goal(goal=goal, by=request.user, **data),
    )


@login_required
@require_POST
def goal_delete(request, pk, goal_pk):
    pilot = _pilot_for_editor(request, pk)
    goal = get_object_or_404(PilotGoal, pk=goal_pk, pilot=pilot)
    try:
        services.remove_goal(goal=goal, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The goal “%(label)s” is removed.") % {"label": goal.label}
        )
    return redirect(_detail_url(pilot, "goals"))


@login_required
@never_cache
def milestone_create(request, pk):
    pilot = _pilot_for_editor(request, pk)
    if not pilot.is_open:
        return _closed_pilot(request, pilot)
    return _item_form(
        request,
        pilot=pilot,
        form=MilestoneForm(request.POST or None),
        item=None,
        kind="milestone",
        save=lambda data: services.add_milestone(pilot=pilot, by=request.user, **data),
    )


@login_required
@never_cache
def milestone_edit(request, pk, milestone_pk):
    pilot = _pilot_for_editor(request, pk)
    milestone = get_object_or_404(Milestone, pk=milestone_pk, pilot=pilot)
    if not pilot.is_open:
        return _closed_pilot(request, pilot)
    initial = {
        "title": milestone.title,
        "due_on": milestone.due_on,
        "progress": milestone.progress,
        "note": milestone.note,
    }
    return _item_form(
        request,
        pilot=pilot,
        form=MilestoneForm(request.POST or None, initial=initial),
        item=milestone,
        kind="milestone",
        save=lambda data: services.update_milestone(
            milestone=milestone, by=request.user, **data
        ),
    )


@login_required
@require_POST
def milestone_delete(request, pk, milestone_pk):
    pilot = _pilot_for_editor(request, pk)
    milestone = get_object_or_404(Milestone, pk=milestone_pk, pilot=pilot)
    try:
        services.remove_milestone(milestone=milestone, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The milestone “%(title)s” is removed.") % {"title": milestone.title},
        )
    return redirect(_detail_url(pilot, "milestones"))


# Results, finishing, cancelling -------------------------------------------------


@login_required
@never_cache
def results_edit(request, pk):
    pilot = _pilot_for_editor(request, pk)
    if not pilot.is_open:
        return _closed_pilot(request, pilot)
    goals = selectors.list_goals(pilot)
    form = ResultsForm(
        request.POST or None,
        goals=goals,
        initial={"results_summary": pilot.results_summary},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_results(
                pilot=pilot,
                by=request.user,
                results=form.results(),
                results_summary=form.cleaned_data["results_summary"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The results are saved."))
            return redirect(_detail_url(pilot, "goals"))
    return render(
        request,
        "pilots/results_form.html",
        {"form": form, "pilot": pilot},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def pilot_finish(request, pk):
    pilot = _pilot_for_editor(request, pk)
    try:
        services.finish_pilot(pilot=pilot, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_detail_url(pilot, "finish"))
    messages.success(
        request,
        _("The pilot is finished. Its results are kept as they are now."),
    )
    return redirect(_detail_url(pilot))


@login_required
@require_POST
def pilot_cancel(request, pk):
    pilot = _pilot_for_editor(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that the pilot stops."))
        return redirect(_detail_url(pilot, "cancel"))
    try:
        services.cancel_pilot(pilot=pilot, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The pilot is cancelled."))
    return redirect(_detail_url(pilot))


@login_required
@require_POST
def need_implemented(request, pk):
    pilot = _pilot_for_editor(request, pk)
    try:
        services.mark_need_implemented(pilot=pilot, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request,
            _("The need is marked as implemented. Its public page shows it."),
        )
    return redirect(_detail_url(pilot))
