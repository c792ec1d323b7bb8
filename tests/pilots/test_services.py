"""Pilot services: who may do what, the rules, and the need's stage moves."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import translation

from hack.calls.models import ProposalStatus
from hack.needs.choices import Stage
from hack.needs.models import NeedPage, NeedStageChange
from hack.pilots import selectors, services
from hack.pilots.models import Milestone, Pilot, PilotStatus
from hack.workspaces import services as group_services
from hack.workspaces.models import GroupStatus
from tests import factories

from .factories import add_goals

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched on their English wording."""
    with translation.override("en"):
        yield


def period(today, start=-1, end=30):
    return {
        "starts_on": today + timedelta(days=start),
        "ends_on": today + timedelta(days=end),
    }


def stage_of(need) -> str:
    return NeedPage.objects.get(pk=need.pk).stage


# Starting from a working group -------------------------------------------------


def test_start_from_group_takes_its_organisations_and_moves_the_need(
    group_x, coordinator, org_a, need_x, today
):
    assert stage_of(need_x) == Stage.WORKING_GROUP
    pilot = services.start_pilot_from_group(
        group=group_x, by=coordinator, title="実証", **period(today)
    )
    assert list(pilot.organizations.all()) == [org_a]
    assert pilot.department_id == need_x.department_id
    assert pilot.status == PilotStatus.RUNNING
    group_x.refresh_from_db()
    assert group_x.status == GroupStatus.PILOT
    assert stage_of(need_x) == Stage.PILOT
    assert NeedStageChange.objects.filter(
        need=need_x, from_stage=Stage.WORKING_GROUP, to_stage=Stage.PILOT
    ).exists()


def test_a_pilot_starting_later_is_planned(group_x, coordinator, today):
    pilot = services.start_pilot_from_group(
        group=group_x, by=coordinator, title="実証", **period(today, 5, 30)
    )
    assert pilot.status == PilotStatus.PLANNED


def test_a_planned_pilot_runs_from_its_start_date(group_x, coordinator, today):
    pilot = services.start_pilot_from_group(
        group=group_x, by=coordinator, title="実証", **period(today, 1, 30)
    )
    assert services.start_due_pilots() == 0  # not yet
    Pilot.objects.filter(pk=pilot.pk).update(starts_on=today)
    out = StringIO()
    call_command("run_pilot_schedule", stdout=out)
    assert out.getvalue().strip() == "started 1 pilot(s)"
    assert Pilot.objects.get(pk=pilot.pk).status == PilotStatus.RUNNING
    assert services.start_due_pilots() == 0  # idempotent


def test_the_schedule_leaves_finished_and_cancelled_pilots_alone(
    group_x, coordinator, today
):
    pilot = services.start_pilot_from_group(
        group=group_x, by=coordinator, title="実証", **period(today, 1, 30)
    )
    Pilot.objects.filter(pk=pilot.pk).update(
        status=PilotStatus.CANCELLED, starts_on=today - timedelta(days=3)
    )
    assert services.start_due_pilots() == 0
    assert Pilot.objects.get(pk=pilot.pk).status == PilotStatus.CANCELLED


@pytest.mark.parametrize("who", ["staff_x", "member_a", "staff_y"])
def test_only_facilitators_and_coordinators_start_from_a_group(
    request, group_x, today, who
):
    with pytest.raises(PermissionDenied):
        services.start_pilot_from_group(
            group=group_x,
            by=request.getfixturevalue(who),
            title="実証",
            **period(today),
        )
    assert not Pilot.objects.exists()
    group_x.refresh_from_db()
    assert group_x.status == GroupStatus.ACTIVE


def test_a_closed_group_cannot_become_a_pilot(group_x, coordinator, today):
    group_services.close_group(group=group_x, by=coordinator)
    with pytest.raises(ValidationError, match="active working group"):
        services.start_pilot_from_group(
            group=group_x, by=coordinator, title="実証", **period(today)
        )


def test_a_group_becomes_a_pilot_once(pilot_x, group_x, coordinator, today):
    with pytest.raises(ValidationError):
        services.start_pilot_from_group(
            group=group_x, by=coordinator, title="二度目", **period(today)
        )
    assert Pilot.objects.count() == 1


def test_end_before_start_is_refused_with_nothing_written(group_x, coordinator, today):
    with pytest.raises(ValidationError) as error:
        services.start_pilot_from_group(
            group=group_x, by=coordinator, title="実証", **period(today, 10, 2)
        )
    assert "ends_on" in error.value.error_dict
    assert not Pilot.objects.exists()
    group_x.refresh_from_db()
    assert group_x.status == GroupStatus.ACTIVE
    assert stage_of(group_x.need) == Stage.WORKING_GROUP


