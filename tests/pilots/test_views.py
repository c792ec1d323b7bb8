"""Pilot pages: the role matrix, forms that keep what was typed, garbage input.

Roles as in tests/test_permissions.py: anonymous, a coordinator, staff of the
need's department (X), staff of another department (Y), a member of an
organisation in the pilot (A), a member of another organisation (B).
"""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from cms.models import CaseStudyPage
from hack.pilots.models import Milestone, Pilot, PilotGoal, PilotStatus
from hack.workspaces.models import GroupStatus
from tests import factories

from .factories import add_goals

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def ja(message: str) -> str:
    with translation.override("ja"):
        return escape(gettext(message))


@pytest.fixture
def login(client, request):
    def _login(role: str):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return _login


def url(name, *args):
    return reverse(f"pilots:{name}", args=args)


# Reading ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,sees",
    [
        ("coordinator", True),
        ("staff_x", True),
        ("member_a", True),
        ("staff_y", False),
        ("member_b", False),
    ],
)
def test_list(login, pilot_x, role, sees):
    response = login(role).get(url("pilot-list"))
    assert response.status_code == 200
    assert (pilot_x.title in response.content.decode()) is sees


def test_list_and_detail_need_a_login(client, pilot_x):
    for target in (url("pilot-list"), url("pilot-detail", pilot_x.pk)):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    "role,status",
    [
        ("coordinator", 200),
        ("staff_x", 200),
        ("member_a", 200),
        ("staff_y", 404),
        ("member_b", 404),
    ],
)
def test_detail(login, pilot_x, role, status):
    response = login(role).get(url("pilot-detail", pilot_x.pk))
    assert response.status_code == status
    if status == 404:
        assert pilot_x.title not in response.content.decode()


def test_unknown_pilot_is_404(login):
    assert login("coordinator").get(url("pilot-detail", 999999)).status_code == 404


def test_detail_shows_goals_against_targets_and_progress(
    login, pilot_x, coordinator, today
):
    from hack.pilots import services

    add_goals(pilot_x, coordinator, results=True)
    services.add_milestone(
        pilot=pilot_x, by=coordinator, title="予約枠の設置", due_on=today, progress=60
    )
    html = login("member_a").get(url("pilot-detail", pilot_x.pk)).content.decode()
    assert ja("Achieved") in html
    assert ja("Not achieved") in html
    assert "−30%" in html  # 120 h → 84 h
    assert 'max="100" value="60"' in html
    assert "60%" in html
    # Organisation members read, they do not edit.
    assert url("goal-create", pilot_x.pk) not in html
    assert url("pilot-finish", pilot_x.pk) not in html


def test_workspace_link_only_for_group_members(login, pilot_x, org_a):
    html = login("member_a").get(url("pilot-detail", pilot_x.pk)).content.decode()
    workspace = reverse("workspaces:workspace", args=[pilot_x.group_id])
    assert workspace in html
    newcomer = factories.make_member(org_a, "newcomer@example.jp")
    client = login("anonymous")
    client.force_login(newcomer)
    html = client.get(url("pilot-detail", pilot_x.pk)).content.decode()
    assert pilot_x.title in html
    assert workspace not in html


# Editing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [
        ("coordinator", 200),
        ("staff_x", 200),
        ("member_a", 403),
        ("staff_y", 404),
        ("member_b", 404),
    ],
)
def test_edit_pages(login, pilot_x, role, status):
    client = login(role)
    for name in ("pilot-edit", "goal-create", "milestone-create", "results-edit"):
        assert client.get(url(name, pilot_x.pk)).status_code == status, name


