"""Working-group services: who may do what, what is stored, what is announced."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation

from hack.needs.choices import Stage
from hack.needs.models import NeedPage
from hack.needs.services import change_need_stage
from hack.notifications.models import EmailDelivery, Notification
from hack.workspaces import selectors, services
from hack.workspaces.models import (
    NOTES_MAX_LENGTH,
    Activity,
    ActivityVerb,
    Connection,
    GroupMember,
    GroupStage,
    GroupStatus,
    JoinRequest,
    JoinRequestStatus,
    MemberRole,
    Message,
    Notes,
    NotesVersion,
    WorkingGroup,
    WorkspaceFile,
)
from tests import factories
from tests.calls.factories import pdf_upload

pytestmark = pytest.mark.django_db

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def events(sent, event_type: str) -> list[dict]:
    return [
        message["event"]
        for _name, message in sent
        if message.get("type") == "workspace.event"
        and message["event"]["type"] == event_type
    ]


def verbs(group) -> list[str]:
    return list(
        Activity.objects.filter(group=group)
        .order_by("id")
        .values_list("verb", flat=True)
    )


def member_row(group, user) -> GroupMember:
    return GroupMember.objects.get(group=group, user=user, removed_at__isnull=True)


def later(**delta):
    return timezone.now() + timedelta(**delta)


# Forming a group -----------------------------------------------------------------


def test_only_a_coordinator_forms_a_group(need_x, staff_x, member_a):
    for person in (staff_x, member_a):
        with pytest.raises(PermissionDenied):
            services.form_working_group(need=need_x, by=person, title="WG")
    assert not WorkingGroup.objects.exists()


def test_forming_a_group_sets_up_its_workspace(need_x, coordinator, sent):
    group = services.form_working_group(
        need=need_x, by=coordinator, title="  窓口 WG  ", purpose="待ち時間"
    )
    assert group.title == "窓口 WG"
    assert group.stage == GroupStage.EMPATHISE
    assert group.status == GroupStatus.ACTIVE
    assert Notes.objects.get(group=group).version == 0
    (member,) = GroupMember.objects.filter(group=group)
    assert (member.user, member.role) == (coordinator, MemberRole.FACILITATOR)
    assert verbs(group) == [ActivityVerb.FORMED]
    assert NeedPage.objects.get(pk=need_x.pk).stage == Stage.WORKING_GROUP


def test_a_need_past_the_working_group_stage_stays_where_it_is(need_x, coordinator):
    change_need_stage(need=need_x, to=Stage.PILOT, by=coordinator)
    # The caller's copy of the need is stale: the service reads the stage anew.
    services.form_working_group(need=need_x, by=coordinator, title="二つ目の WG")
    assert NeedPage.objects.get(pk=need_x.pk).stage == Stage.PILOT


def test_a_group_needs_a_published_open_need_and_a_name(
    dept_x, staff_x, coordinator, need_x
):
    draft = factories.make_need(dept_x, staff_x)
    with pytest.raises(ValidationError):
        services.form_working_group(need=draft, by=coordinator, title="WG")
    with pytest.raises(ValidationError) as error:
        services.form_working_group(need=need_x, by=coordinator, title="   ")
    assert "title" in error.value.message_dict
    stale = NeedPage.objects.get(pk=need_x.pk)
    change_need_stage(need=need_x, to=Stage.CLOSED, by=coordinator)
    with pytest.raises(ValidationError):
        services.form_working_group(need=stale, by=coordinator, title="WG")
    assert not WorkingGroup.objects.exists()


# Members ----------------------------------------------------------------------------


def test_staff_join_with_their_role(group_x, coordinator, staff_x, staff_y):
    assert member_row(group_x, staff_x).role == MemberRole.DEPARTMENT
    second = factories.make_coordinator()
    member = services.add_staff_member(
        group=group_x, user=second, by=coordinator, facilitator=True
    )
    assert member.role == MemberRole.FACILITATOR
    with pytest.raises(ValidationError):  # not a coordinator
        services.add_staff_member(
            group=group_x, user=staff_y, by=coordinator, facilitator=True
        )
    with pytest.raises(ValidationError):  # not department staff
        services.add_staff_member(
            group=group_x, user=factories.make_user(), by=coordinator
        )
    with pytest.raises(ValidationError):  # already in
        services.add_staff_member(group=group_x, user=staff_x, by=coordinator)
    staff_y.is_active = False
    staff_y.save()
    with pytest.raises(ValidationError):  # account switched off
        services.add_staff_member(group=group_x, user=staff_y, by=coordinator)
    assert GroupMember.objects.filter(group=group_x, user=staff_x).count() == 1


def test_only_managers_add_members(group_x, staff_x, member_a, staff_y, org_b):
    for person in (staff_x, member_a):
        with pytest.raises(PermissionDenied):
            services.add_staff_member(group=group_x, user=staff_y, by=person)
        with pytest.raises(PermissionDenied):
            services.add_organization(group=group_x, organization=org_b, by=person)
    assert not selectors.is_active_member(staff_y.pk, group_x.pk)


def test_a_facilitator_who_is_not_a_coordinator_manages_the_group(
    group_x, coordinator, staff_y
):
    facilitator = factories.make_coordinator()
    services.add_staff_member(
        group=group_x, user=facilitator, by=coordinator, facilitator=True
    )
    facilitator.groups.clear()  # no longer a coordinator, still the facilitator
    services.add_staff_member(group=group_x, user=staff_y, by=facilitator)
    assert selectors.is_active_member(staff_y.pk, group_x.pk)


def test_adding_an_organisation_adds_and_notifies_its_members(
    need_x, coordinator, org_b, member_b, django_capture_on_commit_callbacks, sent
):
    group = services.form_working_group(need=need_x, by=coordinator, title="WG")
    colleague = factories.make_member(org_b)
    gone = factories.make_member(org_b)
    gone.is_active = False
    gone.save()
    with django_capture_on_commit_callbacks(execute=True):
        added = services.add_organization(
            group=group, organization=org_b, by=coordinator
        )
    assert {m.user for m in added} == {member_b, colleague}
    assert all(
        (m.role, m.organization) == (MemberRole.ORGANIZATION, org_b) for m in added
    )
    assert not selectors.is_active_member(gone.pk, group.pk)
    notified = Notification.objects.filter(kind="workspace.member_added")
    assert {n.recipient for n in notified} == {member_b, colleague}
    assert notified.first().params["group"] == "WG"
    assert notified.first().url == f"/workspaces/{group.pk}/"
    assert verbs(group).count(ActivityVerb.MEMBER_ADDED) == 2
    assert events(sent, "presence.changed")[-1]["members"] == 3
    # Nobody new to add: refused, nothing recorded twice.
    with pytest.raises(ValidationError):
        services.add_organization(group=group, organization=org_b, by=coordinator)
    assert GroupMember.objects.filter(group=group).count() == 3


def test_adding_an_organisation_answers_its_pending_request(
    group_x, coordinator, member_b, org_b
):
    request = services.request_to_join(group=group_x, by=member_b, message="ぜひ")
    services.add_organization(group=group_x, organization=org_b, by=coordinator)
    request.refresh_from_db()
    assert request.status == JoinRequestStatus.ACCEPTED
    assert request.decided_by == coordinator
    assert request.decided_at is not None


def test_an_organisation_without_active_members_cannot_be_added(group_x, coordinator):
    empty = factories.make_organization()
    owner = empty.memberships.get().user
    owner.is_active = False
    owner.save()
    with pytest.raises(ValidationError):
        services.add_organization(group=group_x, organization=empty, by=coordinator)


def test_removal_takes_effect_at_once_and_closes_the_sockets(
    group_x, coordinator, member_a, django_capture_on_commit_callbacks, sent
):
    services.open_connection(
        group_id=group_x.pk, user_id=member_a.pk, channel_name="c.a"
    )
    member = member_row(group_x, member_a)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_member(member=member, by=coordinator)
        # Nothing is said before the removal is committed.
        assert sent == []
    member.refresh_from_db()
    assert member.removed_at is not None
    assert not selectors.is_active_member(member_a.pk, group_x.pk)
    assert (
        f"user.{member_a.pk}",
        {"type": "membership_revoked", "group_id": group_x.pk},
    ) in sent
    assert not Connection.objects.filter(user=member_a).exists()
    assert events(sent, "presence.changed")[-1]["present"] == []
    assert ActivityVerb.MEMBER_REMOVED in verbs(group_x)
    with pytest.raises(ValidationError):  # removed already
        services.remove_member(member=member, by=coordinator)
    with pytest.raises(PermissionDenied):
        services.post_message(group=group_x, by=member_a, body="まだいますか")


def test_a_removed_person_can_be_added_again(group_x, coordinator, member_a, org_a):
    services.remove_member(member=member_row(group_x, member_a), by=coordinator)
    services.add_organization(group=group_x, organization=org_a, by=coordinator)
    assert selectors.is_active_member(member_a.pk, group_x.pk)
    assert GroupMember.objects.filter(group=group_x, user=member_a).count() == 2


def test_only_managers_remove_members(group_x, staff_x, member_a):
    with pytest.raises(PermissionDenied):
        services.remove_member(member=member_row(group_x, member_a), by=staff_x)
    assert selectors.is_active_member(member_a.pk, group_x.pk)


def test_the_last_facilitator_cannot_go(group_x, coordinator):
    own = member_row(group_x, coordinator)
    with pytest.raises(ValidationError):
        services.remove_member(member=own, by=coordinator)
    with pytest.raises(ValidationError):
        services.leave_group(group=group_x, by=coordinator)
    second = factories.make_coordinator()
    services.add_staff_member(
        group=group_x, user=second, by=coordinator, facilitator=True
    )
    services.leave_group(group=group_x, by=coordinator)
    assert not selectors.is_active_member(coordinator.pk, group_x.pk)
    with pytest.raises(ValidationError):
        services.remove_member(member=member_row(group_x, second), by=second)


def test_a_member_leaves(
    group_x, member_a, member_b, django_capture_on_commit_callbacks, sent
):
    with django_capture_on_commit_callbacks(execute=True):
        services.leave_group(group=group_x, by=member_a)
    assert not selectors.is_active_member(member_a.pk, group_x.pk)
    assert verbs(group_x)[-1] == ActivityVerb.MEMBER_LEFT
    assert ("user." + str(member_a.pk)) in [name for name, _m in sent]
    for person in (member_a, member_b):
        with pytest.raises(PermissionDenied):
            services.leave_group(group=group_x, by=person)


# Requests to join ---------------------------------------------------------------------


def test_only_members_of_an_organisation_ask_to_join(group_x, staff_y, coordinator):
    for person in (staff_y, coordinator):
        with pytest.raises(PermissionDenied):
            services.request_to_join(group=group_x, by=person)
    assert not JoinRequest.objects.exists()


def test_a_request_reaches_the_facilitators(
    group_x, coordinator, member_b, org_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_to_join(
            group=group_x, by=member_b, message=" 参加希望 "
        )
    assert (request.organization, request.message) == (org_b, "参加希望")
    assert request.status == JoinRequestStatus.PENDING
    (notification,) = Notification.objects.filter(kind="workspace.join_requested")
    assert notification.recipient == coordinator
    assert notification.params["organization"] == org_b.name
    assert verbs(group_x)[-1] == ActivityVerb.JOIN_REQUESTED


def test_one_pending_request_per_organisation(group_x, member_b, org_b, member_a):
    services.request_to_join(group=group_x, by=member_b)
    with pytest.raises(ValidationError):
        services.request_to_join(group=group_x, by=factories.make_member(org_b))
    with pytest.raises(ValidationError):  # already a member
        services.request_to_join(group=group_x, by=member_a)
    assert JoinRequest.objects.count() == 1


def test_requests_only_to_open_groups_on_published_needs(
    group_x, coordinator, member_b
):
    WorkingGroup.objects.filter(pk=group_x.pk).update(accepts_requests=False)
    with pytest.raises(ValidationError):
        services.request_to_join(group=group_x, by=member_b)
    WorkingGroup.objects.filter(pk=group_x.pk).update(accepts_requests=True)
    NeedPage.objects.filter(pk=group_x.need_id).update(live=False)
    with pytest.raises(ValidationError):
        services.request_to_join(group=group_x, by=member_b)
    NeedPage.objects.filter(pk=group_x.need_id).update(live=True)
    services.close_group(group=group_x, by=coordinator)
    with pytest.raises(ValidationError):
        services.request_to_join(group=group_x, by=member_b)
    assert not JoinRequest.objects.exists()


def test_accepting_a_request_adds_every_active_member(
    group_x, coordinator, member_b, org_b, django_capture_on_commit_callbacks
):
    colleague = factories.make_member(org_b)
    request = services.request_to_join(group=group_x, by=member_b)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.decide_join_request(
            request=request, by=coordinator, accept=True
        )
    assert request.status == JoinRequestStatus.ACCEPTED
    assert request.decided_by == coordinator
    for person in (member_b, colleague):
        assert member_row(group_x, person).organization == org_b
    assert set(
        Notification.objects.filter(kind="workspace.member_added").values_list(
            "recipient", flat=True
        )
    ) >= {member_b.pk, colleague.pk}
    assert verbs(group_x)[-1] == ActivityVerb.JOIN_ACCEPTED
    with pytest.raises(ValidationError):  # decided already
        services.decide_join_request(request=request, by=coordinator, accept=False)


def test_declining_tells_the_organisation_why(
    group_x, coordinator, member_b, django_capture_on_commit_callbacks, mailoutbox
):
    request = services.request_to_join(group=group_x, by=member_b)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = services.decide_join_request(
            request=request, by=coordinator, accept=False, reason=" 定員に達しました "
        )
    assert request.status == JoinRequestStatus.DECLINED
    assert request.reason == "定員に達しました"
    assert not selectors.is_active_member(member_b.pk, group_x.pk)
    (notification,) = Notification.objects.filter(kind="workspace.join_declined")
    assert notification.recipient == member_b
    assert notification.params["reason"] == "定員に達しました"
    (email,) = [m for m in mailoutbox if member_b.email in m.to]
    assert "定員に達しました" in email.body
    assert group_x.title in email.subject
    with pytest.raises(ValidationError):
        services.decide_join_request(request=request, by=coordinator, accept=True)
    assert not selectors.is_active_member(member_b.pk, group_x.pk)


def test_only_managers_decide(group_x, staff_x, member_a, member_b):
    request = services.request_to_join(group=group_x, by=member_b)
    for person in (staff_x, member_a, member_b):
        with pytest.raises(PermissionDenied):
            services.decide_join_request(request=request, by=person, accept=True)
    request.refresh_from_db()
    assert request.status == JoinRequestStatus.PENDING


def test_a_closed_group_accepts_no_request_but_may_decline(
    group_x, coordinator, member_b
):
    request = services.request_to_join(group=group_x, by=member_b)
    services.close_group(group=group_x, by=coordinator)
    with pytest.raises(ValidationError):
        services.decide_join_request(request=request, by=coordinator, accept=True)
    services.decide_join_request(request=request, by=coordinator, accept=False)
    assert not selectors.is_active_member(member_b.pk, group_x.pk)


# Stages and closing ------------------------------------------------------------------


def test_managers_move_the_group_through_the_stages(
    group_x, coordinator, staff_x, django_capture_on_commit_callbacks, sent
):
    with pytest.raises(PermissionDenied):
        services.change_group_stage(group=group_x, to=GroupStage.DEFINE, by=staff_x)
    for wrong in ("launch", "", None):
        with pytest.raises(ValidationError):
            services.change_group_stage(group=group_x, to=wrong, by=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        group = services.change_group_stage(
            group=group_x, to=GroupStage.PROTOTYPE, by=coordinator
        )
    assert WorkingGroup.objects.get(pk=group_x.pk).stage == GroupStage.PROTOTYPE
    assert events(sent, "group.changed") == [
        {"type": "group.changed", "stage": "prototype", "status": "active"}
    ]
    activity = Activity.objects.filter(group=group).first()
    assert activity.verb == ActivityVerb.STAGE_CHANGED
    assert activity.params == {
        "from_stage": "empathise",
        "to_stage": "prototype",
    }
    # Design thinking loops back.
    services.change_group_stage(group=group, to=GroupStage.DEFINE, by=coordinator)
    assert WorkingGroup.objects.get(pk=group_x.pk).stage == GroupStage.DEFINE


def test_a_closed_group_takes_nothing_more(group_x, coordinator, member_a, staff_x):
    meeting = services.schedule_meeting(
        group=group_x,
        by=member_a,
        title="定例",
        starts_at=later(days=1),
        place="区役所",
    )
    with pytest.raises(PermissionDenied):
        services.close_group(group=group_x, by=staff_x)
    group = services.close_group(group=group_x, by=coordinator, reason="目的を達成")
    assert (group.status, group.closed_at is not None) == (GroupStatus.CLOSED, True)
    assert verbs(group)[-1] == ActivityVerb.CLOSED
    attempts = [
        lambda: services.post_message(group=group, by=member_a, body="こんにちは"),
        lambda: services.save_notes(
            group=group, by=member_a, body="メモ", base_version=0, format="plain"
        ),
        lambda: services.schedule_meeting(
            group=group,
            by=member_a,
            title="次回",
            starts_at=later(days=2),
            place="区役所",
        ),
        lambda: services.record_minutes(meeting=meeting, by=member_a, minutes="議事録"),
        lambda: services.add_file(group=group, by=member_a, upload=pdf_upload()),
        lambda: services.change_group_stage(
            group=group, to=GroupStage.TEST, by=coordinator
        ),
        lambda: services.add_staff_member(
            group=group, user=factories.make_coordinator(), by=coordinator
        ),
        lambda: services.close_group(group=group, by=coordinator),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()
    assert not Message.objects.exists()
    assert not NotesVersion.objects.exists()
    assert not WorkspaceFile.objects.exists()


# Chat ---------------------------------------------------------------------------------


def test_only_members_post(group_x, coordinator, member_a, member_b):
    outsider_coordinator = factories.make_coordinator()
    for person in (member_b, outsider_coordinator):
        with pytest.raises(PermissionDenied):
            services.post_message(group=group_x, by=person, body="入れてください")
    services.leave_group(group=group_x, by=member_a)
    with pytest.raises(PermissionDenied):
        services.post_message(group=group_x, by=member_a, body="まだいます")
    assert not Message.objects.exists()


def test_an_inactive_account_cannot_post(group_x, member_a):
    member_a.is_active = False
    member_a.save()
    with pytest.raises(PermissionDenied):
        services.post_message(group=group_x, by=member_a, body="こんにちは")


@pytest.mark.parametrize("body", ["", "   \n\t ", None, "\x00"])
def test_an_empty_message_is_refused(group_x, member_a, body):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.post_message(group=group_x, by=member_a, body=body)
    assert error.value.message_dict["body"] == ["Write a message first."]
    assert WorkingGroup.objects.get(pk=group_x.pk).last_message_seq == 0


def test_a_message_too_long_is_refused_with_its_length(group_x, member_a):
    services.post_message(group=group_x, by=member_a, body="あ" * 4000)
    with pytest.raises(ValidationError) as error:
        services.post_message(group=group_x, by=member_a, body="あ" * 4001)
    (text,) = error.value.message_dict["body"]
    assert "4000" in text
    assert "4001" in text
    assert Message.objects.count() == 1


def test_nul_characters_are_dropped(group_x, member_a):
    message = services.post_message(
        group=group_x, by=member_a, body="こん\x00にちは", client_id="a\x00b"
    )
    message.refresh_from_db()
    assert (message.body, message.client_id) == ("こんにちは", "ab")


def test_seq_is_gap_free_per_group(group_x, need_x, coordinator, member_a, staff_x):
    other = services.form_working_group(need=need_x, by=coordinator, title="別の WG")
    posted = []
    for index, person in enumerate([member_a, staff_x, coordinator, member_a] * 2):
        posted.append(
            services.post_message(group=group_x, by=person, body=f"発言 {index}")
        )
        if index == 3:
            with pytest.raises(ValidationError):
                services.post_message(group=group_x, by=person, body=" ")
            services.post_message(group=other, by=coordinator, body="別")
    assert [m.seq for m in posted] == list(range(1, 9))
    assert list(
        Message.objects.filter(group=group_x).values_list("seq", flat=True)
    ) == list(range(1, 9))
    assert WorkingGroup.objects.get(pk=group_x.pk).last_message_seq == 8
    assert list(Message.objects.filter(group=other).values_list("seq", flat=True)) == [
        1
    ]


def test_a_retried_post_is_stored_and_announced_once(
    group_x, member_a, staff_x, django_capture_on_commit_callbacks, sent
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.post_message(
            group=group_x, by=member_a, body="一度だけ", client_id="c-1"
        )
        again = services.post_message(
            group=group_x, by=member_a, body="一度だけ", client_id="c-1"
        )
        # Another person may use the same id for their own message.
        theirs = services.post_message(
            group=group_x, by=staff_x, body="別人", client_id="c-1"
        )
    assert again.pk == first.pk
    assert (first.seq, theirs.seq) == (1, 2)
    assert Message.objects.count() == 2
    assert [e["seq"] for e in events(sent, "message.created")] == [1, 2]


def test_a_retry_meets_the_unique_constraint_and_leaves_no_gap(group_x, member_a):
    """A retry is caught by the database (no read before the insert): the
    attempt and its seq are rolled back, the stored message is returned, and
    the next message takes the next seq."""
    first = services.post_message(group=group_x, by=member_a, body="a", client_id="x")
    again = services.post_message(group=group_x, by=member_a, body="a", client_id="x")
    assert again.pk == first.pk
    assert WorkingGroup.objects.get(pk=group_x.pk).last_message_seq == 1
    after = services.post_message(group=group_x, by=member_a, body="b", client_id="y")
    assert after.seq == 2
    assert list(
        Message.objects.filter(group=group_x).values_list("seq", flat=True)
    ) == [
        1,
        2,
    ]


def test_the_broadcast_carries_the_stored_message(
    group_x, member_a, django_capture_on_commit_callbacks, sent
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.post_message(
            group=group_x, by=member_a, body="  よろしくお願いします  ", client_id="k"
        )
    (name, envelope), *_rest = [(n, m) for n, m in sent if n.startswith("workspace.")]
    assert name == f"workspace.{group_x.pk}"
    assert envelope["type"] == "workspace.event"
    assert envelope["event"] == {
        "type": "message.created",
        "seq": 1,
        "id": message.pk,
        "author_id": member_a.pk,
        "author": member_a.public_name,
        "body": "よろしくお願いします",
        "created_at": message.created_at.isoformat(),
        "client_id": "k",
    }


def test_nothing_is_announced_when_the_transaction_rolls_back(
    group_x, member_a, django_capture_on_commit_callbacks, sent
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.post_message(group=group_x, by=member_a, body="取り消し")
                raise RuntimeError
        except RuntimeError:
            pass
    assert events(sent, "message.created") == []
    assert not Message.objects.exists()


# Notes --------------------------------------------------------------------------------


def save(group, person, body, base, format="markdown"):
    return services.save_notes(
        group=group, by=person, body=body, base_version=base, format=format
    )


def test_saving_the_notes_records_versions(
    group_x, member_a, staff_x, django_capture_on_commit_callbacks, sent
):
    with django_capture_on_commit_callbacks(execute=True):
        notes, merged = save(group_x, member_a, "# 議題\r\n- 予算\r\n", 0)
    assert (notes.version, notes.body, merged) == (1, "# 議題\n- 予算\n", False)
    notes, merged = save(group_x, staff_x, "# 議題\n- 予算\n- 日程\n", 1)
    assert (notes.version, merged) == (2, False)
    stored = Notes.objects.get(group=group_x)
    assert (stored.version, stored.updated_by) == (2, staff_x)
    assert [
        (v.version, v.author, v.merged)
        for v in NotesVersion.objects.order_by("version")
    ] == [(1, member_a, False), (2, staff_x, False)]
    assert NotesVersion.objects.get(version=1).body == "# 議題\n- 予算\n"
    assert events(sent, "notes.saved") == [
        {"type": "notes.saved", "version": 1, "by": member_a.public_name}
    ]
    assert verbs(group_x).count(ActivityVerb.NOTES_SAVED) == 2


def test_an_unchanged_save_makes_no_version(group_x, member_a):
    save(group_x, member_a, "メモ\n", 0)
    notes, _merged = save(group_x, member_a, "メモ\r\n", 1)
    assert notes.version == 1
    notes, _merged = save(group_x, member_a, "メモ\n", 1, format="plain")
    assert (notes.version, notes.format) == (2, "plain")
    assert NotesVersion.objects.count() == 2


def test_edits_of_different_lines_from_the_same_version_are_merged(
    group_x, member_a, staff_x
):
    save(group_x, member_a, "一\n二\n三\n", 0)
    save(group_x, staff_x, "一（市）\n二\n三\n", 1)
    notes, merged = save(group_x, member_a, "一\n二\n三（企業）\n", 1)
    assert merged is True
    assert notes.version == 3
    assert notes.body == "一（市）\n二\n三（企業）\n"
    latest = NotesVersion.objects.get(version=3)
    assert (latest.merged, latest.author, latest.body) == (True, member_a, notes.body)


def test_two_first_saves_keep_both_texts(group_x, member_a, staff_x):
    save(group_x, staff_x, "市のメモ", 0)
    notes, merged = save(group_x, member_a, "企業のメモ", 0)
    assert merged is True
    assert "市のメモ" in notes.body
    assert "企業のメモ" in notes.body


def test_edits_of_the_same_lines_are_a_conflict_that_saves_nothing(
    group_x, member_a, staff_x
):
    save(group_x, member_a, "一\n二\n三\n", 0)
    save(group_x, staff_x, "一\n二（市）\n三\n", 1)
    with pytest.raises(services.NotesConflict) as error:
        save(group_x, member_a, "一\n二（企業）\n三\n", 1)
    assert error.value.current.version == 2
    assert error.value.current.body == "一\n二（市）\n三\n"
    assert staff_x.public_name in error.value.messages[0]
    stored = Notes.objects.get(group=group_x)
    assert (stored.version, stored.body) == (2, "一\n二（市）\n三\n")
    assert NotesVersion.objects.count() == 2


@pytest.mark.parametrize("base", [7, -1, "abc", None])
def test_an_unknown_base_version_is_refused(group_x, member_a, base):
    save(group_x, member_a, "一\n", 0)
    with pytest.raises(ValidationError):
        save(group_x, member_a, "二\n", base)
    assert Notes.objects.get(group=group_x).version == 1


def test_the_notes_format_and_size_are_checked(group_x, member_a, monkeypatch):
    with pytest.raises(ValidationError) as error:
        save(group_x, member_a, "メモ", 0, format="html")
    assert "format" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        save(group_x, member_a, "あ" * (NOTES_MAX_LENGTH + 1), 0)
    assert "body" in error.value.message_dict
    save(group_x, member_a, "あ" * NOTES_MAX_LENGTH, 0)
    assert Notes.objects.get(group=group_x).version == 1


def test_a_merge_that_would_be_too_long_is_refused(
    group_x, member_a, staff_x, monkeypatch
):
    monkeypatch.setattr(services, "NOTES_MAX_LENGTH", 20)
    save(group_x, member_a, "一\n", 0)
    save(group_x, staff_x, "一\n" + "市" * 15 + "\n", 1)
    with pytest.raises(ValidationError) as error:
        save(group_x, member_a, "企" * 15 + "\n一\n", 1)
    assert "body" in error.value.message_dict
    assert Notes.objects.get(group=group_x).version == 2


def test_only_members_save_the_notes(group_x, member_b):
    with pytest.raises(PermissionDenied):
        save(group_x, member_b, "メモ", 0)


# Meetings -----------------------------------------------------------------------------


def test_a_meeting_in_the_past_is_refused_in_japanese(group_x, member_a):
    with translation.override("ja"), pytest.raises(ValidationError) as error:
        services.schedule_meeting(
            group=group_x,
            by=member_a,
            title="定例会",
            starts_at=timezone.now() - timedelta(hours=1),
            place="港南区役所",
        )
    (text,) = error.value.message_dict["starts_at"]
    assert JAPANESE.search(text), text
    assert not group_x.meetings.exists()


def test_a_meeting_needs_a_title_an_end_after_its_start_and_a_place(group_x, member_a):
    start = later(days=1)
    with pytest.raises(ValidationError) as error:
        services.schedule_meeting(
            group=group_x, by=member_a, title=" ", starts_at=start, ends_at=start
        )
    assert set(error.value.message_dict) == {"title", "ends_at", "place"}
    with pytest.raises(ValidationError) as error:
        services.schedule_meeting(
            group=group_x, by=member_a, title="定例", starts_at=None, place="区役所"
        )
    assert set(error.value.message_dict) == {"starts_at"}
    assert not group_x.meetings.exists()


def test_scheduling_a_meeting_tells_the_others(
    group_x, member_a, staff_x, coordinator, django_capture_on_commit_callbacks, sent
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.schedule_meeting(
            group=group_x,
            by=member_a,
            title="  第1回 定例  ",
            starts_at=later(days=3),
            ends_at=later(days=3, hours=1),
            online_url="https://meet.example.jp/abc",
            agenda="自己紹介",
        )
    assert (meeting.title, meeting.place) == ("第1回 定例", "")
    notified = Notification.objects.filter(kind="workspace.meeting_scheduled")
    assert {n.recipient for n in notified} == {staff_x, coordinator}
    assert notified.first().params["meeting"] == "第1回 定例"
    assert events(sent, "meeting.changed") == [
        {"type": "meeting.changed", "id": meeting.pk}
    ]
    assert ActivityVerb.MEETING_SCHEDULED in verbs(group_x)


def test_the_meeting_notification_shows_the_date_in_each_reader_s_language(
    group_x, member_a, staff_x, coordinator, django_capture_on_commit_callbacks
):
    """The stored params keep the ISO time; each recipient's email (and the
    notification's title on the site) formats it in their own language."""
    staff_x.language, coordinator.language = "en", "ja"
    staff_x.save(update_fields=["language"])
    coordinator.save(update_fields=["language"])
    starts_at = datetime(2031, 4, 7, 14, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    with translation.override("ja"), django_capture_on_commit_callbacks(execute=True):
        services.schedule_meeting(
            group=group_x,
            by=member_a,
            title="定例",
            starts_at=starts_at,
            place="区役所",
        )
    notified = Notification.objects.filter(kind="workspace.meeting_scheduled")
    assert notified.first().params["starts_at"] == starts_at.isoformat()
    bodies = {
        d.to_address: d.body
        for d in EmailDelivery.objects.filter(kind="workspace.meeting_scheduled")
    }
    assert "April 7, 2031" in bodies[staff_x.email]
    assert "2031年4月7日" in bodies[coordinator.email]
    with translation.override("en"):
        title = notified.get(recipient=staff_x).title
    assert "April 7, 2031" in title and "年" not in title


def test_a_time_without_a_zone_is_read_as_local_time(group_x, member_a):
    naive = datetime.now() + timedelta(days=1)  # noqa: DTZ005 - on purpose
    meeting = services.schedule_meeting(
        group=group_x, by=member_a, title="定例", starts_at=naive, place="区役所"
    )
    assert timezone.localtime(meeting.starts_at).replace(tzinfo=None) == naive


def test_minutes_are_recorded_by_members(group_x, member_a, staff_x, member_b):
    meeting = services.schedule_meeting(
        group=group_x,
        by=member_a,
        title="定例",
        starts_at=later(days=1),
        place="区役所",
    )
    with pytest.raises(PermissionDenied):
        services.record_minutes(meeting=meeting, by=member_b, minutes="部外者")
    meeting = services.record_minutes(meeting=meeting, by=staff_x, minutes=" 決定事項 ")
    meeting.refresh_from_db()
    assert meeting.minutes == "決定事項"
    assert verbs(group_x)[-1] == ActivityVerb.MINUTES_RECORDED


def test_only_members_schedule(group_x, member_b):
    with pytest.raises(PermissionDenied):
        services.schedule_meeting(
            group=group_x, by=member_b, title="定例", starts_at=later(days=1), place="x"
        )


# Files --------------------------------------------------------------------------------


def test_a_document_is_added(
    group_x, member_a, django_capture_on_commit_callbacks, sent
):
    with django_capture_on_commit_callbacks(execute=True):
        stored = services.add_file(group=group_x, by=member_a, upload=pdf_upload())
    assert (stored.original_name, stored.content_type) == (
        "提案資料.pdf",
        "application/pdf",
    )
    assert stored.size == len(pdf_upload().read())
    assert stored.file.storage.exists(stored.file.name)
    assert events(sent, "file.changed") == [{"type": "file.changed", "id": stored.pk}]


def test_a_file_of_the_wrong_type_or_too_large_is_refused(group_x, member_a, settings):
    fake = SimpleUploadedFile(
        "請求書.pdf", b"just text", content_type="application/pdf"
    )
    with pytest.raises(ValidationError) as error:
        services.add_file(group=group_x, by=member_a, upload=fake)
    assert "file" in error.value.message_dict
    settings.MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationError) as error:
        services.add_file(group=group_x, by=member_a, upload=pdf_upload(size=101))
    assert "file" in error.value.message_dict
    assert not WorkspaceFile.objects.exists()


