"""The outbox: retries with backoff after a failing mail server, then gives up."""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command

from hack.notifications import services
from hack.notifications.models import DeliveryStatus, EmailDelivery

from .conftest import PARAMS, TEST_KIND

pytestmark = pytest.mark.django_db


class BrokenConnection:
    def __init__(self):
        self.calls = 0

    def send_messages(self, messages):
        self.calls += 1
        raise smtplib.SMTPServerDisconnected("mail server is down")

    def close(self):
        pass


def queue(user, run_on_commit, connection):
    with mock.patch.object(services, "get_connection", return_value=connection):
        run_on_commit(
            services.notify,
            recipients=[user],
            kind=TEST_KIND.code,
            params=PARAMS,
            url="/needs/",
        )
    return EmailDelivery.objects.get()


def test_a_failed_send_is_retried_with_backoff_and_finally_given_up(
    member_a, run_on_commit, caplog
):
    broken = BrokenConnection()
    delivery = queue(member_a, run_on_commit, broken)
    # The request's attempt failed; the row waits a minute.
    assert broken.calls == 1
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert "mail server is down" in delivery.last_error

    expected_delays = [
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=12),
    ]
    now = delivery.next_attempt_at
    with mock.patch.object(services, "get_connection", return_value=broken):
        # Not due yet: nothing is tried.
        early = services.deliver_pending_emails(now=now - timedelta(seconds=1))
        assert (early.sent, early.retrying, early.failed) == (0, 0, 0)
        for attempt, delay in enumerate(expected_delays, start=2):
            report = services.deliver_pending_emails(now=now)
            assert report.retrying == 1
            delivery.refresh_from_db()
            assert delivery.attempts == attempt
            assert delivery.next_attempt_at == now + delay
            now = delivery.next_attempt_at
        report = services.deliver_pending_emails(now=now)
    delivery.refresh_from_db()
    assert report.failed == 1
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == services.MAX_ATTEMPTS == 6
    assert broken.calls == 6
    assert "gave up email" in caplog.text
    # Given up means given up: a working server later sends nothing.
    assert services.deliver_pending_emails(now=now + timedelta(days=1)).sent == 0
    assert mail.outbox == []


def test_a_retry_that_succeeds_marks_the_email_sent(member_a, run_on_commit):
    delivery = queue(member_a, run_on_commit, BrokenConnection())
    assert mail.outbox == []
    report = services.deliver_pending_emails(now=delivery.next_attempt_at)
    assert report.sent == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert delivery.sent_at is not None
    (message,) = mail.outbox
    assert message.to == [member_a.email]
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )


def test_the_command_sends_what_is_due(member_a, run_on_commit, capsys):
    delivery = queue(member_a, run_on_commit, BrokenConnection())
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=delivery.created_at
    )
    call_command("send_notifications")
    assert "sent 1" in capsys.readouterr().out
    assert [m.to for m in mail.outbox] == [[member_a.email]]
    # A second run finds nothing to send.
    call_command("send_notifications")
    assert len(mail.outbox) == 1


def test_a_row_already_claimed_is_not_sent_twice(member_a, run_on_commit):
    delivery = queue(member_a, run_on_commit, BrokenConnection())
    now = delivery.next_attempt_at
    # Another process claimed it a moment ago (pushed it into the future).
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=now + services.CLAIM_LEASE
    )
    assert services.deliver_pending_emails(now=now).sent == 0
    assert mail.outbox == []
