"""Who counts as a participant, when, and the funnel and lead times, on data
built through the services with their dates moved."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hack.calls import services as call_services
from hack.needs.choices import Stage
from hack.needs.models import NeedPage
from hack.participation import periods, selectors
from hack.seeds.models import SeedPage
from hack.workspaces import services as workspace_services
from tests import factories
from tests.calls.factories import proposal_data

from .builders import (
    form_group_at,
    jst,
    move_need_at,
    open_call,
    publish_need_at,
    publish_seed_at,
    set_joined,
    submit_proposal_at,
)

pytestmark = pytest.mark.django_db


def by_year(rows) -> dict[int, tuple]:
    return {row.period.fiscal_year: (row.new, row.cumulative) for row in rows}


# Fiscal years -------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "year"),
    [
        (jst(2023, 3, 31, 23, 59), 2022),
        (jst(2023, 4, 1, 0, 0), 2023),
        # 15:00 UTC on 31 March is midnight on 1 April in Yokohama.
        (datetime(2023, 3, 31, 15, 0, tzinfo=UTC), 2023),
        (datetime(2023, 3, 31, 14, 59, tzinfo=UTC), 2022),
        (jst(2024, 1, 1, 0, 0), 2023),
        (jst(2024, 12, 31, 23, 59), 2024),
    ],
)
def test_fiscal_year_of_reads_japan_time(moment, year):
    assert periods.fiscal_year_of(moment) == year


def test_fiscal_year_bounds():
    assert periods.fiscal_year_start(2022) == date(2022, 4, 1)
    assert periods.fiscal_year_end(2022) == date(2023, 3, 31)
    assert periods.fiscal_year_of_date(date(2023, 3, 31)) == 2022
    assert periods.fiscal_year_of_date(date(2023, 4, 1)) == 2023


def test_database_and_python_agree_on_the_boundary(coordinator, dept_x, staff_x):
    """The funnel groups by fiscal year in SQL: 31 March 23:59 and 1 April 00:00
    in Yokohama fall in different years, as in Python."""
    need = publish_need_at(dept_x, staff_x, coordinator, jst(2023, 3, 1))
    form_group_at(need, coordinator, jst(2023, 3, 31, 23, 59))
    form_group_at(need, coordinator, jst(2023, 4, 1, 0, 0))
    form_group_at(need, coordinator, datetime(2024, 3, 31, 15, 0, tzinfo=UTC))
    groups = {
        row.period.fiscal_year: row.groups for row in selectors.funnel_by_period()
    }
    assert groups[2022] == 1
    assert groups[2023] == 1
    assert groups[2024] == 1


# Periods ------------------------------------------------------------------


def test_periods_from_the_targets_to_the_current_year(today):
    rows = selectors.list_periods()
    assert [(p.label, p.fiscal_year, p.target) for p in rows] == [
        ("1Q", 2022, 250),
        ("2Q", 2023, 500),
        ("3Q", 2024, 750),
        ("4Q", 2025, 1000),
        ("", 2026, None),  # no target yet for the current year
    ]
    assert [p.state for p in rows] == ["past"] * 4 + ["current"]
    today(date(2024, 4, 1))
    rows = selectors.list_periods()
    assert [p.state for p in rows] == ["past", "past", "current", "future"]
    assert selectors.get_current_period(rows).label == "3Q"


# Participants -------------------------------------------------------------


def test_nobody_has_taken_part_yet(site):
    assert selectors.current_count() == 0
    rows = selectors.participants_by_period()
    assert [row.cumulative for row in rows] == [0, 0, 0, 0, 0]


def test_each_person_counts_once_in_the_period_of_their_first_participation(
    coordinator, dept_x, staff_x, member_a, org_a, member_b, org_b
):
    # Staff X wrote a need published in 2Q.
    need = publish_need_at(dept_x, staff_x, coordinator, jst(2023, 6, 1))
    # Member A: a seed in 2Q, a proposal in 3Q and a working group in 4Q.
    publish_seed_at(org_a, member_a, coordinator, jst(2023, 9, 1))
    call = open_call(need, staff_x)
    submit_proposal_at(call, member_a, jst(2024, 5, 1))
    # Member B: a proposal in 3Q, then the group in 4Q.
    submit_proposal_at(call, member_b, jst(2024, 7, 1))
    form_group_at(
        need,
        coordinator,
        jst(2025, 10, 1),
        organizations=[org_a, org_b],
        staff=[staff_x],
    )

    rows = by_year(selectors.participants_by_period())
    # 2Q: staff X and member A; 3Q: member B; 4Q: the coordinator, who first
    # took part by forming (and joining) the group.
    assert rows[2022] == (0, 0)
    assert rows[2023] == (2, 2)
    assert rows[2024] == (1, 3)
    assert rows[2025] == (1, 4)
    assert rows[2026] == (0, 4)
    assert selectors.current_count() == 4
    firsts = selectors.get_first_participations()
    assert firsts[member_a.pk] == jst(2023, 9, 1)
    assert firsts[staff_x.pk] == jst(2023, 6, 1)


def test_drafts_and_unpublished_content_never_count(
    coordinator, dept_x, staff_x, member_a, org_a, member_b, org_b
):
    # A need still in draft, a seed in draft, a seed published then taken
    # offline, a proposal in draft, a proposal sent then withdrawn.
    factories.make_need(dept_x, staff_x)
    factories.make_seed(org_a, member_a)
    offline = factories.make_seed(org_b, member_b, publish_by=coordinator)
    SeedPage.objects.get(pk=offline.pk).unpublish()
    need = factories.make_need(
        dept_x, factories.make_staff(dept_x), publish_by=coordinator
    )
    call = open_call(need, staff_x)
    submit_proposal_at(call, member_a, jst(2024, 5, 1), submit=False)
    withdrawn = submit_proposal_at(call, member_b, jst(2024, 5, 2))
    call_services.withdraw_proposal(proposal=withdrawn, by=member_b)

    firsts = selectors.get_first_participations()
    # Only the author of the published need counts.
    assert set(firsts) == {need.owner_id}
    assert member_a.pk not in firsts and member_b.pk not in firsts
    assert staff_x.pk not in firsts
    assert coordinator.pk not in firsts  # publishing is not taking part


def test_a_need_taken_offline_stops_counting(coordinator, dept_x, staff_x):
    need = publish_need_at(dept_x, staff_x, coordinator, jst(2023, 6, 1))
    assert selectors.current_count() == 1
    NeedPage.objects.get(pk=need.pk).unpublish()
    assert selectors.current_count() == 0


def test_the_person_who_submits_counts_as_well_as_the_author(
    coordinator, dept_x, staff_x, member_a, org_a
):
    colleague = factories.make_member(org_a)
    need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    call = open_call(need, staff_x)
    proposal = call_services.start_proposal(call=call, by=member_a)
    call_services.save_proposal_draft(
        proposal=proposal, by=member_a, data=proposal_data()
    )
    call_services.submit_proposal(proposal=proposal, by=colleague)
    firsts = selectors.get_first_participations()
    assert member_a.pk in firsts
    assert colleague.pk in firsts


def test_group_members_count_from_joining_even_after_leaving(
    coordinator, dept_x, staff_x, member_a, org_a
):
    need = publish_need_at(dept_x, staff_x, coordinator, jst(2022, 6, 1))
    group = form_group_at(need, coordinator, jst(2022, 7, 1), organizations=[org_a])
    set_joined(group, member_a, jst(2024, 4, 1, 0, 0))
    workspace_services.leave_group(group=group, by=member_a)
    rows = by_year(selectors.participants_by_period())
    assert rows[2022] == (2, 2)  # staff X (need) and the coordinator (group)
    assert rows[2023] == (0, 2)
    assert rows[2024] == (1, 3)  # member A, who has left since


def test_fiscal_year_boundary_for_participants(
    coordinator, dept_x, staff_x, member_a, org_a, member_b, org_b
):
    publish_seed_at(org_a, member_a, coordinator, jst(2023, 3, 31, 23, 59))
    publish_seed_at(org_b, member_b, coordinator, jst(2023, 4, 1, 0, 0))
    rows = by_year(selectors.participants_by_period())
    assert rows[2022] == (1, 1)
    assert rows[2023] == (1, 2)


def test_before_the_first_period_counts_in_the_first(coordinator, member_a, org_a):
    publish_seed_at(org_a, member_a, coordinator, jst(2019, 5, 1))
    rows = selectors.participants_by_period()
    assert (rows[0].period.label, rows[0].new, rows[0].cumulative) == ("1Q", 1, 1)


def test_periods_that_have_not_started_have_no_count(
    today, coordinator, member_a, org_a
):
    today(date(2024, 6, 1))
    publish_seed_at(org_a, member_a, coordinator, jst(2024, 5, 1))
    rows = selectors.participants_by_period()
    assert [(r.period.label, r.new, r.cumulative) for r in rows] == [
        ("1Q", 0, 0),
        ("2Q", 0, 0),
        ("3Q", 1, 1),
        ("4Q", None, None),
    ]
    assert rows[2].percent == 0  # 1 of 750, rounded down
    assert rows[3].percent is None


def test_percent_of_target_rounds_down_and_reaches_100(coordinator, org_a):
    people = [factories.make_member(org_a) for _ in range(3)]
    for person in people:
        publish_seed_at(org_a, person, coordinator, jst(2022, 5, 1))
    row = selectors.participants_by_period()[0]
    assert (row.cumulative, row.target, row.percent) == (3, 250, 1)
    assert row.remaining == 247
    assert not row.reached


# Funnel -------------------------------------------------------------------


def test_funnel_by_period(coordinator, dept_x, staff_x, member_a, org_a, member_b):
    first = publish_need_at(dept_x, staff_x, coordinator, jst(2022, 10, 1))
    second = publish_need_at(dept_x, staff_x, coordinator, jst(2023, 3, 31, 23, 0))
    factories.make_need(dept_x, staff_x)  # a draft: not in the funnel
    publish_need_at(dept_x, staff_x, coordinator, jst(2024, 8, 1))
    call = open_call(first, staff_x)
    submit_proposal_at(call, member_a, jst(2023, 4, 1, 9, 0))
    submit_proposal_at(call, member_b, jst(2023, 5, 1), submit=False)  # draft
    form_group_at(first, coordinator, jst(2023, 7, 1))
    move_need_at(first, Stage.PILOT, coordinator, jst(2024, 2, 1))
    move_need_at(first, Stage.IMPLEMENTED, coordinator, jst(2025, 6, 1))
    # A need that skips straight to a pilot counts once too.
    move_need_at(second, Stage.PILOT, coordinator, jst(2025, 1, 10))

    rows = {
        row.period.fiscal_year: row.values() for row in selectors.funnel_by_period()
    }
    # needs, proposals, groups, pilots, implemented
    assert rows[2022] == [2, 0, 0, 0, 0]
    assert rows[2023] == [0, 1, 1, 1, 0]
    assert rows[2024] == [1, 0, 0, 1, 0]
    assert rows[2025] == [0, 0, 0, 0, 1]
    assert rows[2026] == [0, 0, 0, 0, 0]
    totals = selectors.funnel_totals(selectors.funnel_by_period())
    assert totals == {
        "needs": 3,
        "proposals": 1,
        "groups": 1,
        "pilots": 2,
        "implemented": 1,
    }


def test_funnel_leaves_out_periods_that_have_not_started(today, site):
    today(date(2023, 5, 1))
    rows = selectors.funnel_by_period()
    assert [row.period.label for row in rows] == ["1Q", "2Q"]


# Lead times ---------------------------------------------------------------


def test_lead_times(coordinator, dept_x, staff_x, member_a, org_a, member_b):
    start = jst(2024, 4, 10)
    first = publish_need_at(dept_x, staff_x, coordinator, start)
    second = publish_need_at(dept_x, staff_x, coordinator, start)
    third = publish_need_at(dept_x, staff_x, coordinator, start + timedelta(days=1))
    submit_proposal_at(open_call(first, staff_x), member_a, start + timedelta(days=10))
    call = open_call(second, staff_x)
    submit_proposal_at(call, member_a, start + timedelta(days=4))
    submit_proposal_at(call, member_b, start + timedelta(days=2))  # the first one
    form_group_at(first, coordinator, start + timedelta(days=20))
    form_group_at(first, coordinator, start + timedelta(days=40))  # not the first
    move_need_at(first, Stage.PILOT, coordinator, start + timedelta(days=31))

    result = selectors.lead_times()
    summary = {s.step: s for s in result.summaries}
    assert (summary["proposal"].count, summary["proposal"].median) == (2, 6)
    assert summary["proposal"].mean == 6
    assert (summary["group"].count, summary["group"].median) == (1, 20)
    assert (summary["pilot"].count, summary["pilot"].mean) == (1, 31)

    rows = {row.need.pk: row for row in result.needs}
    assert set(rows) == {first.pk, second.pk, third.pk}
    assert rows[first.pk].proposal_days == 10
    assert rows[first.pk].group_days == 20
    assert rows[first.pk].pilot_days == 31
    assert rows[second.pk].proposal_days == 2
    assert rows[second.pk].group_days is None
    assert rows[third.pk].proposal_at is None
    assert rows[first.pk].need.department == dept_x


def test_lead_times_ignore_drafts_and_withdrawn_proposals(
    coordinator, dept_x, staff_x, member_a, member_b
):
    start = jst(2024, 4, 10)
    need = publish_need_at(dept_x, staff_x, coordinator, start)
    call = open_call(need, staff_x)
    submit_proposal_at(call, member_a, start + timedelta(days=1), submit=False)
    withdrawn = submit_proposal_at(call, member_b, start + timedelta(days=2))
    call_services.withdraw_proposal(proposal=withdrawn, by=member_b)
    summary = selectors.lead_times().summaries[0]
    assert (summary.count, summary.median, summary.mean) == (0, None, None)


# Queries ------------------------------------------------------------------


def _build(coordinator, department, author, organization, count: int):
    for number in range(count):
        need = publish_need_at(
            department, author, coordinator, jst(2022 + number % 4, 6, 1)
        )
        member = factories.make_member(organization)
        publish_seed_at(organization, member, coordinator, jst(2023, 6, 1))
        submit_proposal_at(
            open_call(need, author),
            factories.make_member(factories.make_organization()),
            jst(2024, 6, 1),
        )
        form_group_at(need, coordinator, jst(2024, 7, 1), organizations=[organization])
        move_need_at(need, Stage.PILOT, coordinator, jst(2025, 1, 1))


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as context:
        function()
    return len(context.captured_queries)


def test_a_fixed_number_of_queries(
    coordinator, dept_x, staff_x, org_a, django_assert_max_num_queries
):
    _build(coordinator, dept_x, staff_x, org_a, 1)
    small = {
        name: _queries(getattr(selectors, name))
        for name in ("get_figures", "lead_times", "current_count")
    }
    _build(coordinator, dept_x, staff_x, org_a, 4)
    for name, count in small.items():
        assert _queries(getattr(selectors, name)) == count, name
    with django_assert_max_num_queries(16):
        figures = selectors.get_figures()
    with django_assert_max_num_queries(6):
        result = selectors.lead_times()
        # Reading the rows (titles, departments) needs nothing more.
        [(row.need.title, str(row.need.department)) for row in result.needs]
    assert figures.total == selectors.current_count()
    assert len(result.needs) == 5
