"""The bell, the notification list, opening a notification, the settings page."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from hack.accounts.models import User
from hack.notifications import services
from hack.notifications.context_processors import notifications as bell_context
from hack.notifications.kinds import EmailCategory
from hack.notifications.models import Notification, NotificationPreference

from .conftest import PARAMS, TEST_KIND

pytestmark = pytest.mark.django_db


def notify(user, url="/needs/"):
    (notification,) = services.notify(
        recipients=[user], kind=TEST_KIND.code, params=PARAMS, url=url, email=False
    )
    return notification


def test_the_bell_shows_the_owners_unread_count(client, member_a, member_b):
    for _ in range(3):
        notify(member_a)
    client.force_login(member_a)
    response = client.get(reverse("accounts:dashboard"))
    html = response.content.decode()
    assert '<span class="bell-count" aria-hidden="true">3</span>' in html
    assert reverse("notifications:notification-list") in html
    client.force_login(member_b)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "bell-count" not in html
    assert reverse("notifications:notification-list") in html


def test_anonymous_visitors_get_no_bell(client, site, rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    assert bell_context(request) == {}
    html = client.get(reverse("account_login")).content.decode()
    assert "bell-icon" not in html


def test_the_bell_count_is_one_query(rf, member_a, django_assert_num_queries):
    notify(member_a)
    request = rf.get("/")
    request.user = member_a
    context = bell_context(request)
    with django_assert_num_queries(1):
        assert str(context["unread_notification_count"]) == "1"
        assert bool(context["unread_notification_count"])


def test_the_list_shows_own_notifications_newest_first_and_marks_unread(
    client, member_a, member_b
):
    older = notify(member_a, url="/seeds/")
    newer = notify(member_a)
    notify(member_b)
    services.mark_notification_read(notification=older, by=member_a)
    client.force_login(member_a)
    response = client.get(reverse("notifications:notification-list"))
    assert response.status_code == 200
    items = list(response.context["items"])
    assert items == [newer, older]
    html = response.content.decode()
    # Unread is said in words, not only by colour: one badge for one unread.
    assert html.count('class="badge notification-badge"') == 1
    assert reverse("notifications:notification-open", args=[newer.pk]) in html


def test_opening_marks_read_and_redirects_to_the_local_link(client, member_a):
    notification = notify(member_a, url="/needs/")
    client.force_login(member_a)
    url = reverse("notifications:notification-open", args=[notification.pk])
    assert client.get(url).status_code == 405  # only POST changes state
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == "/needs/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_refuses_an_external_redirect(client, member_a):
    notification = notify(member_a, url="https://evil.example/phish")
    client.force_login(member_a)
    response = client.post(
        reverse("notifications:notification-open", args=[notification.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:notification-list")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_users_notification_is_404(client, member_a, member_b):
    notification = notify(member_a)
    client.force_login(member_b)
    response = client.post(
        reverse("notifications:notification-open", args=[notification.pk])
    )
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_as_read(client, member_a, member_b):
    notify(member_a)
    notify(member_a)
    other = notify(member_b)
    client.force_login(member_a)
    response = client.post(reverse("notifications:notification-read-all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(
        recipient=member_a, read_at__isnull=True
    ).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_the_list_needs_a_login(client, site):
    response = client.get(reverse("notifications:notification-list"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_settings_save_language_and_email_categories(client, member_a):
    client.force_login(member_a)
    url = reverse("notifications:settings")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"language": "en", "email_categories": ["questions", "reminders"]}
    )
    assert response.status_code == 302
    member_a.refresh_from_db()
    assert member_a.language == "en"
    preference = NotificationPreference.objects.get(user=member_a)
    assert set(preference.email_off) == {
        EmailCategory.PROPOSALS,
        EmailCategory.REVIEWS,
        EmailCategory.SUBSCRIPTIONS,
        EmailCategory.WORKING_GROUPS,
    }


def test_an_invalid_settings_post_keeps_the_input_with_400(client, member_a):
    client.force_login(member_a)
    response = client.post(
        reverse("notifications:settings"),
        {"language": "xx", "email_categories": ["reminders"]},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "language" in form.errors
    assert form["email_categories"].value() == ["reminders"]
    html = response.content.decode()
    assert re.search(r'<input[^>]*value="reminders"[^>]*checked', html)
    assert not re.search(r'<input[^>]*value="questions"[^>]*checked', html)
    member_a.refresh_from_db()
    assert member_a.language == "ja"


def test_switching_the_site_language_sets_the_email_language(client, member_a):
    client.force_login(member_a)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/my/"})
    assert response.status_code == 302
    member_a.refresh_from_db()
    assert member_a.language == "en"


def test_signing_up_in_english_sets_the_email_language(client, site):
    response = client.post(
        "/en/accounts/signup/",
        {
            "email": "new-en@example.jp",
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="new-en@example.jp").language == "en"
