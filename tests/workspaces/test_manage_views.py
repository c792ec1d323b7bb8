"""Managing working groups: who may see and do what, what each action changes,
the need page's working-group panel and the admin links.

The role matrix: anonymous, a coordinator, a facilitator who is not (or no
longer) a coordinator, staff of department X who are department members of the
group, staff of department Y, a member of organisation A (in the group) and a
member of organisation B (which asked to join).
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.auth.views import redirect_to_login
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from hack.accounts.roles import COORDINATORS_GROUP
from hack.calls import services as call_services
from hack.needs.choices import Stage
from hack.needs.services import change_need_stage
from hack.notifications.models import Notification
from hack.workspaces import selectors, services, wagtail_hooks
from hack.workspaces.models import (
    Activity,
    ActivityVerb,
    GroupMember,
    GroupStage,
    GroupStatus,
    JoinRequest,
    JoinRequestStatus,
    MemberRole,
    WorkingGroup,
)
from tests import factories
from tests.calls.factories import make_call, make_proposal

pytestmark = pytest.mark.django_db

LOGIN = "login"
ROLES = [
    "anonymous",
    "coordinator",
    "facilitator",
    "staff_x",
    "staff_y",
    "member_a",
    "member_b",
]


def ja(message: str) -> str:
    """The text the page shows: pages without /en/ render in Japanese."""
    with translation.override("ja"):
        return escape(gettext(message))


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def facilitator(group_x, coordinator):
    """A facilitator of group X who is no longer a coordinator: facilitators are
    appointed from the coordinators, and keep the group when they leave that
    role."""
    user = factories.make_coordinator("facilitator@example.jp")
    services.add_staff_member(
        group=group_x, user=user, by=coordinator, facilitator=True
    )
    user.groups.remove(Group.objects.get(name=COORDINATORS_GROUP))
    return user


@pytest.fixture
def world(group_x, need_x, facilitator, staff_x, staff_y, member_a, member_b):
    """Group X (coordinator and facilitator facilitate, staff X and organisation
    A are in it) and a pending request to join from organisation B."""
    join_request = services.request_to_join(
        group=group_x, by=member_b, message="防災アプリの経験があります。"
    )
    return SimpleNamespace(group=group_x, need=need_x, join_request=join_request)


@pytest.fixture
def login(client, request):
    def _login(role: str):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return _login


def assert_outcome(response, expected, path: str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302, path
        assert response["Location"] == redirect_to_login(path, "/accounts/login/").url
    else:
        assert response.status_code == expected, (path, response.status_code)


def member_row(group, user) -> GroupMember:
    return GroupMember.objects.get(group=group, user=user, removed_at__isnull=True)


# --- Role × view matrix ----------------------------------------------------------

MANAGERS = {
    "anonymous": LOGIN,
    "coordinator": 200,
    "facilitator": 200,
    "staff_x": 403,
    "staff_y": 403,
    "member_a": 403,
    "member_b": 403,
}
COORDINATORS_ONLY = {**MANAGERS, "facilitator": 403}


@pytest.mark.parametrize("role", ROLES)
def test_the_group_list(login, world, role):
    path = reverse("workspaces:manage-list")
    response = login(role).get(path)
    assert_outcome(response, MANAGERS[role], path)
    if MANAGERS[role] == 200:
        assert list(response.context["groups"]) == [world.group]
    else:
        assert world.group.title not in html_of(response)


@pytest.mark.parametrize("role", ROLES)
def test_the_create_form(login, world, role):
    path = reverse("workspaces:group-create", args=[world.need.pk])
    response = login(role).get(path)
    assert_outcome(response, COORDINATORS_ONLY[role], path)


@pytest.mark.parametrize("role", ROLES)
def test_the_manage_page(login, world, role):
    path = reverse("workspaces:group-manage", args=[world.group.pk])
    response = login(role).get(path)
    assert_outcome(response, MANAGERS[role], path)
    text = html_of(response)
    if MANAGERS[role] == 200:
        assert "防災アプリの経験があります。" in text
    else:
        assert "防災アプリの経験があります。" not in text


POSTED = {role: 302 if code == 200 else code for role, code in MANAGERS.items()}


def _second_staff_x(world, dept_x):
    return factories.make_staff(dept_x, "staff-x2@example.jp")


ACTIONS = {
    # name: (url name, extra args, data builder, effect check)
    "add staff": (
        "workspaces:member-add",
        lambda w, ctx: [],
        lambda w, ctx: {"kind": "staff", "staff-user": str(ctx["new_staff"].pk)},
        lambda w, ctx: selectors.is_active_member(ctx["new_staff"].pk, w.group.pk),
    ),
    "invite organisation": (
        "workspaces:organization-add",
        lambda w, ctx: [],
        lambda w, ctx: {"organization": str(ctx["org_b"].pk)},
        lambda w, ctx: selectors.is_active_member(ctx["member_b"].pk, w.group.pk),
    ),
    "remove member": (
        "workspaces:member-remove",
        lambda w, ctx: [member_row(w.group, ctx["member_a"]).pk],
        lambda w, ctx: {"confirm": "yes"},
        lambda w, ctx: not selectors.is_active_member(ctx["member_a"].pk, w.group.pk),
    ),
    "decline request": (
        "workspaces:request-decide",
        lambda w, ctx: [w.join_request.pk],
        lambda w, ctx: {f"r{w.join_request.pk}-decision": "decline"},
        lambda w, ctx: (
            JoinRequest.objects.get(pk=w.join_request.pk).status
            == JoinRequestStatus.DECLINED
        ),
    ),
    "change stage": (
        "workspaces:stage-change",
        lambda w, ctx: [],
        lambda w, ctx: {"stage": GroupStage.DEFINE},
        lambda w, ctx: (
            WorkingGroup.objects.get(pk=w.group.pk).stage == GroupStage.DEFINE
        ),
    ),
    "close group": (
        "workspaces:group-close",
        lambda w, ctx: [],
        lambda w, ctx: {"reason": "実証に移らず終了します。", "confirm": "on"},
        lambda w, ctx: (
            WorkingGroup.objects.get(pk=w.group.pk).status == GroupStatus.CLOSED
        ),
    ),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_every_action_by_role(
    login, world, dept_x, org_b, member_a, member_b, role, action
):
    name, args, data, done = ACTIONS[action]
    ctx = {
        "new_staff": _second_staff_x(world, dept_x),
        "org_b": org_b,
        "member_a": member_a,
        "member_b": member_b,
    }
    path = reverse(name, args=[world.group.pk, *args(world, ctx)])
    response = login(role).post(path, data(world, ctx))
    assert_outcome(response, POSTED[role], path)
    assert done(world, ctx) == (POSTED[role] == 302)


@pytest.mark.parametrize("role", ROLES)
def test_forming_a_group_by_role(
    login, need_x, staff_x, staff_y, member_a, member_b, request, role
):
    if role == "facilitator":
        # A former coordinator who facilitates another group.
        request.getfixturevalue("world")
    path = reverse("workspaces:group-create", args=[need_x.pk])
    before = WorkingGroup.objects.count()
    response = login(role).post(
        path, {"title": "新しい WG", "purpose": "", "accepts_requests": "on"}
    )
    expected = 403 if role == "facilitator" else POSTED[role]
    assert_outcome(response, expected, path)
    created = WorkingGroup.objects.filter(title="新しい WG").first()
    assert (created is not None) == (expected == 302)
    if created:
        assert response["Location"] == reverse(
            "workspaces:group-manage", args=[created.pk]
        )
    else:
        assert WorkingGroup.objects.count() == before


@pytest.mark.parametrize(
    "name",
    [
        "workspaces:member-add",
        "workspaces:organization-add",
        "workspaces:stage-change",
        "workspaces:group-close",
    ],
)
def test_post_only_actions_refuse_get(login, world, name):
    response = login("coordinator").get(reverse(name, args=[world.group.pk]))
    assert response.status_code == 405


def test_remove_and_decide_refuse_get(login, world, member_a):
    client = login("coordinator")
    remove = reverse(
        "workspaces:member-remove",
        args=[world.group.pk, member_row(world.group, member_a).pk],
    )
    decide = reverse(
        "workspaces:request-decide", args=[world.group.pk, world.join_request.pk]
    )
    assert client.get(remove).status_code == 405
    assert client.get(decide).status_code == 405
    assert client.put(remove).status_code == 405
    assert selectors.is_active_member(member_a.pk, world.group.pk)


def test_unknown_groups_and_needs_are_not_found(login, world):
    client = login("coordinator")
    assert (
        client.get(reverse("workspaces:group-manage", args=[999999])).status_code == 404
    )
    assert (
        client.get(reverse("workspaces:group-create", args=[999999])).status_code == 404
    )
    assert (
        client.post(
            reverse("workspaces:stage-change", args=[999999]), {"stage": "define"}
        ).status_code
        == 404
    )


# --- Ids of another group ----------------------------------------------------------


@pytest.fixture
def other_group(dept_y, staff_y, coordinator, member_b):
    need_y = factories.make_need(dept_y, staff_y, publish_by=coordinator)
    group = services.form_working_group(need=need_y, by=coordinator, title="別の WG")
    services.add_staff_member(group=group, user=staff_y, by=coordinator)
    return group


def test_another_groups_member_is_not_found(login, world, other_group, staff_y):
    row = member_row(other_group, staff_y)
    response = login("coordinator").post(
        reverse("workspaces:member-remove", args=[world.group.pk, row.pk]),
        {"confirm": "yes"},
    )
    assert response.status_code == 404
    assert selectors.is_active_member(staff_y.pk, other_group.pk)


def test_another_groups_request_is_not_found(login, world, other_group, member_a):
    join_request = services.request_to_join(group=other_group, by=member_a)
    response = login("coordinator").post(
        reverse("workspaces:request-decide", args=[world.group.pk, join_request.pk]),
        {f"r{join_request.pk}-decision": "accept"},
    )
    assert response.status_code == 404
    join_request.refresh_from_db()
    assert join_request.status == JoinRequestStatus.PENDING


def test_a_facilitator_cannot_manage_another_group(login, world, other_group):
    client = login("facilitator")
    assert (
        client.get(
            reverse("workspaces:group-manage", args=[other_group.pk])
        ).status_code
        == 403
    )
    response = client.post(
        reverse("workspaces:stage-change", args=[other_group.pk]), {"stage": "test"}
    )
    assert response.status_code == 403
    other_group.refresh_from_db()
    assert other_group.stage == GroupStage.EMPATHISE
    # The list shows only the group they facilitate.
    listed = client.get(reverse("workspaces:manage-list")).context["groups"]
    assert list(listed) == [world.group]


# --- The list --------------------------------------------------------------------


def test_the_list_counts_members_and_requests_and_filters(login, world, other_group):
    services.close_group(group=other_group, by=world.group.created_by, reason="終了")
    client = login("coordinator")
    response = client.get(reverse("workspaces:manage-list"))
    groups = {g.pk: g for g in response.context["groups"]}
    # coordinator, facilitator, staff X, member A
    assert groups[world.group.pk].member_count == 4
    assert groups[world.group.pk].pending_count == 1
    assert groups[other_group.pk].pending_count == 0
    text = html_of(response)
    assert reverse("workspaces:group-manage", args=[world.group.pk]) in text
    closed = client.get(reverse("workspaces:manage-list"), {"status": "closed"})
    assert list(closed.context["groups"]) == [other_group]
    active = client.get(reverse("workspaces:manage-list"), {"status": "active"})
    assert list(active.context["groups"]) == [world.group]
    garbage = client.get(reverse("workspaces:manage-list"), {"status": "<script>"})
    assert garbage.status_code == 200
    assert len(garbage.context["groups"]) == 2


def test_the_list_offers_needs_without_an_active_group(login, world, dept_x, staff_x):
    free = factories.make_need(
        dept_x, staff_x, publish_by=world.group.created_by, title="図書館の予約"
    )
    response = login("coordinator").get(reverse("workspaces:manage-list"))
    assert list(response.context["needs_without_group"]) == [free]
    assert reverse("workspaces:group-create", args=[free.pk]) in html_of(response)
    facilitator_view = login("facilitator").get(reverse("workspaces:manage-list"))
    assert reverse("workspaces:group-create", args=[free.pk]) not in html_of(
        facilitator_view
    )


# --- Forming a group ---------------------------------------------------------------


def test_the_create_form_is_prefilled_with_the_need_title(login, need_x):
    response = login("coordinator").get(
        reverse("workspaces:group-create", args=[need_x.pk])
    )
    assert response.context["form"]["title"].value() == need_x.title
    assert response.context["form"]["accepts_requests"].value() is True


def test_forming_a_group_makes_the_coordinator_facilitator(login, need_x, coordinator):
    response = login("coordinator").post(
        reverse("workspaces:group-create", args=[need_x.pk]),
        {"title": "窓口 WG", "purpose": "待ち時間を半分に"},
    )
    group = WorkingGroup.objects.get(title="窓口 WG")
    assert response.status_code == 302
    assert group.purpose == "待ち時間を半分に"
    assert group.accepts_requests is False  # the box was not ticked
    assert member_row(group, coordinator).role == MemberRole.FACILITATOR
    need_x.refresh_from_db()
    assert need_x.stage == Stage.WORKING_GROUP


def test_a_form_error_keeps_the_text(login, need_x):
    response = login("coordinator").post(
        reverse("workspaces:group-create", args=[need_x.pk]),
        {"title": "   ", "purpose": "目的は残ること"},
    )
    assert response.status_code == 400
    text = html_of(response)
    assert "目的は残ること" in text
    assert 'id="error-summary"' in text
    assert ja("Give the group a name.") in text
    assert not WorkingGroup.objects.exists()


@pytest.mark.parametrize("state", ["draft", "closed"])
def test_a_group_cannot_be_formed_on_an_unpublished_or_closed_need(
    login, dept_x, staff_x, coordinator, state
):
    if state == "draft":
        need = factories.make_need(dept_x, staff_x)
        expected = ja(
            "“%(need)s” is not published: a working group can be formed only on a "
            "published need."
        )
    else:
        need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
        change_need_stage(need=need, to=Stage.CLOSED, by=coordinator)
        expected = ja("“%(need)s” is closed: no new working group can be formed on it.")
    client = login("coordinator")
    path = reverse("workspaces:group-create", args=[need.pk])
    for response in (
        client.get(path, follow=True),
        client.post(path, {"title": "WG"}, follow=True),
    ):
        assert response.redirect_chain[-1][0] == reverse("workspaces:manage-list")
        assert expected.replace("%(need)s", escape(need.title)) in html_of(response)
    assert not WorkingGroup.objects.exists()


# --- The manage page and its actions ----------------------------------------------


def test_the_manage_page_shows_members_by_role_with_remove_buttons(
    login, world, coordinator, facilitator, staff_x, member_a
):
    response = login("facilitator").get(
        reverse("workspaces:group-manage", args=[world.group.pk])
    )
    roles = {
        s["role"]: [m.user for m in s["members"]] for s in response.context["roles"]
    }
    assert set(roles[MemberRole.FACILITATOR]) == {coordinator, facilitator}
    assert roles[MemberRole.DEPARTMENT] == [staff_x]
    assert roles[MemberRole.ORGANIZATION] == [member_a]
    text = html_of(response)
    for user in (coordinator, facilitator, staff_x, member_a):
        url = reverse(
            "workspaces:member-remove",
            args=[world.group.pk, member_row(world.group, user).pk],
        )
        assert url in text
    assert reverse("workspaces:workspace", args=[world.group.pk]) in text
    # The stages as five radio buttons, the current one checked.
    assert text.count('type="radio" name="stage"') == 5
    assert 'value="empathise" required id="id_stage_0" checked' in text


def test_the_staff_select_prefers_the_need_department(
    login, world, dept_x, dept_y, staff_y
):
    colleague = factories.make_staff(dept_x, "colleague@example.jp")
    other_coordinator = factories.make_coordinator("coord2@example.jp")
    response = login("coordinator").get(
        reverse("workspaces:group-manage", args=[world.group.pk])
    )
    staff_choices = response.context["staff_form"].fields["user"].choices
    (same_label, same), (other_label, other) = staff_choices[1:]
    assert [pk for pk, _label in same] == [str(colleague.pk)]
    assert [pk for pk, _label in other] == [str(staff_y.pk)]
    assert str(dept_x) in str(same_label)
    facilitator_choices = response.context["facilitator_form"].fields["user"].choices
    offered = [pk for _group, options in facilitator_choices[1:] for pk, _l in options]
    assert offered == [str(other_coordinator.pk)]  # members are not offered again


def test_adding_a_coordinator_as_facilitator(login, world):
    new = factories.make_coordinator("coord3@example.jp")
    response = login("facilitator").post(
        reverse("workspaces:member-add", args=[world.group.pk]),
        {"kind": "facilitator", "facilitator-user": str(new.pk)},
    )
    assert response.status_code == 302
    assert member_row(world.group, new).role == MemberRole.FACILITATOR
    assert Notification.objects.filter(
        recipient=new, kind="workspace.member_added"
    ).exists()


def test_removing_asks_for_confirmation_first(login, world, member_a):
    row = member_row(world.group, member_a)
    path = reverse("workspaces:member-remove", args=[world.group.pk, row.pk])
    client = login("coordinator")
    confirm = client.post(path)
    assert confirm.status_code == 200
    assert 'name="confirm" value="yes"' in html_of(confirm)
    assert selectors.is_active_member(member_a.pk, world.group.pk)
    done = client.post(path, {"confirm": "yes"})
    assert done.status_code == 302
    assert not selectors.is_active_member(member_a.pk, world.group.pk)
    assert Activity.objects.filter(
        group=world.group, verb=ActivityVerb.MEMBER_REMOVED
    ).exists()
    # Removing again: a clear message, not a crash.
    again = client.post(path, {"confirm": "yes"})
    assert again.status_code == 400
    assert ja("This person is no longer a member.") in html_of(again)


def test_the_last_facilitator_cannot_be_removed(login, group_x, coordinator):
    row = member_row(group_x, coordinator)
    path = reverse("workspaces:member-remove", args=[group_x.pk, row.pk])
    client = login("coordinator")
    # The confirmation page says so before anyone tries.
    confirm = client.post(path)
    assert confirm.status_code == 200
    assert confirm.context["only_facilitator"] is True
    assert 'name="confirm"' not in html_of(confirm)
    response = client.post(path, {"confirm": "yes"})
    assert response.status_code == 400
    assert ja("A group needs at least one facilitator.") in html_of(response)
    assert selectors.is_active_member(coordinator.pk, group_x.pk)


def test_a_facilitator_who_removes_themselves_leaves_the_page(
    login, world, facilitator
):
    row = member_row(world.group, facilitator)
    response = login("facilitator").post(
        reverse("workspaces:member-remove", args=[world.group.pk, row.pk]),
        {"confirm": "yes"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("workspaces:group-list")
    assert not selectors.can_manage_group(facilitator, world.group)


def test_accepting_a_request_adds_the_organisations_members(
    login, world, org_b, member_b
):
    colleague = factories.make_member(org_b, "colleague-b@example.jp")
    response = login("coordinator").post(
        reverse(
            "workspaces:request-decide", args=[world.group.pk, world.join_request.pk]
        ),
        {f"r{world.join_request.pk}-decision": "accept"},
    )
    assert response.status_code == 302
    assert selectors.is_active_member(member_b.pk, world.group.pk)
    assert selectors.is_active_member(colleague.pk, world.group.pk)
    assert member_row(world.group, member_b).organization == org_b
    assert Activity.objects.filter(
        group=world.group, verb=ActivityVerb.JOIN_ACCEPTED
    ).exists()


def test_declining_a_request_tells_the_organisation(login, world, member_b):
    response = login("facilitator").post(
        reverse(
            "workspaces:request-decide", args=[world.group.pk, world.join_request.pk]
        ),
        {
            f"r{world.join_request.pk}-decision": "decline",
            f"r{world.join_request.pk}-reason": "今回は定員に達しました。",
        },
    )
    assert response.status_code == 302
    assert not selectors.is_active_member(member_b.pk, world.group.pk)
    notification = Notification.objects.get(
        recipient=member_b, kind="workspace.join_declined"
    )
    assert notification.params["reason"] == "今回は定員に達しました。"
    world.join_request.refresh_from_db()
    assert world.join_request.reason == "今回は定員に達しました。"
    # An answered request cannot be answered again.
    again = login("coordinator").post(
        reverse(
            "workspaces:request-decide", args=[world.group.pk, world.join_request.pk]
        ),
        {f"r{world.join_request.pk}-decision": "accept"},
    )
    assert again.status_code == 400
    assert ja("This request has already been answered.") in html_of(again)
    assert not selectors.is_active_member(member_b.pk, world.group.pk)


def test_a_stage_change_is_in_the_timeline(login, world):
    client = login("facilitator")
    response = client.post(
        reverse("workspaces:stage-change", args=[world.group.pk]),
        {"stage": GroupStage.PROTOTYPE},
    )
    assert response.status_code == 302
    activity = Activity.objects.get(group=world.group, verb=ActivityVerb.STAGE_CHANGED)
    assert activity.actor.email == "facilitator@example.jp"
    page = client.get(reverse("workspaces:group-manage", args=[world.group.pk]))
    assert activity in page.context["activities"]
    assert escape(activity.params["to_stage"]) in html_of(page)


def test_a_closed_group_refuses_every_change(login, world, dept_x, org_b, member_a):
    client = login("coordinator")
    closed = client.post(
        reverse("workspaces:group-close", args=[world.group.pk]),
        {"reason": "目的を達成しました。", "confirm": "on"},
    )
    assert closed.status_code == 302
    world.group.refresh_from_db()
    assert world.group.status == GroupStatus.CLOSED
    page = client.get(reverse("workspaces:group-manage", args=[world.group.pk]))
    assert "目的を達成しました。" in html_of(page)  # the reason, in the timeline
    assert reverse("workspaces:stage-change", args=[world.group.pk]) not in html_of(
        page
    )

    newcomer = factories.make_staff(dept_x, "newcomer@example.jp")
    attempts = [
        ("workspaces:stage-change", [], {"stage": GroupStage.TEST}),
        ("workspaces:group-close", [], {"reason": "again", "confirm": "on"}),
        ("workspaces:member-add", [], {"kind": "staff", "staff-user": newcomer.pk}),
        ("workspaces:organization-add", [], {"organization": org_b.pk}),
        (
            "workspaces:request-decide",
            [world.join_request.pk],
            {f"r{world.join_request.pk}-decision": "accept"},
        ),
    ]
    for name, args, data in attempts:
        response = client.post(reverse(name, args=[world.group.pk, *args]), data)
        assert response.status_code == 400, name
    world.group.refresh_from_db()
    assert world.group.stage == GroupStage.EMPATHISE
    assert not selectors.is_active_member(newcomer.pk, world.group.pk)
    assert selectors.count_members(world.group.pk) == 4
    assert (
        Activity.objects.filter(group=world.group, verb=ActivityVerb.CLOSED).count()
        == 1
    )


def test_candidates_come_from_shortlisted_proposals(
    login, dept_x, staff_x, coordinator, member_b, org_b
):
    need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    call = make_call(need, staff_x)
    proposal = make_proposal(call, member_b, title="AI 受付の提案")
    call_services.decide_proposal(
        proposal=proposal, by=staff_x, decision="shortlisted", message="選考に進みます"
    )
    group = services.form_working_group(need=need, by=coordinator, title="受付 WG")
    services.request_to_join(group=group, by=member_b)
    client = login("coordinator")
    page = client.get(reverse("workspaces:group-manage", args=[group.pk]))
    (candidate,) = page.context["candidates"]
    assert candidate["organization"] == org_b
    assert candidate["reasons"] == [("proposal", "AI 受付の提案")]
    text = html_of(page)
    assert "AI 受付の提案" in text
    assert f'name="organization" value="{org_b.pk}"' in text
    response = client.post(
        reverse("workspaces:organization-add", args=[group.pk]),
        {"organization": org_b.pk},
    )
    assert response.status_code == 302
    assert selectors.is_active_member(member_b.pk, group.pk)
    # Inviting the organisation answered its pending request too, and it is no
    # longer a candidate.
    assert not selectors.list_pending_requests(group).exists()
    page = client.get(reverse("workspaces:group-manage", args=[group.pk]))
    assert page.context["candidates"] == []


def test_searching_organisations(login, world, org_a, org_b):
    client = login("coordinator")
    path = reverse("workspaces:group-manage", args=[world.group.pk])
    results = client.get(path, {"q": "ビー"}).context["results"]
    assert [(r["organization"], r["in_group"]) for r in results] == [(org_b, False)]
    in_group = client.get(path, {"q": "エー"}).context["results"]
    assert [(r["organization"], r["in_group"]) for r in in_group] == [(org_a, True)]
    for query in ("", "   ", "x" * 5000, "%", "\x00"):
        response = client.get(path, {"q": query})
        assert response.status_code == 200
        assert response.context["results"] == []


def test_an_organisation_without_members_is_refused(login, world):
    empty = factories.make_organization(name="空の団体")
    empty.memberships.all().delete()
    response = login("coordinator").post(
        reverse("workspaces:organization-add", args=[world.group.pk]),
        {"organization": empty.pk, "q": "空"},
    )
    assert response.status_code == 400
    text = html_of(response)
    assert escape("空の団体") in text
    assert response.context["query"] == "空"  # the search stays in view


# --- Garbage ---------------------------------------------------------------------


GARBAGE = [
    ("workspaces:member-add", {}),
    ("workspaces:member-add", {"kind": "staff"}),
    ("workspaces:member-add", {"kind": "staff", "staff-user": "abc"}),
    ("workspaces:member-add", {"kind": "staff", "staff-user": "999999"}),
    ("workspaces:member-add", {"kind": "facilitator", "facilitator-user": "-1"}),
    ("workspaces:member-add", {"kind": "nonsense", "staff-user": ["1", "2"]}),
    ("workspaces:organization-add", {}),
    ("workspaces:organization-add", {"organization": "abc"}),
    ("workspaces:organization-add", {"organization": "999999"}),
    ("workspaces:organization-add", {"organization": "1.5e3"}),
    ("workspaces:stage-change", {}),
    ("workspaces:stage-change", {"stage": "launch"}),
    ("workspaces:stage-change", {"stage": ""}),
    ("workspaces:stage-change", {"stage": "\x00"}),
    ("workspaces:group-close", {}),
    ("workspaces:group-close", {"reason": "x" * 5000, "confirm": "on"}),
    ("workspaces:group-close", {"reason": "理由\x00", "confirm": "on"}),
    ("workspaces:group-close", {"reason": "理由は書いた"}),
]


@pytest.mark.parametrize(("name", "data"), GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_is_refused_with_400(login, world, name, data):
    before = WorkingGroup.objects.values().get(pk=world.group.pk)
    members = selectors.count_members(world.group.pk)
    response = login("coordinator").post(reverse(name, args=[world.group.pk]), data)
    assert response.status_code == 400
    assert WorkingGroup.objects.values().get(pk=world.group.pk) == before
    assert selectors.count_members(world.group.pk) == members


def test_a_refused_close_keeps_the_reason(login, world):
    response = login("coordinator").post(
        reverse("workspaces:group-close", args=[world.group.pk]),
        {"reason": "予算が確保できませんでした。"},
    )
    assert response.status_code == 400
    text = html_of(response)
    assert "予算が確保できませんでした。" in text
    assert ja("Tick the box to confirm.") in text
    assert 'id="error-summary"' in text


@pytest.mark.parametrize(
    "data",
    [{}, {"decision": "accept"}, {"r{pk}-decision": "maybe"}, {"r{pk}-decision": ""}],
    ids=["empty", "no-prefix", "unknown", "blank"],
)
def test_a_garbage_decision_keeps_the_reason(login, world, member_b, data):
    pk = world.join_request.pk
    data = {key.format(pk=pk): value for key, value in data.items()}
    data[f"r{pk}-reason"] = "理由を残してください"
    response = login("coordinator").post(
        reverse("workspaces:request-decide", args=[world.group.pk, pk]), data
    )
    assert response.status_code == 400
    assert "理由を残してください" in html_of(response)
    world.join_request.refresh_from_db()
    assert world.join_request.status == JoinRequestStatus.PENDING


def test_non_numeric_ids_in_the_path_are_not_routed(client, world, coordinator):
    client.force_login(coordinator)
    response = client.post(f"/workspaces/{world.group.pk}/manage/members/abc/remove/")
    assert response.status_code == 404


def test_the_csrf_token_is_required(world, coordinator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    response = client.post(
        reverse("workspaces:stage-change", args=[world.group.pk]), {"stage": "define"}
    )
    assert response.status_code == 403
    world.group.refresh_from_db()
    assert world.group.stage == GroupStage.EMPATHISE


# --- The need page's panel ---------------------------------------------------------


def panel_links(role_client, need) -> str:
    return html_of(role_client.get(need.url))


@pytest.mark.parametrize(
    ("role", "workspace", "join", "manage", "form"),
    [
        ("anonymous", False, False, False, False),
        ("coordinator", True, False, True, True),
        ("facilitator", True, False, True, False),
        ("staff_x", True, False, False, False),
        ("staff_y", False, False, False, False),
        ("member_a", True, False, False, False),
        ("member_b", False, True, False, False),
    ],
)
def test_the_need_page_panel_by_role(
    login, world, org_a, role, workspace, join, manage, form
):
    # Organisation B's request is answered, so B may ask again.
    services.decide_join_request(
        request=world.join_request, by=world.group.created_by, accept=False
    )
    response = login(role).get(world.need.url)
    assert response.status_code == 200
    text = html_of(response)
    assert 'id="working-groups"' in text
    assert escape(world.group.title) in text
    assert escape(org_a.name) in text
    assert ja(GroupStage.EMPATHISE.label) in text
    urls = {
        "workspace": reverse("workspaces:workspace", args=[world.group.pk]),
        "join": reverse("workspaces:join-request", args=[world.group.pk]),
        "manage": reverse("workspaces:group-manage", args=[world.group.pk]),
        "form": reverse("workspaces:group-create", args=[world.need.pk]),
    }
    expected = {"workspace": workspace, "join": join, "manage": manage, "form": form}
    for key, url in urls.items():
        assert (f'href="{url}"' in text) == expected[key], (role, key)
    login_hint = ja("Log in as a member of an organisation to ask to join")
    assert (login_hint in text) == (role == "anonymous")


def test_a_pending_request_is_shown_instead_of_the_join_link(login, world):
    text = html_of(login("member_b").get(world.need.url))
    assert ja("Your organisation has asked to join; a coordinator will answer.") in text
    assert reverse("workspaces:join-request", args=[world.group.pk]) not in text


def test_a_group_not_taking_requests_has_no_join_link(login, need_x, coordinator):
    group = services.form_working_group(
        need=need_x, by=coordinator, title="招待制 WG", accepts_requests=False
    )
    text = html_of(login("member_b").get(need_x.url))
    assert escape(group.title) in text
    assert reverse("workspaces:join-request", args=[group.pk]) not in text


def test_the_panel_is_hidden_without_groups_except_for_coordinators(login, need_x):
    assert 'id="working-groups"' not in html_of(login("member_a").get(need_x.url))
    text = html_of(login("coordinator").get(need_x.url))
    assert 'id="working-groups"' in text
    assert reverse("workspaces:group-create", args=[need_x.pk]) in text


def test_a_closed_need_offers_no_new_group(login, need_x, coordinator):
    change_need_stage(need=need_x, to=Stage.CLOSED, by=coordinator)
    text = html_of(login("coordinator").get(need_x.url))
    assert reverse("workspaces:group-create", args=[need_x.pk]) not in text


def render_panel(need, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load workspaces_tags %}{% working_group_panel need %}")
    return template.render(Context({"request": request, "need": need}))


def test_the_panel_hides_groups_of_unpublished_needs(world, coordinator, member_a):
    assert escape(world.group.title) in render_panel(world.need, member_a)
    world.need.unpublish()
    world.need.refresh_from_db()
    for user in (coordinator, member_a, AnonymousUser()):
        text = render_panel(world.need, user)
        assert escape(world.group.title) not in text
        assert 'id="working-groups"' not in text


# --- Wagtail admin -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("member_a", False),
        ("staff_x", False),
        ("facilitator", False),
        ("coordinator", True),
    ],
)
def test_the_admin_menu_item(request, world, role, shown):
    item = wagtail_hooks.register_working_groups_menu_item()
    http_request = RequestFactory().get("/admin/")
    http_request.user = request.getfixturevalue(role)
    assert item.is_shown(http_request) == shown
    assert item.url == reverse("workspaces:manage-list")


def test_the_need_button_in_the_admin(need_x, coordinator, staff_x, member_a):
    button = wagtail_hooks._group_button(need_x, coordinator, priority=1)
    assert button.url == reverse("workspaces:group-create", args=[need_x.pk])
    assert wagtail_hooks._group_button(need_x, staff_x, priority=1) is None
    assert wagtail_hooks._group_button(need_x, member_a, priority=1) is None
    (listed,) = wagtail_hooks.working_group_listing_button(need_x, coordinator)
    assert listed.url == button.url
    change_need_stage(need=need_x, to=Stage.CLOSED, by=coordinator)
    need_x.refresh_from_db()
    assert wagtail_hooks._group_button(need_x, coordinator, priority=1) is None


def test_the_need_editor_links_to_forming_a_group(client, need_x, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[need_x.pk]))
    assert response.status_code == 200
    assert reverse("workspaces:group-create", args=[need_x.pk]) in html_of(response)