def test_a_workspace_holds_a_limited_number_of_files(group_x, member_a, monkeypatch):
    monkeypatch.setattr(services, "MAX_FILES_PER_GROUP", 2)
    services.add_file(group=group_x, by=member_a, upload=pdf_upload("1.pdf"))
    services.add_file(group=group_x, by=member_a, upload=pdf_upload("2.pdf"))
    with pytest.raises(ValidationError) as error:
        services.add_file(group=group_x, by=member_a, upload=pdf_upload("3.pdf"))
    assert "2" in error.value.message_dict["file"][0]
    assert WorkspaceFile.objects.count() == 2


def test_only_members_add_files(group_x, member_b):
    with pytest.raises(PermissionDenied):
        services.add_file(group=group_x, by=member_b, upload=pdf_upload())


def test_the_uploader_or_a_manager_removes_a_file(
    group_x, member_a, staff_x, coordinator, django_capture_on_commit_callbacks
):
    first = services.add_file(group=group_x, by=member_a, upload=pdf_upload("1.pdf"))
    second = services.add_file(group=group_x, by=member_a, upload=pdf_upload("2.pdf"))
    with pytest.raises(PermissionDenied):
        services.remove_file(file=first, by=staff_x)
    storage, name = first.file.storage, first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_file(file=first, by=member_a)
        assert storage.exists(name)  # kept until the removal commits
    assert not storage.exists(name)
    with pytest.raises(ValidationError):  # gone already
        services.remove_file(file=first, by=member_a)
    services.remove_file(file=second, by=coordinator)
    assert not WorkspaceFile.objects.exists()
    assert verbs(group_x).count(ActivityVerb.FILE_REMOVED) == 2


