from datetime import timedelta

import pytest
from django.utils import timezone

from hack.calls import services as call_services
from hack.calls.models import ProposalStatus
from hack.pilots import services as pilot_services
from hack.workspaces import services as group_services
from tests import factories
from tests.calls.factories import close_call, make_call, make_proposal

from .factories import add_goals


@pytest.fixture
def need_x(dept_x, staff_x, coordinator):
    """A published need of department X."""
    return factories.make_need(dept_x, staff_x, publish_by=coordinator)


@pytest.fixture
def group_x(need_x, coordinator, staff_x, org_a):
    """A working group on need X: the coordinator facilitates, staff X and
    organisation A's members are in it."""
    group = group_services.form_working_group(
        need=need_x, by=coordinator, title="窓口の待ち時間を減らす WG"
    )
    group_services.add_staff_member(group=group, user=staff_x, by=coordinator)
    group_services.add_organization(group=group, organization=org_a, by=coordinator)
    return group


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def pilot_x(group_x, coordinator, today):
    """A running pilot from group X (organisation A takes part)."""
    return pilot_services.start_pilot_from_group(
        group=group_x,
        by=coordinator,
        title="窓口の待ち時間 実証",
        summary="区役所の窓口で予約枠を試します。",
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=80),
    )


@pytest.fixture
def call_x(need_x, staff_x):
    return make_call(need_x, staff_x)


@pytest.fixture
def shortlisted(call_x, member_b, staff_x):
    """Organisation B's proposal on need X, shortlisted after the deadline."""
    proposal = make_proposal(call_x, member_b)
    close_call(call_x)
    return call_services.decide_proposal(
        proposal=proposal,
        by=staff_x,
        decision=ProposalStatus.SHORTLISTED,
        message="一次選考を通過しました。",
    )


@pytest.fixture
def finished_pilot(pilot_x, coordinator):
    add_goals(pilot_x, coordinator, results=True)
    pilot_services.add_milestone(
        pilot=pilot_x,
        by=coordinator,
        title="予約枠の設置",
        due_on=timezone.localdate(),
        progress=100,
    )
    return pilot_services.finish_pilot(pilot=pilot_x, by=coordinator)
