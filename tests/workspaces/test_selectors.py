"""Who is in a group, who manages it, and the reads the pages need."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from hack.calls import services as call_services
from hack.calls.models import ProposalStatus
from hack.matching.models import MatchState
from hack.needs.models import NeedPage
from hack.workspaces import selectors, services
from hack.workspaces.models import Connection, GroupMember
from tests import factories
from tests.calls.factories import make_call, make_proposal
from tests.matching.factories import make_match

pytestmark = pytest.mark.django_db


def test_is_active_member(group_x, member_a, member_b, coordinator):
    assert selectors.is_active_member(member_a.pk, group_x.pk)
    assert selectors.is_active_member(coordinator.pk, group_x.pk)
    assert not selectors.is_active_member(member_b.pk, group_x.pk)
    assert not selectors.is_active_member(None, group_x.pk)
    other = services.form_working_group(
        need=group_x.need, by=coordinator, title="別の WG"
    )
    assert not selectors.is_active_member(member_a.pk, other.pk)
    member_a.is_active = False
    member_a.save()
    assert not selectors.is_active_member(member_a.pk, group_x.pk)


def test_a_removed_member_is_not_active(group_x, member_a, coordinator):
    member = GroupMember.objects.get(group=group_x, user=member_a)
    services.remove_member(member=member, by=coordinator)
    assert not selectors.is_active_member(member_a.pk, group_x.pk)
    assert selectors.get_membership(member_a, group_x) is None
    assert not selectors.can_enter_workspace(member_a, group_x)


def test_can_manage_group(group_x, coordinator, staff_x, member_a):
    assert selectors.can_manage_group(coordinator, group_x)
    # Every coordinator manages every group, member or not.
    assert selectors.can_manage_group(factories.make_coordinator(), group_x)
    assert not selectors.can_manage_group(staff_x, group_x)
    assert not selectors.can_manage_group(member_a, group_x)
    assert not selectors.can_manage_group(AnonymousUser(), group_x)
    facilitator = factories.make_coordinator()
    services.add_staff_member(
        group=group_x, user=facilitator, by=coordinator, facilitator=True
    )
    facilitator.groups.clear()  # no longer a coordinator
    assert selectors.can_manage_group(facilitator, group_x)
    services.remove_member(
        member=GroupMember.objects.get(group=group_x, user=facilitator),
        by=coordinator,
    )
    assert not selectors.can_manage_group(facilitator, group_x)


def test_list_groups_of(group_x, coordinator, member_a, org_a, member_b):
    other = services.form_working_group(
        need=group_x.need, by=coordinator, title="別の WG"
    )
    assert list(selectors.list_groups_of(member_a)) == [group_x]
    assert list(selectors.list_groups_of(coordinator)) == [other, group_x]
    assert list(selectors.list_groups_of(member_b)) == []
    assert list(selectors.list_groups_of(AnonymousUser())) == []
    services.remove_member(
        member=GroupMember.objects.get(group=group_x, user=member_a), by=coordinator
    )
    assert list(selectors.list_groups_of(member_a)) == []
    # Added again: listed once, although two membership rows exist.
    services.add_organization(group=group_x, organization=org_a, by=coordinator)
    assert list(selectors.list_groups_of(member_a)) == [group_x]


def test_list_open_groups(group_x, coordinator, dept_x, staff_x):
    need = group_x.need
    closed = services.form_working_group(need=need, by=coordinator, title="閉")
    services.close_group(group=closed, by=coordinator)
    services.form_working_group(
        need=need, by=coordinator, title="招待のみ", accepts_requests=False
    )
    other_need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    hidden = services.form_working_group(
        need=other_need, by=coordinator, title="非公開"
    )
    assert list(selectors.list_open_groups()) == [hidden, group_x]
    NeedPage.objects.filter(pk=other_need.pk).update(live=False)
    assert list(selectors.list_open_groups()) == [group_x]


def test_list_candidate_organizations(
    need_x, coordinator, staff_x, org_a, member_a, org_b, member_b
):
    # Matches: org B accepted, org A accepted too but will be in the group,
    # org C only suggested.
    member_c = factories.make_user()
    org_c = factories.make_organization(member_c, name="合同会社シー")
    seed_b = factories.make_seed(org_b, member_b, publish_by=coordinator)
    seed_a = factories.make_seed(org_a, member_a, publish_by=coordinator)
    seed_c = factories.make_seed(org_c, member_c, publish_by=coordinator)
    make_match(need_x, seed_b, state=MatchState.ACCEPTED)
    make_match(need_x, seed_a, state=MatchState.ACCEPTED)
    make_match(need_x, seed_c, state=MatchState.SUGGESTED)
    # Proposals: org D shortlisted then invited, org E shortlisted, org C only
    # submitted, org B shortlisted too (listed once, with both reasons).
    call = make_call(need_x, staff_x)
    people = {}
    for name in ("株式会社ディー", "株式会社イー"):
        person = factories.make_user()
        people[name] = (person, factories.make_organization(person, name=name))
    member_d, org_d = people["株式会社ディー"]
    member_e, org_e = people["株式会社イー"]
    decisions = [
        (member_d, [ProposalStatus.SHORTLISTED, ProposalStatus.INVITED]),
        (member_e, [ProposalStatus.SHORTLISTED]),
        (member_b, [ProposalStatus.SHORTLISTED]),
        (member_c, []),
    ]
    for person, steps in decisions:
        proposal = make_proposal(call, person, title=f"{person.email} の提案")
        for step in steps:
            proposal = call_services.decide_proposal(
                proposal=proposal, by=staff_x, decision=step, message="ご連絡します"
            )
    group = services.form_working_group(need=need_x, by=coordinator, title="WG")
    services.add_organization(group=group, organization=org_a, by=coordinator)

    candidates = selectors.list_candidate_organizations(group)
    by_name = {c["organization"].name: c["reasons"] for c in candidates}
    assert set(by_name) == {org_b.name, org_d.name, org_e.name}
    assert [c["organization"] for c in candidates] == sorted(
        [org_b, org_d, org_e], key=lambda o: o.name
    )
    assert by_name[org_b.name] == [
        ("match", seed_b.title),
        ("proposal", f"{member_b.email} の提案"),
    ]
    assert by_name[org_d.name] == [("proposal", f"{member_d.email} の提案")]
    # Once an organisation is in, it is no longer a candidate; a removed one is.
    services.add_organization(group=group, organization=org_b, by=coordinator)
    names = {
        c["organization"].name for c in selectors.list_candidate_organizations(group)
    }
    assert names == {org_d.name, org_e.name}
    services.remove_member(
        member=GroupMember.objects.get(group=group, user=member_b), by=coordinator
    )
    names = {
        c["organization"].name for c in selectors.list_candidate_organizations(group)
    }
    assert org_b.name in names


def test_search_organizations(org_a, org_b):
    extra = factories.make_organization(name="株式会社エーアイ")
    assert list(selectors.search_organizations("エー")) == sorted(
        [org_a, extra], key=lambda o: o.name
    )
    assert list(selectors.search_organizations("  ビー ")) == [org_b]
    assert list(selectors.search_organizations("")) == []
    assert list(selectors.search_organizations("   ")) == []
    assert list(selectors.search_organizations("存在しない")) == []
    assert len(selectors.search_organizations("株式会社", limit=1)) == 1


@pytest.fixture
def ten_messages(group_x, member_a):
    return [
        services.post_message(group=group_x, by=member_a, body=f"発言 {n}")
        for n in range(1, 11)
    ]


def seqs(messages):
    return [m.seq for m in messages]


def test_list_messages_latest_page(group_x, ten_messages):
    assert seqs(selectors.list_messages(group_x.pk)) == list(range(1, 11))
    assert seqs(selectors.list_messages(group_x.pk, limit=3)) == [8, 9, 10]


def test_list_messages_before_is_the_older_history_oldest_first(group_x, ten_messages):
    assert seqs(selectors.list_messages(group_x.pk, before=8, limit=3)) == [5, 6, 7]
    assert seqs(selectors.list_messages(group_x.pk, before=3, limit=5)) == [1, 2]
    assert selectors.list_messages(group_x.pk, before=1) == []


def test_list_messages_after_catches_up_oldest_first(group_x, ten_messages):
    assert seqs(selectors.list_messages(group_x.pk, after=4, limit=3)) == [5, 6, 7]
    assert seqs(selectors.list_messages(group_x.pk, after=0)) == list(range(1, 11))
    assert selectors.list_messages(group_x.pk, after=10) == []
    # A nonsensical limit gives nothing rather than an error.
    assert selectors.list_messages(group_x.pk, after=0, limit=-5) == []


def test_list_messages_stay_in_their_group(group_x, ten_messages, coordinator):
    other = services.form_working_group(
        need=group_x.need, by=coordinator, title="別の WG"
    )
    services.post_message(group=other, by=coordinator, body="別")
    assert [m.body for m in selectors.list_messages(other.pk)] == ["別"]
    assert len(selectors.list_messages(group_x.pk)) == 10


def test_list_present_users_needs_a_fresh_heartbeat(group_x, member_a):
    services.open_connection(group_id=group_x.pk, user_id=member_a.pk, channel_name="c")
    assert selectors.list_present_users(group_x.pk) == [member_a]
    Connection.objects.update(
        last_seen=timezone.now() - selectors.PRESENCE_FRESHNESS * 2
    )
    assert selectors.list_present_users(group_x.pk) == []