# Presence -----------------------------------------------------------------------------


def test_connections_make_presence(
    group_x, member_a, staff_x, django_capture_on_commit_callbacks, sent
):
    with django_capture_on_commit_callbacks(execute=True):
        services.open_connection(
            group_id=group_x.pk, user_id=member_a.pk, channel_name="c.1"
        )
        services.open_connection(
            group_id=group_x.pk, user_id=member_a.pk, channel_name="c.2"
        )
        services.open_connection(
            group_id=group_x.pk, user_id=staff_x.pk, channel_name="c.3"
        )
    assert selectors.list_present_users(group_x.pk) == sorted(
        [member_a, staff_x], key=lambda u: u.pk
    )
    last = events(sent, "presence.changed")[-1]
    assert (last["count"], last["members"]) == (2, 3)
    assert {p["id"] for p in last["present"]} == {member_a.pk, staff_x.pk}
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.close_connection(channel_name="c.3")
        services.close_connection(channel_name="c.1")
        services.close_connection(channel_name="unknown")
    assert selectors.list_present_users(group_x.pk) == [member_a]
    assert len(events(sent, "presence.changed")) == 2
    assert events(sent, "presence.changed")[-1]["count"] == 1


def test_presence_counts_only_fresh_connections(group_x, member_a):
    services.open_connection(group_id=group_x.pk, user_id=member_a.pk, channel_name="c")
    Connection.objects.update(
        last_seen=timezone.now() - selectors.PRESENCE_FRESHNESS - timedelta(seconds=1)
    )
    assert selectors.list_present_users(group_x.pk) == []
    services.touch_connection(channel_name="c")
    assert selectors.list_present_users(group_x.pk) == [member_a]


def test_stale_connections_are_forgotten(group_x, member_a, staff_x):
    services.open_connection(group_id=group_x.pk, user_id=member_a.pk, channel_name="a")
    services.open_connection(group_id=group_x.pk, user_id=staff_x.pk, channel_name="b")
    Connection.objects.filter(channel_name="a").update(
        last_seen=timezone.now() - timedelta(minutes=6)
    )
    assert services.forget_stale_connections() == 1
    assert list(Connection.objects.values_list("channel_name", flat=True)) == ["b"]


def test_a_removed_member_with_an_open_socket_is_not_present(group_x, member_a):
    services.open_connection(group_id=group_x.pk, user_id=member_a.pk, channel_name="c")
    GroupMember.objects.filter(user=member_a).update(removed_at=timezone.now())
    assert selectors.list_present_users(group_x.pk) == []