def test_title_is_required(group_x, coordinator, today):
    with pytest.raises(ValidationError) as error:
        services.start_pilot_from_group(
            group=group_x, by=coordinator, title="   ", **period(today)
        )
    assert "title" in error.value.error_dict


def test_a_need_already_implemented_keeps_its_stage(
    group_x, coordinator, need_x, today
):
    from hack.needs.services import change_need_stage

    change_need_stage(need=need_x, to=Stage.IMPLEMENTED, by=coordinator)
    services.start_pilot_from_group(
        group=group_x, by=coordinator, title="実証", **period(today)
    )
    assert stage_of(need_x) == Stage.IMPLEMENTED


# Starting from a proposal ---------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "staff_x"])
def test_start_from_a_shortlisted_proposal(request, shortlisted, org_b, today, who):
    by = request.getfixturevalue(who)
    pilot = services.start_pilot_from_proposal(
        proposal=shortlisted, by=by, title="AI 受付の実証", **period(today)
    )
    assert list(pilot.organizations.all()) == [org_b]
    assert pilot.proposal == shortlisted
    assert pilot.group is None
    assert stage_of(pilot.need) == Stage.PILOT


@pytest.mark.parametrize("who", ["staff_y", "member_b", "member_a"])
def test_others_cannot_start_from_a_proposal(request, shortlisted, today, who):
    with pytest.raises(PermissionDenied):
        services.start_pilot_from_proposal(
            proposal=shortlisted,
            by=request.getfixturevalue(who),
            title="実証",
            **period(today),
        )


def test_only_shortlisted_or_invited_proposals(call_x, member_b, staff_x, today):
    from tests.calls.factories import make_proposal

    proposal = make_proposal(call_x, member_b)
    assert proposal.status == ProposalStatus.SUBMITTED
    with pytest.raises(ValidationError, match="shortlisted"):
        services.start_pilot_from_proposal(
            proposal=proposal, by=staff_x, title="実証", **period(today)
        )


def test_a_proposal_becomes_one_pilot(shortlisted, staff_x, today):
    services.start_pilot_from_proposal(
        proposal=shortlisted, by=staff_x, title="実証", **period(today)
    )
    with pytest.raises(ValidationError, match="already"):
        services.start_pilot_from_proposal(
            proposal=shortlisted, by=staff_x, title="実証", **period(today)
        )


# Goals, milestones, results ----------------------------------------------------------


def test_goal_needs_a_target(pilot_x, staff_x):
    with pytest.raises(ValidationError) as error:
        services.add_goal(pilot=pilot_x, by=staff_x, label="満足度", target="")
    assert "target" in error.value.error_dict
    assert not pilot_x.goals.exists()


@pytest.mark.parametrize("bad", ["abc", "NaN", "1e40", "Infinity"])
def test_goal_numbers_are_checked(pilot_x, staff_x, bad):
    with pytest.raises(ValidationError) as error:
        services.add_goal(pilot=pilot_x, by=staff_x, label="満足度", target=bad)
    assert "target" in error.value.error_dict


def test_achieved_and_change(pilot_x, coordinator):
    time_goal, satisfaction = add_goals(pilot_x, coordinator, results=True)
    time_goal.refresh_from_db()
    satisfaction.refresh_from_db()
    # Lower is better: 84 h against a target of 90 h, from 120 h.
    assert time_goal.achieved is True
    assert time_goal.change_percent == Decimal(-30)
    # Higher is better: 78 % against 80 %.
    assert satisfaction.achieved is False
    assert satisfaction.change_percent == Decimal(30)


def test_goal_without_result_is_not_judged(pilot_x, coordinator):
    goal, _other = add_goals(pilot_x, coordinator)
    assert goal.achieved is None
    assert goal.change_percent is None


@pytest.mark.parametrize("progress", [-1, 101, "50%", "", None, 12.5])
def test_progress_outside_0_to_100_is_refused(pilot_x, staff_x, today, progress):
    with pytest.raises(ValidationError) as error:
        services.add_milestone(
            pilot=pilot_x, by=staff_x, title="設置", due_on=today, progress=progress
        )
    assert "progress" in error.value.error_dict
    assert not Milestone.objects.exists()


def test_milestone_done_at_follows_progress(pilot_x, staff_x, today):
    milestone = services.add_milestone(
        pilot=pilot_x, by=staff_x, title="設置", due_on=today, progress=40
    )
    assert milestone.done_at is None
    milestone = services.update_milestone(
        milestone=milestone, by=staff_x, title="設置", due_on=today, progress=100
    )
    assert milestone.done_at is not None
    milestone = services.update_milestone(
        milestone=milestone, by=staff_x, title="設置", due_on=today, progress=90
    )
    assert milestone.done_at is None


