"""cms.demo_pilots.load_demo_pilots: a running pilot from the first active group
in the test stage, a finished one on the Rapport need; nothing twice."""

import pytest

from cms.demo_pilots import ILLUSTRATIVE, load_demo_pilots
from hack.pilots.models import Milestone, Pilot, PilotGoal, PilotStatus
from hack.workspaces import services as group_services
from hack.workspaces.models import GroupStage, GroupStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_stage_group(group_x, coordinator):
    for stage in (GroupStage.DEFINE, GroupStage.IDEATE, GroupStage.TEST):
        group_services.change_group_stage(group=group_x, to=stage, by=coordinator)
    return group_x


@pytest.fixture
def rapport_need(dept_x, staff_x, coordinator):
    return factories.make_need(dept_x, staff_x, publish_by=coordinator, slug="n049")


def test_nothing_without_a_group_in_the_test_stage(group_x, coordinator):
    assert load_demo_pilots(coordinator=coordinator) == []
    assert not Pilot.objects.exists()
    group_x.refresh_from_db()
    assert group_x.status == GroupStatus.ACTIVE


def test_running_and_finished_pilots_once(
    test_stage_group, rapport_need, coordinator, org_a
):
    made = load_demo_pilots(coordinator=coordinator)
    assert len(made) == 2
    running = Pilot.objects.get(group=test_stage_group)
    assert running.status == PilotStatus.RUNNING
    assert ILLUSTRATIVE in running.summary
    assert running.goals.count() == 3
    assert sorted(running.goals.values_list("kind", flat=True)) == [
        "accuracy",
        "satisfaction",
        "time_saved",
    ]
    assert sorted(running.milestones.values_list("progress", flat=True)) == [0, 60, 100]
    assert list(running.organizations.all()) == [org_a]
    test_stage_group.refresh_from_db()
    assert test_stage_group.status == GroupStatus.PILOT

    finished = Pilot.objects.get(need=rapport_need)
    assert finished.status == PilotStatus.FINISHED
    assert ILLUSTRATIVE in finished.summary
    assert not finished.goals.filter(result=None).exists()

    counts = (
        Pilot.objects.count(),
        PilotGoal.objects.count(),
        Milestone.objects.count(),
    )
    assert load_demo_pilots(coordinator=coordinator) == []
    assert counts == (
        Pilot.objects.count(),
        PilotGoal.objects.count(),
        Milestone.objects.count(),
    )


def test_the_finished_pilot_s_need_path_reads_in_order(
    test_stage_group, rapport_need, coordinator
):
    from cms.templatetags.need_path import get_need_path
    from hack.needs.models import NeedPage

    load_demo_pilots(coordinator=coordinator)
    steps = get_need_path(NeedPage.objects.get(pk=rapport_need.pk))
    dated = [(step.key, step.on) for step in steps if step.reached and step.on]
    keys = [key for key, _on in dated]
    assert {"published", "working_group", "pilot"} <= set(keys), dated
    days = [on for _key, on in dated]
    assert days == sorted(days), dated
