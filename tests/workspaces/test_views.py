"""The member-facing workspace pages: who may see and do what (exact status
codes per role), and that every form keeps what was typed when it is refused."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from hack.workspaces import services
from hack.workspaces.models import (
    GroupMember,
    JoinRequest,
    Meeting,
    Message,
    Notes,
    WorkspaceFile,
)
from tests import factories
from tests.calls.factories import pdf_upload

ROLES = [
    "anonymous",
    "other_coordinator",
    "facilitator",
    "department_member",
    "other_department",
    "organisation_member",
    "other_organisation",
]
MEMBERS = {"facilitator", "department_member", "organisation_member"}


@pytest.fixture(autouse=True)
def _english():
    """Pages in English (URLs reversed under /en/), so assertions read msgids."""
    with translation.override("en"):
        yield


@pytest.fixture
def people(coordinator, staff_x, staff_y, member_a, member_b, site):
    return {
        "anonymous": None,
        "other_coordinator": factories.make_coordinator("coordinator2@example.jp"),
        "facilitator": coordinator,
        "department_member": staff_x,
        "other_department": staff_y,
        "organisation_member": member_a,
        "other_organisation": member_b,
    }


def client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


def url(name, group, *args):
    return reverse(f"workspaces:{name}", args=[group.pk, *args])


def city_time(moment) -> str:
    """A datetime as a datetime-local input sends it (Japan time)."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%dT%H:%M")


def meeting_data(**overrides) -> dict:
    data = {
        "title": "第1回 定例会",
        "starts_at": city_time(timezone.now() + timedelta(days=3)),
        "ends_at": "",
        "place": "港南区役所 3階会議室",
        "online_url": "",
        "agenda": "待ち時間の計測方法を決める",
    }
    data.update(overrides)
    return data


def expected(role, *, member, anonymous=302, outsider=403):
    if role == "anonymous":
        return anonymous
    return member if role in MEMBERS else outsider


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# The role matrix -----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_workspace_page_by_role(client, people, group_x, role):
    response = client_for(client, people[role]).get(url("workspace", group_x))
    assert response.status_code == expected(role, member=200)
    if role == "anonymous":
        assert_login_redirect(response)
    elif role in MEMBERS:
        assert group_x.title in response.content.decode()
        assert 'id="chat-form"' in response.content.decode()
    else:
        assert "chat-form" not in response.content.decode()


def test_outsider_with_an_organisation_is_offered_to_ask_to_join(
    client, group_x, member_b
):
    client.force_login(member_b)
    response = client.get(url("workspace", group_x))
    assert response.status_code == 403
    assert url("join-request", group_x) in response.content.decode()


def test_outsider_without_an_organisation_is_not_offered_to_join(
    client, group_x, staff_y
):
    client.force_login(staff_y)
    response = client.get(url("workspace", group_x))
    assert response.status_code == 403
    assert url("join-request", group_x) not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_post_message_by_role(client, people, group_x, role):
    response = client_for(client, people[role]).post(
        url("message-post", group_x), {"body": f"{role} より"}
    )
    assert response.status_code == expected(role, member=302)
    stored = Message.objects.filter(group=group_x, body=f"{role} より").exists()
    assert stored is (role in MEMBERS)
    if role in MEMBERS:
        assert response["Location"] == url("workspace", group_x) + "#chat"


@pytest.mark.parametrize("role", ROLES)
def test_save_notes_by_role(client, people, group_x, role):
    response = client_for(client, people[role]).post(
        url("notes-save", group_x),
        {"body": "議事メモ", "format": "plain", "base_version": "0"},
    )
    assert response.status_code == expected(role, member=302)
    assert (Notes.objects.get(group=group_x).version == 1) is (role in MEMBERS)


@pytest.mark.parametrize("role", ROLES)
def test_schedule_meeting_by_role(client, people, group_x, role):
    response = client_for(client, people[role]).post(
        url("meeting-create", group_x), meeting_data()
    )
    assert response.status_code == expected(role, member=302)
    assert Meeting.objects.filter(group=group_x).exists() is (role in MEMBERS)


@pytest.mark.parametrize("role", ROLES)
def test_upload_file_by_role(client, people, group_x, role):
    response = client_for(client, people[role]).post(
        url("file-upload", group_x), {"file": pdf_upload()}
    )
    assert response.status_code == expected(role, member=302)
    assert WorkspaceFile.objects.filter(group=group_x).exists() is (role in MEMBERS)


