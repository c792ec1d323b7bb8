"""One-click unsubscribe: GET asks, POST unsubscribes without a login or CSRF
token, a tampered token is a 400 with a message."""

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _

from hack.notifications import services
from hack.notifications.kinds import EmailCategory
from hack.notifications.models import Notification, NotificationPreference

from .conftest import PARAMS, TEST_KIND

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client():
    # Mail clients POST without a CSRF token: enforce the checks to prove it works.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def subscription(member_a):
    return services.create_subscription(
        user=member_a, data={"keyword": "防災", "frequency": "instant"}
    )


def unsubscribe_url(token):
    return reverse("notifications:unsubscribe", kwargs={"token": token})


def test_get_shows_a_button_and_changes_nothing(csrf_client, subscription):
    token = services.make_unsubscribe_token(
        user=subscription.user, subscription=subscription
    )
    response = csrf_client.get(unsubscribe_url(token))
    assert response.status_code == 200
    assert b'method="post"' in response.content
    subscription.refresh_from_db()
    assert subscription.is_active


def test_post_deactivates_the_subscription(csrf_client, subscription):
    token = services.make_unsubscribe_token(
        user=subscription.user, subscription=subscription
    )
    response = csrf_client.post(
        unsubscribe_url(token), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert not subscription.is_active


def test_post_turns_the_category_off_for_email_only(
    csrf_client, member_a, run_on_commit
):
    token = services.make_unsubscribe_token(
        user=member_a, category=EmailCategory.PROPOSALS
    )
    assert csrf_client.post(unsubscribe_url(token)).status_code == 200
    preference = NotificationPreference.objects.get(user=member_a)
    assert preference.email_off == [EmailCategory.PROPOSALS]
    # Unsubscribing twice is harmless.
    assert csrf_client.post(unsubscribe_url(token)).status_code == 200
    run_on_commit(
        services.notify,
        recipients=[member_a],
        kind=TEST_KIND.code,
        params=PARAMS,
        url="/needs/",
    )
    assert Notification.objects.filter(recipient=member_a).count() == 1
    assert mail.outbox == []


def test_the_link_in_an_email_unsubscribes(csrf_client, member_a, run_on_commit):
    run_on_commit(
        services.notify,
        recipients=[member_a],
        kind=TEST_KIND.code,
        params=PARAMS,
        url="/needs/",
    )
    (message,) = mail.outbox
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    path = url.removeprefix("http://testserver")
    assert csrf_client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert NotificationPreference.objects.get(user=member_a).email_off == [
        EmailCategory.PROPOSALS
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_is_400_with_a_message(csrf_client, subscription, method):
    token = services.make_unsubscribe_token(
        user=subscription.user, subscription=subscription
    )
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = getattr(csrf_client, method)(unsubscribe_url(tampered))
    assert response.status_code == 400
    assert "notifications/unsubscribe_invalid.html" in [
        t.name for t in response.templates
    ]
    assert _("This unsubscribe link does not work") in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.is_active


def test_a_token_for_a_deleted_subscription_is_400(csrf_client, subscription):
    token = services.make_unsubscribe_token(
        user=subscription.user, subscription=subscription
    )
    subscription.delete()
    assert csrf_client.post(unsubscribe_url(token)).status_code == 400


def test_a_token_signed_for_another_purpose_is_refused(csrf_client, member_a):
    forged = signing.dumps({"u": member_a.pk, "c": "proposals"}, salt="other")
    assert csrf_client.post(unsubscribe_url(forged)).status_code == 400
    assert not NotificationPreference.objects.filter(user=member_a).exists()
