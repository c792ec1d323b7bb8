"""Members of a working group see each other by `User.public_name`: the display
name, else the full name, else a numbered label. Never by the email address,
which must not reach people of other organisations."""

import pytest
from django.urls import reverse
from django.utils import translation

from hack.accounts import services as account_services
from hack.workspaces import services
from tests.calls.factories import pdf_upload

NOTICE = "Set a display name so they know who you are."


@pytest.fixture(autouse=True)
def _english():
    """Pages in English (URLs reversed under /en/), so assertions read msgids."""
    with translation.override("en"):
        yield


def events(sent) -> list[dict]:
    return [
        message["event"]
        for _name, message in sent
        if message.get("type") == "workspace.event"
    ]


@pytest.fixture
def busy_group(group_x, member_a):
    """Member A, who has no display name, has chatted, saved the notes, uploaded
    a file and is connected right now."""
    services.post_message(group=group_x, by=member_a, body="よろしくお願いします")
    services.save_notes(
        group=group_x, by=member_a, body="# 議題\n", base_version=0, format="markdown"
    )
    services.add_file(group=group_x, by=member_a, upload=pdf_upload())
    services.open_connection(
        group_id=group_x.pk, user_id=member_a.pk, channel_name="test.member-a"
    )
    return group_x


def workspace_html(client, viewer, group) -> str:
    client.force_login(viewer)
    response = client.get(reverse("workspaces:workspace", args=[group.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_another_member_never_sees_the_posters_email(
    client, busy_group, member_a, staff_x
):
    html = workspace_html(client, staff_x, busy_group)
    assert member_a.email not in html
    label = f"Participant {member_a.pk} (no name set)"
    assert member_a.public_name == label
    chat = html.split('id="chat"', 1)[1].split('id="presence"', 1)[0]
    assert f'<span class="chat-author">{label}</span>' in chat
    presence = html.split('id="presence-list"', 1)[1].split("</ul>", 1)[0]
    assert f"<li>{label}</li>" in presence
    assert f'<span class="member-name">{label}</span>' in html  # the roster
    files = html.split('id="files"', 1)[1].split("</section>", 1)[0]
    assert label in files
    notes = html.split('id="notes"', 1)[1].split("</section>", 1)[0]
    assert f"saved by {label}" in notes
    activity = html.split('id="activity"', 1)[1].split("</section>", 1)[0]
    assert f"{label} saved version 1 of the notes." in activity
    assert f"{label} added the file" in activity
    assert f"added {label} (" in activity


def test_the_notes_versions_and_manage_pages_show_no_email(
    client, busy_group, member_a, staff_x, coordinator
):
    client.force_login(staff_x)
    versions = client.get(reverse("workspaces:notes-versions", args=[busy_group.pk]))
    assert versions.status_code == 200
    assert member_a.email not in versions.content.decode()
    assert member_a.public_name in versions.content.decode()
    client.force_login(coordinator)
    manage = client.get(reverse("workspaces:group-manage", args=[busy_group.pk]))
    assert manage.status_code == 200
    assert member_a.email not in manage.content.decode()
    assert member_a.public_name in manage.content.decode()


def test_a_display_name_is_shown_once_set(client, busy_group, member_a, staff_x):
    account_services.update_profile(user=member_a, display_name="山田 花子（エー社）")
    html = workspace_html(client, staff_x, busy_group)
    assert member_a.email not in html
    old_label = f"Participant {member_a.pk} (no name set)"
    # The timeline keeps names as they were when something happened.
    assert old_label not in html.split('id="activity"', 1)[0]
    assert '<span class="chat-author">山田 花子（エー社）</span>' in html
    assert "<li>山田 花子（エー社）</li>" in html
    assert "山田 花子（エー社） saved version 1 of the notes." in html


def test_the_message_payload_has_no_email(busy_group, member_a):
    message = busy_group.messages.get()
    author = services.message_payload(message)["author"]
    assert author == f"Participant {member_a.pk} (no name set)"
    assert "@" not in author
    account_services.update_profile(user=member_a, display_name="山田 花子")
    message.author.refresh_from_db()
    assert services.message_payload(message)["author"] == "山田 花子"


def test_live_events_carry_the_public_name(
    group_x, member_a, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(group=group_x, by=member_a, body="こんにちは")
        services.save_notes(
            group=group_x, by=member_a, body="メモ\n", base_version=0, format="plain"
        )
    shown = events(sent)
    assert {event["type"] for event in shown} >= {
        "message.created",
        "notes.saved",
        "activity.created",
    }
    for event in shown:
        if event["type"] != "presence.changed":
            assert member_a.email not in repr(event), event["type"]
    (created,) = [e for e in shown if e["type"] == "message.created"]
    assert created["author"] == member_a.public_name


def test_the_presence_event_has_no_email(
    group_x, member_a, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.open_connection(
            group_id=group_x.pk, user_id=member_a.pk, channel_name="test.member-a"
        )
    (changed, *_rest) = [e for e in events(sent) if e["type"] == "presence.changed"]
    assert member_a.email not in repr(changed)
    assert changed["present"] == [{"id": member_a.pk, "name": member_a.public_name}]


def test_the_notice_asks_a_viewer_without_a_name(client, busy_group, staff_x):
    html = workspace_html(client, staff_x, busy_group)
    assert NOTICE in html
    assert f"Other members see you as “Participant {staff_x.pk} (no name set)”." in html
    workspace = reverse("workspaces:workspace", args=[busy_group.pk])
    assert f'href="{reverse("accounts:profile")}?next={workspace}"' in html


def test_no_notice_for_a_viewer_with_a_display_name(client, busy_group, staff_x):
    account_services.update_profile(user=staff_x, display_name="港南区 鈴木")
    html = workspace_html(client, staff_x, busy_group)
    assert NOTICE not in html
    assert reverse("accounts:profile") not in html.split('id="workspace"', 1)[1]
