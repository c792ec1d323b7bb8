"""A workspace form posted after the session ended (expired, or logged out in
another tab) loses nothing: the text comes back in the same form after logging
in again, once, and nothing is stored meanwhile."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from hack.workspaces import services
from hack.workspaces.models import Meeting, Message, Notes

from .test_views import city_time, meeting_data, url


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def post_after_session_ended(client, person, path, data):
    """Log in, let the session end, then post: the browser still shows the
    form, the server no longer knows the person."""
    client.force_login(person)
    client.logout()
    return client.post(path, data)


def assert_sent_to_login_then_back(response, group):
    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.path == reverse("account_login")
    assert parse_qs(location.query)["next"] == [url("workspace", group)]


def test_a_chat_message_comes_back_after_logging_in_again(client, group_x, member_a):
    response = post_after_session_ended(
        client,
        member_a,
        url("message-post", group_x),
        {"body": "期限切れの後でも消えない発言", "client_id": "c-77"},
    )
    assert_sent_to_login_then_back(response, group_x)
    assert not Message.objects.exists()

    client.force_login(member_a)
    page = client.get(url("workspace", group_x)).content.decode()
    assert "期限切れの後でも消えない発言" in page
    assert 'value="c-77"' in page  # a resend is still stored once
    assert "It has not been sent or saved yet" in page
    # Offered once: the next visit shows the empty form.
    again = client.get(url("workspace", group_x)).content.decode()
    assert "期限切れの後でも消えない発言" not in again


def test_notes_come_back_with_the_version_they_were_based_on(
    client, group_x, member_a, staff_x
):
    services.save_notes(
        group=group_x, by=staff_x, body="一行目\n", base_version=0, format="markdown"
    )
    response = post_after_session_ended(
        client,
        member_a,
        url("notes-save", group_x),
        {"body": "一行目\n私の追記\n", "format": "markdown", "base_version": "1"},
    )
    assert_sent_to_login_then_back(response, group_x)
    assert Notes.objects.get(group=group_x).version == 1

    client.force_login(member_a)
    page = client.get(url("workspace", group_x)).content.decode()
    assert "私の追記" in page
    assert 'name="base_version" value="1"' in page


def test_a_meeting_comes_back_with_every_field(client, group_x, member_a):
    data = meeting_data(online_url="https://meet.example.jp/wg")
    response = post_after_session_ended(
        client, member_a, url("meeting-create", group_x), data
    )
    assert_sent_to_login_then_back(response, group_x)
    assert not Meeting.objects.exists()

    client.force_login(member_a)
    page = client.get(url("workspace", group_x)).content.decode()
    for field in ("title", "place", "agenda", "online_url", "starts_at"):
        assert data[field] in page, field


def test_minutes_come_back_under_their_meeting(client, group_x, member_a, coordinator):
    meeting = services.schedule_meeting(
        group=group_x,
        by=coordinator,
        title="第1回",
        starts_at=timezone.now() + timedelta(days=1),
        place="区役所",
    )
    response = post_after_session_ended(
        client,
        member_a,
        url("meeting-minutes", group_x, meeting.pk),
        {"minutes": "決まったこと: 計測は来週から"},
    )
    assert_sent_to_login_then_back(response, group_x)

    client.force_login(member_a)
    page = client.get(url("workspace", group_x)).content.decode()
    assert "決まったこと: 計測は来週から" in page


def test_kept_text_is_offered_only_on_its_own_group_to_a_member(
    client, group_x, member_a, member_b
):
    post_after_session_ended(
        client, member_a, url("message-post", group_x), {"body": "内部の話"}
    )
    # Someone else logs in on the same browser: not a member, so the page
    # they get (403) shows nothing of it.
    client.force_login(member_b)
    response = client.get(url("workspace", group_x))
    assert response.status_code == 403
    assert "内部の話" not in response.content.decode()


def test_an_empty_post_after_the_session_ended_keeps_nothing(client, group_x, member_a):
    response = post_after_session_ended(
        client, member_a, url("message-post", group_x), {"body": ""}
    )
    assert_sent_to_login_then_back(response, group_x)
    client.force_login(member_a)
    page = client.get(url("workspace", group_x)).content.decode()
    assert "It has not been sent or saved yet" not in page


def test_a_meeting_in_the_past_is_still_refused_when_sent_again(
    client, group_x, member_a
):
    """The kept text is only offered back: sending it goes through every check."""
    past = meeting_data(starts_at=city_time(timezone.now() - timedelta(days=1)))
    post_after_session_ended(client, member_a, url("meeting-create", group_x), past)
    client.force_login(member_a)
    response = client.post(url("meeting-create", group_x), past)
    assert response.status_code == 400
    assert not Meeting.objects.exists()