def test_edit_pages_need_a_login(client, pilot_x):
    response = client.get(url("goal-create", pilot_x.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("role", ["member_a", "staff_y"])
def test_posts_by_readers_and_outsiders_change_nothing(login, pilot_x, role):
    client = login(role)
    client.post(url("goal-create", pilot_x.pk), {"label": "x", "target": "1"})
    client.post(url("pilot-finish", pilot_x.pk))
    client.post(url("pilot-cancel", pilot_x.pk), {"confirm": "yes"})
    assert not PilotGoal.objects.exists()
    assert Pilot.objects.get(pk=pilot_x.pk).status == PilotStatus.RUNNING


def test_goal_without_target_is_400_and_keeps_the_text(login, pilot_x):
    response = login("staff_x").post(
        url("goal-create", pilot_x.pk),
        {
            "label": "窓口の満足度",
            "kind": "satisfaction",
            "unit": "%",
            "target": "",
            "higher_is_better": "1",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert ja("Give a target value.") in html
    assert 'value="窓口の満足度"' in html
    assert not PilotGoal.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"label": "x", "kind": "nonsense", "target": "1", "higher_is_better": "1"},
        {"label": "x", "kind": "cost", "target": "abc", "higher_is_better": "1"},
        {"label": "x", "kind": "cost", "target": "1e400", "higher_is_better": "1"},
        {"label": "x" * 300, "kind": "cost", "target": "1", "higher_is_better": "1"},
        {"label": "x", "kind": "cost", "target": "1", "higher_is_better": "maybe"},
        {},
    ],
)
def test_goal_garbage_is_400(login, pilot_x, data):
    response = login("coordinator").post(url("goal-create", pilot_x.pk), data)
    assert response.status_code == 400
    assert not PilotGoal.objects.exists()


def test_goal_saved_then_edited(login, pilot_x):
    client = login("staff_x")
    response = client.post(
        url("goal-create", pilot_x.pk),
        {
            "label": "作業時間",
            "kind": "time_saved",
            "unit": "時間/月",
            "baseline": "120",
            "target": "90",
            "higher_is_better": "0",
        },
    )
    assert response.status_code == 302
    goal = PilotGoal.objects.get()
    assert goal.higher_is_better is False
    response = client.post(
        url("goal-edit", pilot_x.pk, goal.pk),
        {
            "label": "作業時間",
            "kind": "time_saved",
            "target": "80",
            "higher_is_better": "0",
        },
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.target == 80


def test_goal_of_another_pilot_is_404(login, pilot_x, coordinator, dept_x, staff_x):
    from hack.pilots import services
    from hack.workspaces import services as group_services

    need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    group = group_services.form_working_group(need=need, by=coordinator, title="別")
    other = services.start_pilot_from_group(
        group=group,
        by=coordinator,
        title="別",
        starts_on=pilot_x.starts_on,
        ends_on=pilot_x.ends_on,
    )
    (goal, *_rest) = add_goals(other, coordinator)
    client = login("coordinator")
    assert client.get(url("goal-edit", pilot_x.pk, goal.pk)).status_code == 404
    assert client.post(url("goal-delete", pilot_x.pk, goal.pk)).status_code == 404
    assert PilotGoal.objects.filter(pk=goal.pk).exists()


@pytest.mark.parametrize("progress", ["150", "-5", "12.5", "abc", ""])
def test_milestone_progress_outside_0_to_100_is_400(login, pilot_x, progress):
    response = login("staff_x").post(
        url("milestone-create", pilot_x.pk),
        {"title": "端末の設置", "due_on": "2030-01-31", "progress": progress},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="端末の設置"' in html
    assert 'class="error-summary"' in html
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("due_on", ["2030-02-31", "tomorrow", "", "31/01/2030"])
def test_milestone_bad_date_is_400(login, pilot_x, due_on):
    response = login("staff_x").post(
        url("milestone-create", pilot_x.pk),
        {"title": "端末の設置", "due_on": due_on, "progress": "10"},
    )
    assert response.status_code == 400
    assert not Milestone.objects.exists()


def test_results_then_finish(login, pilot_x, coordinator):
    time_goal, satisfaction = add_goals(pilot_x, coordinator)
    client = login("staff_x")
    response = client.post(
        url("results-edit", pilot_x.pk),
        {
            f"result_{time_goal.pk}": "84",
            f"result_{satisfaction.pk}": "",
            "results_summary": "途中経過",
        },
    )
    assert response.status_code == 302
    # Finishing with a goal not measured: refused, with the goal named.
    response = client.post(url("pilot-finish", pilot_x.pk), follow=True)
    assert Pilot.objects.get(pk=pilot_x.pk).status == PilotStatus.RUNNING
    assert "満足度" in response.content.decode()
    response = client.post(
        url("results-edit", pilot_x.pk),
        {
            f"result_{time_goal.pk}": "84",
            f"result_{satisfaction.pk}": "abc",
            "results_summary": "最終結果",
        },
    )
    assert response.status_code == 400
    assert "最終結果" in response.content.decode()
    client.post(
        url("results-edit", pilot_x.pk),
        {
            f"result_{time_goal.pk}": "84",
            f"result_{satisfaction.pk}": "81",
            "results_summary": "最終結果",
        },
    )
    response = client.post(url("pilot-finish", pilot_x.pk))
    assert response.status_code == 302
    assert Pilot.objects.get(pk=pilot_x.pk).status == PilotStatus.FINISHED
    # A finished pilot's forms send back to its page.
    response = client.get(url("goal-create", pilot_x.pk))
    assert response.status_code == 302


def test_cancel_needs_confirmation(login, pilot_x):
    client = login("staff_x")
    client.post(url("pilot-cancel", pilot_x.pk))
    assert Pilot.objects.get(pk=pilot_x.pk).status == PilotStatus.RUNNING
    client.post(url("pilot-cancel", pilot_x.pk), {"confirm": "yes"})
    assert Pilot.objects.get(pk=pilot_x.pk).status == PilotStatus.CANCELLED


def test_finish_and_cancel_are_post_only(login, pilot_x):
    client = login("coordinator")
    assert client.get(url("pilot-finish", pilot_x.pk)).status_code == 405
    assert client.get(url("pilot-cancel", pilot_x.pk)).status_code == 405


# Starting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [("coordinator", 200), ("staff_x", 403), ("member_a", 403), ("staff_y", 403)],
)
def test_start_from_group_page(login, group_x, role, status):
    response = login(role).get(url("pilot-create") + f"?group={group_x.pk}")
    assert response.status_code == status


@pytest.mark.parametrize(
    "query", ["", "?group=abc", "?group=999999", "?proposal=-1", "?group=1&proposal=1"]
)
def test_start_page_garbage_is_404(login, group_x, query):
    assert login("coordinator").get(url("pilot-create") + query).status_code == 404


def test_start_from_group_with_end_before_start_keeps_the_text(
    login, group_x, coordinator
):
    response = login("coordinator").post(
        url("pilot-create"),
        {
            "group": group_x.pk,
            "title": "予約枠の実証",
            "summary": "三か月試します。",
            "starts_on": "2030-03-01",
            "ends_on": "2030-02-01",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="予約枠の実証"' in html
    assert "三か月試します。" in html
    assert ja("The pilot cannot end before it starts.") in html
    assert not Pilot.objects.exists()


def test_start_from_group(login, group_x):
    response = login("coordinator").post(
        url("pilot-create"),
        {
            "group": group_x.pk,
            "title": "予約枠の実証",
            "summary": "",
            "starts_on": "2030-03-01",
            "ends_on": "2030-06-01",
        },
    )
    pilot = Pilot.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("pilot-detail", pilot.pk)
    assert pilot.status == PilotStatus.PLANNED
    group_x.refresh_from_db()
    assert group_x.status == GroupStatus.PILOT
    # The group is no longer active: the page says so instead of the form.
    response = login("coordinator").get(url("pilot-create") + f"?group={group_x.pk}")
    assert response.status_code == 200
    assert 'name="title"' not in response.content.decode()


@pytest.mark.parametrize(
    "role,status",
    [("coordinator", 200), ("staff_x", 200), ("staff_y", 403), ("member_b", 403)],
)
def test_start_from_proposal_page(login, shortlisted, role, status):
    response = login(role).get(url("pilot-create") + f"?proposal={shortlisted.pk}")
    assert response.status_code == status


def test_start_from_proposal(login, shortlisted, org_b):
    response = login("staff_x").post(
        url("pilot-create"),
        {
            "proposal": shortlisted.pk,
            "title": "AI 受付の実証",
            "starts_on": "2030-03-01",
            "ends_on": "2030-06-01",
        },
    )
    assert response.status_code == 302
    assert list(Pilot.objects.get().organizations.all()) == [org_b]


# The case study ----------------------------------------------------------------------


def test_case_study_button_only_for_coordinators_on_finished_pilots(
    login, finished_pilot
):
    target = reverse("cms:pilot-case-study", args=[finished_pilot.pk])
    html = login("coordinator").get(url("pilot-detail", finished_pilot.pk))
    assert target in html.content.decode()
    html = login("staff_x").get(url("pilot-detail", finished_pilot.pk))
    assert target not in html.content.decode()


@pytest.mark.parametrize(
    "role,status",
    [("staff_x", 403), ("member_a", 403), ("staff_y", 404), ("member_b", 404)],
)
def test_case_study_draft_refused(login, finished_pilot, role, status):
    target = reverse("cms:pilot-case-study", args=[finished_pilot.pk])
    assert login(role).post(target).status_code == status
    assert not CaseStudyPage.objects.exists()


def test_case_study_draft_needs_a_login_and_a_post(client, login, finished_pilot):
    target = reverse("cms:pilot-case-study", args=[finished_pilot.pk])
    response = client.post(target)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert login("coordinator").get(target).status_code == 405


def test_case_study_draft_opens_the_editor_twice_the_same(login, finished_pilot):
    client = login("coordinator")
    target = reverse("cms:pilot-case-study", args=[finished_pilot.pk])
    first = client.post(target)
    page = CaseStudyPage.objects.get()
    assert first.status_code == 302
    assert first["Location"] == reverse("wagtailadmin_pages:edit", args=[page.pk])
    second = client.post(target)
    assert second["Location"] == first["Location"]
    assert CaseStudyPage.objects.count() == 1
    assert not CaseStudyPage.objects.get().live
    # The editor opens for the coordinator.
    assert client.get(first["Location"]).status_code == 200


def test_case_study_of_a_running_pilot_is_refused_with_a_message(login, pilot_x):
    client = login("coordinator")
    target = reverse("cms:pilot-case-study", args=[pilot_x.pk])
    response = client.post(target)
    assert response.status_code == 302
    assert response["Location"] == url("pilot-detail", pilot_x.pk)
    assert not CaseStudyPage.objects.exists()


def test_mark_need_implemented(login, finished_pilot):
    from hack.needs.choices import Stage
    from hack.needs.models import NeedPage

    login("member_a").post(url("need-implemented", finished_pilot.pk))
    assert NeedPage.objects.get(pk=finished_pilot.need_id).stage == Stage.PILOT
    login("staff_x").post(url("need-implemented", finished_pilot.pk))
    assert NeedPage.objects.get(pk=finished_pilot.need_id).stage == Stage.IMPLEMENTED


def test_start_form_is_prefilled_from_the_group(login, group_x, today):
    response = login("coordinator").get(url("pilot-create") + f"?group={group_x.pk}")
    html = response.content.decode()
    assert 'type="date"' in html
    assert f'value="{group_x.title}"' in html
    assert f'value="{today.isoformat()}"' in html
