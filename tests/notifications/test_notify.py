"""notify(): in-app rows at once, emails only after commit, in each person's
language, respecting what they turned off."""

from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from hack.notifications import services
from hack.notifications.kinds import EmailCategory, get_kind, register_kind
from hack.notifications.models import (
    DeliveryStatus,
    EmailDelivery,
    Notification,
    NotificationPreference,
)
from tests import factories

from .conftest import PARAMS, TEST_KIND

pytestmark = pytest.mark.django_db


def notify(recipients, **overrides):
    kwargs = {
        "recipients": recipients,
        "kind": TEST_KIND.code,
        "params": PARAMS,
        "url": "/needs/",
    }
    kwargs.update(overrides)
    return services.notify(**kwargs)


def test_register_kind_is_idempotent_by_code():
    again = register_kind(TEST_KIND)
    assert again is TEST_KIND
    assert get_kind("tests.seed_matched") is TEST_KIND
    with pytest.raises(LookupError, match="no.such"):
        get_kind("no.such")


def test_notify_creates_rows_at_once_and_sends_only_after_commit(
    member_a, member_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notifications = notify([member_a, member_b, member_a])
    # One row per distinct recipient, in the caller's transaction.
    assert sorted(n.recipient_id for n in notifications) == sorted(
        [member_a.pk, member_b.pk]
    )
    assert Notification.objects.count() == 2
    assert EmailDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 2
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == [member_a.email, member_b.email]
    assert not EmailDelivery.objects.exclude(status=DeliveryStatus.SENT).exists()


def test_a_rollback_sends_nothing(member_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                notify([member_a])
                raise RuntimeError("the caller failed")
    assert Notification.objects.count() == 0
    assert EmailDelivery.objects.count() == 0
    assert mail.outbox == []


def test_inactive_users_are_skipped(member_a, run_on_commit):
    sleeper = factories.make_user("gone@example.jp", is_active=False)
    run_on_commit(notify, recipients=[sleeper, member_a])
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [
        member_a.pk
    ]
    assert [m.to for m in mail.outbox] == [[member_a.email]]


def test_each_email_is_written_in_the_recipients_language(
    member_a, member_b, run_on_commit
):
    member_b.language = "en"
    member_b.save()
    run_on_commit(notify, recipients=[member_a, member_b])
    japanese = next(m for m in mail.outbox if m.to == [member_a.email])
    english = next(m for m in mail.outbox if m.to == [member_b.email])
    assert japanese.subject != english.subject
    assert "シーズとニーズのマッチング" in japanese.subject
    assert english.subject == (
        "[YOKOHAMA Hack!] Your seed was matched with a need: 窓口の待ち時間を減らしたい"
    )
    # The links follow the language too.
    assert "http://testserver/my/notifications/settings/" in japanese.body
    assert "http://testserver/en/my/notifications/settings/" in english.body
    assert english.extra_headers["List-Unsubscribe"].startswith(
        "<http://testserver/en/notifications/unsubscribe/"
    )


def test_the_in_app_title_is_rendered_when_shown_from_json_params(member_a):
    (notification,) = notify([member_a])
    notification.refresh_from_db()
    assert notification.params["proposal"] == "窓口AI案内"
    with translation.override("en"):
        assert notification.title == "Your proposal “窓口AI案内” was shortlisted"


def test_a_category_turned_off_keeps_in_app_but_sends_no_email(
    member_a, member_b, run_on_commit
):
    NotificationPreference.objects.create(
        user=member_a, email_off=[EmailCategory.PROPOSALS]
    )
    run_on_commit(notify, recipients=[member_a, member_b])
    assert Notification.objects.filter(recipient=member_a).count() == 1
    assert [m.to for m in mail.outbox] == [[member_b.email]]


def test_email_false_creates_only_in_app(member_a, run_on_commit):
    run_on_commit(notify, recipients=[member_a], email=False)
    assert Notification.objects.filter(recipient=member_a).count() == 1
    assert mail.outbox == []


def test_every_email_has_one_click_unsubscribe_headers_and_the_footer(
    member_a, run_on_commit
):
    run_on_commit(notify, recipients=[member_a])
    (message,) = mail.outbox
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://testserver/notifications/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    url = unsubscribe.strip("<>")
    assert url in message.body
    assert "http://testserver/my/notifications/settings/" in message.body
    with translation.override(member_a.language):
        reason = str(services.REASONS[EmailCategory.PROPOSALS])
    assert reason in message.body  # why you got it


def test_background_mode_never_sends_inline(member_a, settings, run_on_commit):
    settings.NOTIFICATIONS_DELIVERY = "background"
    with mock.patch("hack.core.background._executor") as executor:
        run_on_commit(notify, recipients=[member_a])
    assert executor.return_value.submit.call_count == 1
    assert mail.outbox == []
    # The cron command sends what is left.
    report = services.deliver_pending_emails()
    assert report.sent == 1
    assert [m.to for m in mail.outbox] == [[member_a.email]]