@pytest.mark.parametrize("who", ["member_a", "staff_y", "member_b"])
def test_organisations_and_others_cannot_edit(request, pilot_x, today, who):
    by = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.add_goal(pilot=pilot_x, by=by, label="満足度", target="80")
    with pytest.raises(PermissionDenied):
        services.add_milestone(
            pilot=pilot_x, by=by, title="設置", due_on=today, progress=0
        )
    with pytest.raises(PermissionDenied):
        services.update_pilot(
            pilot=pilot_x, by=by, title="x", summary="", **period(today)
        )
    with pytest.raises(PermissionDenied):
        services.finish_pilot(pilot=pilot_x, by=by)


def test_read_permissions(pilot_x, coordinator, staff_x, staff_y, member_a, member_b):
    assert selectors.can_read_pilot(coordinator, pilot_x)
    assert selectors.can_read_pilot(staff_x, pilot_x)
    assert selectors.can_read_pilot(member_a, pilot_x)
    assert not selectors.can_edit_pilot(member_a, pilot_x)
    assert not selectors.can_read_pilot(staff_y, pilot_x)
    assert not selectors.can_read_pilot(member_b, pilot_x)
    assert list(selectors.list_pilots_for(member_a)) == [pilot_x]
    assert list(selectors.list_pilots_for(member_b)) == []
    assert list(selectors.list_pilots_for(staff_y)) == []


def test_record_results_rejects_a_goal_of_another_pilot(
    pilot_x, coordinator, dept_x, staff_x, today
):
    need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    group = group_services.form_working_group(need=need, by=coordinator, title="別")
    other = services.start_pilot_from_group(
        group=group, by=coordinator, title="別の実証", **period(today)
    )
    (foreign, *_rest) = add_goals(other, staff_x)
    with pytest.raises(ValidationError):
        services.record_results(
            pilot=pilot_x, by=coordinator, results={foreign.pk: "1"}, results_summary=""
        )
    foreign.refresh_from_db()
    assert foreign.result is None


# Finishing ----------------------------------------------------------------------------


def test_finish_refuses_while_a_goal_has_no_result(pilot_x, coordinator):
    time_goal, satisfaction = add_goals(pilot_x, coordinator)
    services.record_results(
        pilot=pilot_x,
        by=coordinator,
        results={time_goal.pk: "85", satisfaction.pk: None},
        results_summary="",
    )
    with pytest.raises(ValidationError, match="満足度"):
        services.finish_pilot(pilot=pilot_x, by=coordinator)
    pilot_x.refresh_from_db()
    assert pilot_x.status == PilotStatus.RUNNING
    assert pilot_x.finished_at is None


def test_finish_refuses_without_goals(pilot_x, coordinator):
    with pytest.raises(ValidationError, match="at least one goal"):
        services.finish_pilot(pilot=pilot_x, by=coordinator)


def test_finished_pilot_is_locked(finished_pilot, coordinator, today):
    assert finished_pilot.status == PilotStatus.FINISHED
    assert finished_pilot.finished_at is not None
    with pytest.raises(ValidationError, match="no longer be changed"):
        services.add_goal(pilot=finished_pilot, by=coordinator, label="x", target="1")
    with pytest.raises(ValidationError):
        services.cancel_pilot(pilot=finished_pilot, by=coordinator)


def test_cancel(pilot_x, staff_x):
    pilot = services.cancel_pilot(pilot=pilot_x, by=staff_x)
    assert pilot.status == PilotStatus.CANCELLED


def test_mark_need_implemented_after_finishing(pilot_x, finished_pilot, staff_x):
    need = services.mark_need_implemented(pilot=finished_pilot, by=staff_x)
    assert need.stage == Stage.IMPLEMENTED
    with pytest.raises(ValidationError):
        services.mark_need_implemented(pilot=finished_pilot, by=staff_x)


def test_mark_need_implemented_needs_a_finished_pilot(pilot_x, staff_x):
    with pytest.raises(ValidationError, match="Finish the pilot"):
        services.mark_need_implemented(pilot=pilot_x, by=staff_x)
    assert stage_of(pilot_x.need) == Stage.PILOT


def test_a_closed_need_gets_no_pilot(shortlisted, staff_x, coordinator, today):
    from hack.needs.services import change_need_stage

    change_need_stage(need=shortlisted.call.need, to=Stage.CLOSED, by=coordinator)
    with pytest.raises(ValidationError, match="closed"):
        services.start_pilot_from_proposal(
            proposal=shortlisted, by=staff_x, title="実証", **period(today)
        )
    assert not Pilot.objects.exists()
