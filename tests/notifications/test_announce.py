"""announce(): once per key, to instant subscribers whose filters match; digests
gather the rest; publishing a need announces it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from hack.needs.choices import Field
from hack.notifications import services
from hack.notifications.models import Announcement, Notification, Subscription
from tests import factories

pytestmark = pytest.mark.django_db


def announce(key="need:1", **overrides):
    kwargs = {
        "key": key,
        "kind": "need",
        "title": "避難所の混雑をＤＸで見える化したい",
        "summary": "災害時に避難所の空き状況を市民に伝えたい。",
        "url": "/needs/dept-x/hinanjo/",
        "field": Field.DISASTER,
        "department_id": None,
    }
    kwargs.update(overrides)
    return services.announce(**kwargs)


def subscribe(user, **data):
    data.setdefault("frequency", "instant")
    return services.create_subscription(user=user, data=data)


def test_announcing_a_key_twice_does_nothing_the_second_time(member_a, run_on_commit):
    subscribe(member_a)
    first = run_on_commit(announce)
    second = run_on_commit(announce, title="changed")
    assert isinstance(first, Announcement)
    assert second is None
    assert Announcement.objects.get().title == first.title
    assert Notification.objects.filter(recipient=member_a).count() == 1
    assert len(mail.outbox) == 1


def test_instant_subscribers_whose_filters_match_get_it(
    member_a, member_b, dept_x, dept_y, run_on_commit
):
    matching = subscribe(
        member_a, fields=[Field.DISASTER], department=dept_x, keyword="dx"
    )
    subscribe(member_b, fields=[Field.WELFARE])  # another field
    someone = factories.make_user("dept-fan@example.jp")
    subscribe(someone, department=dept_y)  # another department
    keyword_fan = factories.make_user("keyword-fan@example.jp")
    subscribe(keyword_fan, keyword="子育て")  # another keyword
    calls_fan = factories.make_user("calls-fan@example.jp")
    subscribe(calls_fan, kinds="calls")  # calls only
    digest_fan = factories.make_user("digest-fan@example.jp")
    subscribe(digest_fan, frequency="daily")  # gets it in the digest instead

    run_on_commit(announce, department_id=dept_x.pk)

    # The keyword matched across full-width ＤＸ and case: NFKC, case-folded.
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [
        member_a.pk
    ]
    (message,) = mail.outbox
    assert message.to == [member_a.email]
    assert "避難所の混雑をＤＸで見える化したい" in message.subject
    assert "http://testserver/needs/dept-x/hinanjo/" in message.body
    # The unsubscribe link stops this subscription, not every email.
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    target = services.read_unsubscribe_token(url.rstrip("/").rsplit("/", 1)[-1])
    assert target.subscription == matching
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )


def test_an_english_subscriber_gets_english_links(member_b, run_on_commit):
    member_b.language = "en"
    member_b.save()
    subscribe(member_b)
    run_on_commit(announce)
    (message,) = mail.outbox
    assert message.subject.startswith("[YOKOHAMA Hack!] New need:")
    assert "http://testserver/en/needs/dept-x/hinanjo/" in message.body


def test_a_person_with_two_matching_subscriptions_is_told_once(member_a, run_on_commit):
    subscribe(member_a, keyword="避難所")
    subscribe(member_a, fields=[Field.DISASTER])
    run_on_commit(announce)
    assert Notification.objects.filter(recipient=member_a).count() == 1
    assert len(mail.outbox) == 1


def test_an_inactive_subscription_is_not_told(member_a, run_on_commit):
    subscription = subscribe(member_a)
    Subscription.objects.filter(pk=subscription.pk).update(is_active=False)
    run_on_commit(announce)
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_call_announcement_reaches_call_subscribers(member_a, run_on_commit):
    subscribe(member_a, kinds="calls")
    run_on_commit(announce, key="call:3", kind="call", title="窓口DXのアイデア募集")
    (message,) = mail.outbox
    assert "窓口DXのアイデア募集" in message.subject
    assert Notification.objects.get().kind == "subscription.new_call"


def test_the_daily_digest_sends_the_matching_items_once(
    member_a, member_b, run_on_commit
):
    subscribe(member_a, frequency="daily", fields=[Field.DISASTER])
    subscribe(member_b, frequency="daily", keyword="存在しない語")
    weekly = factories.make_user("weekly@example.jp")
    subscribe(weekly, frequency="weekly")
    run_on_commit(announce, key="need:1", title="避難所の混雑を見える化")
    run_on_commit(announce, key="call:1", kind="call", title="防災訓練のアイデア募集")
    run_on_commit(
        announce, key="need:2", title="保育園の空き状況", field=Field.CHILDCARE
    )
    # Digest subscribers get nothing at once.
    assert mail.outbox == []

    now = timezone.now() + timedelta(minutes=1)
    with_callbacks = run_on_commit(services.send_digests, frequency="daily", now=now)
    assert with_callbacks == 1
    (message,) = mail.outbox
    assert message.to == [member_a.email]
    assert "避難所の混雑を見える化" in message.body
    assert "防災訓練のアイデア募集" in message.body
    assert "保育園の空き状況" not in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://testserver/")

    # Running again sends nothing twice.
    assert run_on_commit(services.send_digests, frequency="daily", now=now) == 0
    later = now + timedelta(days=1)
    assert run_on_commit(services.send_digests, frequency="daily", now=later) == 0
    assert len(mail.outbox) == 1


def test_the_weekly_digest_command(member_a, run_on_commit, capsys):
    subscription = subscribe(member_a, frequency="weekly")
    Subscription.objects.filter(pk=subscription.pk).update(
        created_at=timezone.now() - timedelta(days=7)
    )
    run_on_commit(announce)
    call_command("send_digests", frequency="weekly")
    assert "1 weekly digests queued" in capsys.readouterr().out
    assert [m.to for m in mail.outbox] == [[member_a.email]]
    call_command("send_digests", frequency="weekly")
    assert len(mail.outbox) == 1


def test_publishing_a_need_announces_it(
    member_a, dept_x, staff_x, coordinator, django_capture_on_commit_callbacks
):
    subscribe(member_a, fields=[Field.COUNTER], department=dept_x)
    with django_capture_on_commit_callbacks(execute=True):
        need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    announcement = Announcement.objects.get(key=f"need:{need.pk}")
    assert announcement.kind == "need"
    assert announcement.title == need.title
    assert announcement.department_id == dept_x.pk
    assert announcement.field == Field.COUNTER
    assert announcement.url == need.url
    (message,) = mail.outbox
    assert message.to == [member_a.email]
    assert need.title in message.subject
    assert need.full_url in message.body
    # Publishing a new revision does not announce it again.
    with django_capture_on_commit_callbacks(execute=True):
        need.save_revision(user=coordinator).publish(user=coordinator)
    assert Announcement.objects.filter(key=f"need:{need.pk}").count() == 1
    assert len(mail.outbox) == 1