@pytest.fixture
def stored_file(group_x, member_a):
    return services.add_file(group=group_x, by=member_a, upload=pdf_upload())


@pytest.mark.parametrize("role", ROLES)
def test_download_file_by_role(client, people, group_x, stored_file, role):
    response = client_for(client, people[role]).get(
        url("file-download", group_x, stored_file.pk)
    )
    assert response.status_code == expected(role, member=200)
    if role in MEMBERS:
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content).startswith(b"%PDF")


# Members who did not upload the file and do not manage the group may not remove it.
DELETE_EXPECTED = {
    "anonymous": 302,
    "other_coordinator": 403,
    "facilitator": 302,
    "department_member": 403,
    "other_department": 403,
    "organisation_member": 302,
    "other_organisation": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_delete_file_by_role(client, people, group_x, stored_file, role):
    response = client_for(client, people[role]).post(
        url("file-delete", group_x, stored_file.pk)
    )
    assert response.status_code == DELETE_EXPECTED[role]
    removed = not WorkspaceFile.objects.filter(pk=stored_file.pk).exists()
    assert removed is (role in {"facilitator", "organisation_member"})


# The only facilitator cannot leave (400, with the service's message).
LEAVE_EXPECTED = {
    "anonymous": 302,
    "other_coordinator": 403,
    "facilitator": 400,
    "department_member": 302,
    "other_department": 403,
    "organisation_member": 302,
    "other_organisation": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_leave_by_role(client, people, group_x, role):
    user = people[role]
    response = client_for(client, user).post(url("group-leave", group_x))
    assert response.status_code == LEAVE_EXPECTED[role]
    if LEAVE_EXPECTED[role] == 302 and user is not None:
        assert response["Location"] == reverse("workspaces:group-list")
        assert not GroupMember.objects.filter(
            group=group_x, user=user, removed_at__isnull=True
        ).exists()
    if role == "facilitator":
        assert "only facilitator" in response.content.decode()


def test_leave_asks_for_confirmation_first(client, group_x, staff_x):
    client.force_login(staff_x)
    response = client.get(url("group-leave", group_x))
    assert response.status_code == 200
    assert GroupMember.objects.filter(
        group=group_x, user=staff_x, removed_at__isnull=True
    ).exists()


# Only people with an organisation ask to join; a member is told they are one.
JOIN_GET_EXPECTED = {
    "anonymous": 302,
    "other_coordinator": 403,
    "facilitator": 403,
    "department_member": 403,
    "other_department": 403,
    "organisation_member": 200,
    "other_organisation": 200,
}
JOIN_POST_EXPECTED = {**JOIN_GET_EXPECTED, "organisation_member": 400}
JOIN_POST_EXPECTED["other_organisation"] = 302


@pytest.mark.parametrize("role", ROLES)
def test_join_request_by_role(client, people, group_x, role):
    client = client_for(client, people[role])
    assert (
        client.get(url("join-request", group_x)).status_code
        == (JOIN_GET_EXPECTED[role])
    )
    response = client.post(url("join-request", group_x), {"message": "参加希望です"})
    assert response.status_code == JOIN_POST_EXPECTED[role]
    requested = JoinRequest.objects.filter(group=group_x).exists()
    assert requested is (role == "other_organisation")


# Chat without JavaScript -------------------------------------------------------


def test_a_post_without_javascript_appears_in_the_history(client, group_x, member_a):
    client.force_login(member_a)
    response = client.post(
        url("message-post", group_x),
        {"body": "資料を共有します", "client_id": "c-1"},
        follow=True,
    )
    assert response.status_code == 200
    assert "資料を共有します" in response.content.decode()
    # Sent twice with the same client_id (a retry): stored once.
    client.post(
        url("message-post", group_x), {"body": "資料を共有します", "client_id": "c-1"}
    )
    assert Message.objects.filter(group=group_x).count() == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [("   ", "Write a message first."), ("あ" * 4001, "at most 4000 characters")],
)
def test_a_refused_post_keeps_the_text(client, group_x, member_a, body, error):
    client.force_login(member_a)
    response = client.post(url("message-post", group_x), {"body": body})
    assert response.status_code == 400
    content = response.content.decode()
    assert error in content
    assert 'id="error-summary"' in content
    if body.strip():
        assert body in content
    assert not Message.objects.filter(group=group_x).exists()


def test_history_pages_with_before(client, group_x, member_a):
    for number in range(1, 56):
        services.post_message(group=group_x, by=member_a, body=f"メッセージ{number}番")
    client.force_login(member_a)
    latest = client.get(url("workspace", group_x)).content.decode()
    assert "メッセージ55番" in latest
    assert "メッセージ6番" in latest
    assert "メッセージ5番" not in latest
    assert "?before=6#chat" in latest
    older = client.get(url("workspace", group_x) + "?before=6").content.decode()
    assert "メッセージ1番" in older and "メッセージ5番" in older
    assert "メッセージ6番" not in older
    assert 'id="chat-older-link"' not in older
    garbage = client.get(url("workspace", group_x) + "?before=abc")
    assert garbage.status_code == 200


def test_a_removed_member_is_refused_at_once(client, group_x, coordinator, member_a):
    client.force_login(member_a)
    assert client.get(url("workspace", group_x)).status_code == 200
    member = GroupMember.objects.get(group=group_x, user=member_a, removed_at=None)
    services.remove_member(member=member, by=coordinator)
    assert client.get(url("workspace", group_x)).status_code == 403
    response = client.post(url("message-post", group_x), {"body": "まだいますか"})
    assert response.status_code == 403
    assert not Message.objects.filter(group=group_x).exists()


# Notes -----------------------------------------------------------------------------


@pytest.fixture
def notes_v1(group_x, coordinator):
    notes, _merged = services.save_notes(
        group=group_x,
        by=coordinator,
        body="目的: 待ち時間\n担当: 未定\n",
        base_version=0,
        format="plain",
    )
    return notes


def test_notes_conflict_keeps_my_text(client, group_x, staff_x, member_a, notes_v1):
    services.save_notes(
        group=group_x,
        by=staff_x,
        body="目的: 待ち時間を半分に\n担当: 未定\n",
        base_version=1,
        format="plain",
    )
    client.force_login(member_a)
    mine = "目的: 待ち時間を3割減らす\n担当: 未定\n"
    response = client.post(
        url("notes-save", group_x),
        {"body": mine, "format": "plain", "base_version": "1"},
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert mine.splitlines()[0] in content  # my text, in the textarea
    assert 'id="notes-newer"' in content and "待ち時間を半分に" in content
    assert 'name="base_version" value="2"' in content
    assert Notes.objects.get(group=group_x).version == 2


def test_notes_from_an_older_version_are_merged(
    client, group_x, staff_x, member_a, notes_v1
):
    services.save_notes(
        group=group_x,
        by=staff_x,
        body="目的: 待ち時間を半分に\n担当: 未定\n",
        base_version=1,
        format="plain",
    )
    client.force_login(member_a)
    response = client.post(
        url("notes-save", group_x),
        {
            "body": "目的: 待ち時間\n担当: 株式会社エー\n",
            "format": "plain",
            "base_version": "1",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "merged" in response.content.decode()
    notes = Notes.objects.get(group=group_x)
    assert notes.body == "目的: 待ち時間を半分に\n担当: 株式会社エー\n"
    assert notes.versions.get(version=3).merged


@pytest.mark.parametrize(
    "data",
    [
        {"body": "x", "format": "plain", "base_version": "abc"},
        {"body": "x", "format": "html", "base_version": "0"},
        {"body": "x", "format": "plain"},
        {"body": "x" * 100_001, "format": "plain", "base_version": "0"},
        {"body": "x", "format": "plain", "base_version": "99"},
    ],
)
def test_garbage_notes_are_refused_without_a_500(client, group_x, member_a, data):
    client.force_login(member_a)
    response = client.post(url("notes-save", group_x), data)
    assert response.status_code == 400
    assert not Notes.objects.get(group=group_x).version


def test_notes_versions(client, group_x, member_a, member_b, notes_v1):
    client.force_login(member_a)
    listing = client.get(url("notes-versions", group_x))
    assert listing.status_code == 200
    assert "?version=1" in listing.content.decode()
    shown = client.get(url("notes-versions", group_x) + "?version=1")
    assert "担当: 未定" in shown.content.decode()
    for bad in ("99", "abc", "-1"):
        response = client.get(url("notes-versions", group_x) + f"?version={bad}")
        assert response.status_code == 404
    client.force_login(member_b)
    assert client.get(url("notes-versions", group_x)).status_code == 403


def test_markdown_notes_are_shown_safely(client, group_x, member_a):
    services.save_notes(
        group=group_x,
        by=member_a,
        body="# 見出し\n<script>alert(1)</script>\n[x](javascript:alert(2))\n",
        base_version=0,
        format="markdown",
    )
    client.force_login(member_a)
    content = client.get(url("workspace", group_x)).content.decode()
    view = content[content.index('class="notes-view"') :]
    view = view[: view.index("</section>")]
    assert "<script>alert(1)" not in view
    assert 'href="javascript:' not in view
    assert "見出し" in view


# Meetings --------------------------------------------------------------------------


def test_a_meeting_in_the_past_is_refused_and_the_form_kept(client, group_x, staff_x):
    client.force_login(staff_x)
    data = meeting_data(starts_at=city_time(timezone.now() - timedelta(days=1)))
    response = client.post(url("meeting-create", group_x), data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "would start in the past" in content
    assert data["title"] in content
    assert data["place"] in content
    assert data["agenda"] in content
    assert f'value="{data["starts_at"]}"' in content
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"starts_at": "not a date"},
        {"starts_at": ""},
        {"place": "", "online_url": ""},
        {"online_url": "javascript:alert(1)", "place": ""},
        {"title": "t" * 500},
    ],
)
def test_garbage_meetings_are_refused(client, group_x, staff_x, overrides):
    client.force_login(staff_x)
    response = client.post(url("meeting-create", group_x), meeting_data(**overrides))
    assert response.status_code == 400
    assert not Meeting.objects.exists()


def test_a_scheduled_meeting_is_shown_in_japan_time(client, group_x, staff_x):
    client.force_login(staff_x)
    data = meeting_data()
    client.post(url("meeting-create", group_x), data)
    content = client.get(url("workspace", group_x)).content.decode()
    assert data["starts_at"].replace("T", " ") in content
    assert data["place"] in content


@pytest.fixture
def other_group(need_x, coordinator):
    return services.form_working_group(need=need_x, by=coordinator, title="別の WG")


def test_minutes_and_files_of_another_group_are_not_found(
    client, group_x, other_group, coordinator
):
    meeting = services.schedule_meeting(
        group=other_group,
        by=coordinator,
        title="別の会議",
        starts_at=timezone.now() + timedelta(days=1),
        place="市庁舎",
    )
    stored = services.add_file(group=other_group, by=coordinator, upload=pdf_upload())
    client.force_login(coordinator)  # a member of both groups
    minutes = url("meeting-minutes", group_x, meeting.pk)
    assert client.post(minutes, {"minutes": "記録"}).status_code == 404
    assert client.get(url("file-download", group_x, stored.pk)).status_code == 404
    assert client.post(url("file-delete", group_x, stored.pk)).status_code == 404
    assert WorkspaceFile.objects.filter(pk=stored.pk).exists()


def test_minutes_are_recorded(client, group_x, staff_x):
    meeting = services.schedule_meeting(
        group=group_x,
        by=staff_x,
        title="定例会",
        starts_at=timezone.now() + timedelta(days=1),
        place="市庁舎",
    )
    client.force_login(staff_x)
    response = client.post(
        url("meeting-minutes", group_x, meeting.pk), {"minutes": "計測は来月から"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "計測は来月から"
    too_long = client.post(
        url("meeting-minutes", group_x, meeting.pk), {"minutes": "あ" * 50_001}
    )
    assert too_long.status_code == 400
    assert 'id="error-summary"' in too_long.content.decode()


# Files -------------------------------------------------------------------------------


def test_a_file_too_large_is_refused(client, group_x, member_a, settings):
    settings.MAX_UPLOAD_BYTES = 100
    client.force_login(member_a)
    response = client.post(url("file-upload", group_x), {"file": pdf_upload(size=200)})
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not WorkspaceFile.objects.exists()


def test_a_file_of_the_wrong_type_is_refused(client, group_x, member_a):
    client.force_login(member_a)
    upload = SimpleUploadedFile("script.pdf", b"#!/bin/sh\necho hi\n")
    response = client.post(url("file-upload", group_x), {"file": upload})
    assert response.status_code == 400
    assert "cannot be uploaded" in response.content.decode()
    assert not WorkspaceFile.objects.exists()


def test_no_file_chosen(client, group_x, member_a):
    client.force_login(member_a)
    response = client.post(url("file-upload", group_x), {})
    assert response.status_code == 400
    assert "Choose a file" in response.content.decode()


# Methods, unknown ids ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("message-post", "get"),
        ("notes-save", "get"),
        ("meeting-create", "get"),
        ("file-upload", "get"),
        ("group-leave", "put"),
        ("join-request", "delete"),
        ("workspace", "post"),
        ("notes-versions", "post"),
    ],
)
def test_wrong_methods_are_405(client, group_x, member_a, name, method):
    client.force_login(member_a)
    response = getattr(client, method)(url(name, group_x))
    assert response.status_code == 405


def test_file_delete_by_get_is_405(client, group_x, stored_file, member_a):
    client.force_login(member_a)
    assert client.get(url("file-delete", group_x, stored_file.pk)).status_code == 405


@pytest.mark.parametrize(
    ("path", "get_status"),
    [
        ("/workspaces/999999/messages/", 405),  # POST only: the method first
        ("/workspaces/999999/notes/", 405),
        ("/workspaces/999999/join/", 404),
        ("/workspaces/999999/leave/", 404),
        ("/workspaces/abc/messages/", 404),
    ],
)
def test_unknown_groups_are_404(client, member_a, path, get_status):
    client.force_login(member_a)
    assert client.get(path).status_code == get_status
    assert client.post(path, {"body": "x"}).status_code == 404
    assert client.get("/workspaces/999999/").status_code == 404


def test_unknown_meeting_and_file_ids_are_404(client, group_x, member_a):
    client.force_login(member_a)
    assert client.post(url("meeting-minutes", group_x, 999999)).status_code == 404
    assert client.get(url("file-download", group_x, 999999)).status_code == 404
    garbage = f"/workspaces/{group_x.pk}/files/abc/delete/"
    assert client.post(garbage).status_code == 404


# My groups and asking to join ----------------------------------------------------


def test_group_list(client, group_x, member_a, member_b):
    assert_login_redirect(client.get(reverse("workspaces:group-list")))
    client.force_login(member_a)
    content = client.get(reverse("workspaces:group-list")).content.decode()
    assert group_x.title in content
    assert f'href="{url("workspace", group_x)}"' in content
    assert "3 members" in content
    client.force_login(member_b)
    content = client.get(reverse("workspaces:group-list")).content.decode()
    assert url("join-request", group_x) in content
    assert f'href="{url("workspace", group_x)}"' not in content


def test_a_second_request_is_refused_and_the_text_kept(client, group_x, member_b):
    client.force_login(member_b)
    client.post(url("join-request", group_x), {"message": "最初の依頼"})
    response = client.post(url("join-request", group_x), {"message": "二度目の依頼"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "already asked to join" in content
    assert "二度目の依頼" in content
    assert JoinRequest.objects.filter(group=group_x).count() == 1


def test_a_closed_group_refuses_requests(client, group_x, coordinator, member_b):
    services.close_group(group=group_x, by=coordinator)
    client.force_login(member_b)
    response = client.post(url("join-request", group_x), {"message": "参加したい"})
    assert response.status_code == 400
    assert "参加したい" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_a_group_on_an_unpublished_need_is_hidden(
    client, dept_x, staff_x, coordinator, member_b
):
    need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    group = services.form_working_group(need=need, by=coordinator, title="WG")
    need.unpublish()
    client.force_login(member_b)
    assert client.get(url("join-request", group)).status_code == 404


def test_a_closed_group_is_read_only(client, group_x, coordinator, member_a):
    services.close_group(group=group_x, by=coordinator)
    client.force_login(member_a)
    content = client.get(url("workspace", group_x)).content.decode()
    assert 'id="chat-form"' not in content
    response = client.post(url("message-post", group_x), {"body": "閉じた後"})
    assert response.status_code == 400
    assert "閉じた後" in response.content.decode()
