"""Notifications: in-app rows, the email outbox, subscriptions and digests.

Other apps push to this one (STYLE.md, convention 3): they call `notify()` for a
person-to-person event and `announce()` for something new that subscribers may
want. Emails are rendered when they are queued, in the recipient's language, into
an outbox row (`EmailDelivery`), and sent after the transaction commits, so a
rollback sends nothing and a failing mail server never blocks a request:
NOTIFICATIONS_DELIVERY chooses a worker thread ("background"), inline after
commit ("sync") or nothing ("off"); `manage.py send_notifications` sends what is
due and retries failures with backoff.
"""

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse, translate_url
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from hack.accounts.models import Department, User
from hack.core.background import run_after_commit

from .kinds import (
    NEW_CALL,
    NEW_NEED,
    EmailCategory,
    NotificationKind,
    get_kind,
    render_title,
    shown_params,
)
from .models import (
    Announcement,
    AnnouncementKind,
    DeliveryStatus,
    EmailDelivery,
    Frequency,
    Notification,
    NotificationPreference,
    Subscription,
    SubscriptionKinds,
)

logger = logging.getLogger(__name__)

# After the n-th failed attempt the next one waits RETRY_DELAYS[n - 1]; after
# the last delay has been used up once more the email is given up (failed).
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A row being sent is pushed this far into the future first, so the worker
# thread and `send_notifications` never send the same email twice; if a process
# dies mid-send the row becomes due again after the lease.
CLAIM_LEASE = timedelta(minutes=10)
MAX_SUBSCRIPTIONS_PER_USER = 20
DIGEST_MAX_ITEMS = 50

UNSUBSCRIBE_SALTS = {
    "subscription": "hack.notifications.unsubscribe.subscription",
    "category": "hack.notifications.unsubscribe.category",
}

REASONS = {
    EmailCategory.PROPOSALS: _(
        "You receive this email because you made a proposal on YOKOHAMA Hack!."
    ),
    EmailCategory.QUESTIONS: _(
        "You receive this email because you asked a question about an idea call "
        "on YOKOHAMA Hack!."
    ),
    EmailCategory.REVIEWS: _(
        "You receive this email because proposals to your department's needs are "
        "reviewed on YOKOHAMA Hack!."
    ),
    EmailCategory.REMINDERS: _(
        "You receive this email because you take part in an idea call with a "
        "deadline on YOKOHAMA Hack!."
    ),
    EmailCategory.SUBSCRIPTIONS: _(
        "You receive this email because you subscribed to new needs and idea calls "
        "on YOKOHAMA Hack!."
    ),
    EmailCategory.WORKING_GROUPS: _(
        "You receive this email because you are in a working group on YOKOHAMA Hack!."
    ),
}


# --- URLs and languages ------------------------------------------------------------


def site_root() -> str:
    """The default Wagtail site's root URL (one query: read it once per batch)."""
    site = Site.objects.filter(is_default_site=True).first()
    return site.root_url if site else getattr(settings, "WAGTAILADMIN_BASE_URL", "")


def absolute_url(path: str, base: str | None = None) -> str:
    """`base` (default: the default Wagtail site's root URL) plus a path."""
    if path.startswith(("http://", "https://")):
        return path
    base = site_root() if base is None else base
    return base.rstrip("/") + "/" + path.lstrip("/")


def language_of(user: User) -> str:
    language = getattr(user, "language", "") or ""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def localised_path(path: str, language: str) -> str:
    """The same page in `language` (/needs/x/ → /en/needs/x/); unchanged when the
    path does not resolve."""
    # Resolve the path in its own language (no prefix: the default one).
    source = translation.get_language_from_path(path) or settings.LANGUAGE_CODE
    try:
        with translation.override(source):
            return translate_url(path, language)
    except Exception:  # noqa: BLE001 - a link that cannot be translated stays as is
        return path


# --- Unsubscribe tokens ---------------------------------------------------------------


class InvalidUnsubscribeToken(Exception):
    """The token was tampered with, or names something that no longer exists."""


@dataclass
class UnsubscribeTarget:
    user: User
    subscription: Subscription | None = None
    category: str | None = None

    def describe(self) -> str:
        if self.subscription is not None:
            return self.subscription.describe()
        return str(EmailCategory(self.category).label)


def make_unsubscribe_token(
    *, user: User, subscription: Subscription | None = None, category: str = ""
) -> str:
    """A signed token naming the user and either a subscription or a category.
    It does not expire: an unsubscribe link must work in an old email."""
    if subscription is not None:
        return signing.dumps(
            {"u": user.pk, "s": subscription.pk},
            salt=UNSUBSCRIBE_SALTS["subscription"],
        )
    if category not in EmailCategory.values:
        raise ValueError(f"unknown email category {category!r}")
    return signing.dumps(
        {"u": user.pk, "c": str(category)}, salt=UNSUBSCRIBE_SALTS["category"]
    )


def read_unsubscribe_token(token: str) -> UnsubscribeTarget:
    for purpose, salt in UNSUBSCRIBE_SALTS.items():
        try:
            data = signing.loads(token, salt=salt)
        except signing.BadSignature:
            continue
        if not isinstance(data, dict):
            break
        user = User.objects.filter(pk=data.get("u")).first()
        if user is None:
            break
        if purpose == "subscription":
            subscription = Subscription.objects.filter(
                pk=data.get("s"), user=user
            ).first()
            if subscription is None:
                break
            return UnsubscribeTarget(user=user, subscription=subscription)
        if data.get("c") in EmailCategory.values:
            return UnsubscribeTarget(user=user, category=data["c"])
        break
    raise InvalidUnsubscribeToken


@transaction.atomic
def unsubscribe(*, token: str) -> UnsubscribeTarget:
    """One-click unsubscribe (RFC 8058): the signed token is the authorisation."""
    target = read_unsubscribe_token(token)
    if target.subscription is not None:
        Subscription.objects.filter(pk=target.subscription.pk).update(is_active=False)
        target.subscription.is_active = False
    else:
        turn_email_off(user=target.user, category=target.category)
    return target


# --- Preferences ----------------------------------------------------------------------


def _email_off_by_user(user_ids: Iterable[int]) -> dict[int, set[str]]:
    return {
        preference.user_id: set(preference.email_off)
        for preference in NotificationPreference.objects.filter(user_id__in=user_ids)
    }


@transaction.atomic
def turn_email_off(*, user: User, category: str) -> NotificationPreference:
    preference, _created = (
        NotificationPreference.objects.select_for_update().get_or_create(user=user)
    )
    if category not in preference.email_off:
        preference.email_off = sorted({*preference.email_off, str(category)})
        preference.save(update_fields=["email_off", "updated_at"])
    return preference


@transaction.atomic
def update_notification_settings(
    *, user: User, language: str, email_categories: Iterable[str]
) -> NotificationPreference:
    """Save the language for emails and which categories are emailed."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose a language.")})
    wanted = {str(category) for category in email_categories}
    unknown = wanted - set(EmailCategory.values)
    if unknown:
        raise ValidationError({"email_categories": _("Choose from the list.")})
    set_email_language(user=user, language=language)
    preference, _created = (
        NotificationPreference.objects.select_for_update().get_or_create(user=user)
    )
    preference.email_off = sorted(set(EmailCategory.values) - wanted)
    preference.save(update_fields=["email_off", "updated_at"])
    return preference


def set_email_language(*, user: User, language: str) -> None:
    """Remember the person's language for emails (a supported one only)."""
    if language not in dict(settings.LANGUAGES) or user.language == language:
        return
    user.language = language
    User.objects.filter(pk=user.pk).update(language=language)


# --- Rendering emails -----------------------------------------------------------------


def _json_params(params: dict) -> dict:
    """Params are stored as JSON; lazy strings and dates become text here."""
    return json.loads(json.dumps(params or {}, cls=DjangoJSONEncoder))


def _render_delivery(
    *,
    user: User,
    template: str,
    category: str,
    context: dict,
    token: str,
    for_subscription: bool,
    base: str,
    kind: str = "",
) -> EmailDelivery:
    """Render one email in the recipient's language, with the unsubscribe footer
    and headers every email carries (RFC 8058)."""
    with translation.override(language_of(user)):
        if for_subscription:
            unsubscribe_label = _("Stop this subscription")
        else:
            unsubscribe_label = _("Stop emails about “%(category)s”") % {
                "category": EmailCategory(category).label
            }
        unsubscribe_url = absolute_url(
            reverse("notifications:unsubscribe", kwargs={"token": token}), base
        )
        context = {
            **context,
            "unsubscribe_url": unsubscribe_url,
            "settings_url": absolute_url(reverse("notifications:settings"), base),
            "recipient": user,
        }
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}_message.txt", context).strip()
        footer = render_to_string(
            "notifications/email/footer.txt",
            {
                **context,
                "reason": str(REASONS[category]),
                "unsubscribe_label": str(unsubscribe_label),
            },
        ).strip()
    return EmailDelivery(
        recipient=user,
        to_address=user.email,
        category=category,
        kind=kind,
        subject=" ".join(subject.split())[:998],
        body=f"{body}\n\n-- \n{footer}\n",
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def _render_kind_email(
    *,
    user: User,
    kind: NotificationKind,
    params: dict,
    url: str,
    token: str,
    base: str,
    for_subscription: bool = False,
    extra: dict | None = None,
) -> EmailDelivery:
    language = language_of(user)
    with translation.override(language):
        context = {
            "notification_title": render_title(kind.code, params),
            **shown_params(kind, params),
            **(extra or {}),
            "url": absolute_url(localised_path(url, language), base),
        }
        return _render_delivery(
            user=user,
            template=kind.email_template,
            category=kind.category,
            context=context,
            token=token,
            for_subscription=for_subscription,
            base=base,
            kind=kind.code,
        )


def _schedule_delivery(deliveries: list[EmailDelivery]) -> None:
    ids = [delivery.pk for delivery in deliveries if delivery.pk]
    if ids:
        run_after_commit(
            _deliver_ids,
            ids,
            mode=settings.NOTIFICATIONS_DELIVERY,
            name="notifications",
        )


def _distinct_active(recipients: Iterable[User | None]) -> list[User]:
    users, seen = [], set()
    for user in recipients:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        users.append(user)
    return users


# --- notify ---------------------------------------------------------------------------


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    params: dict,
    url: str,
    email: bool = True,
) -> list[Notification]:
    """Tell people about something that concerns them.

    One in-app notification per distinct active recipient, always; when `email`
    is true, an email too unless the person turned the kind's category off. The
    rows join the caller's transaction and emails leave after it commits."""
    notification_kind = get_kind(kind)
    params = _json_params(params)
    users = _distinct_active(recipients)
    if not users:
        return []
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user, kind=kind, params=params, url=url, created_at=now
            )
            for user in users
        ]
    )
    if email:
        email_off = _email_off_by_user(user.pk for user in users)
        category = notification_kind.category
        base = site_root()
        deliveries = [
            _render_kind_email(
                user=user,
                kind=notification_kind,
                params=params,
                url=url,
                token=make_unsubscribe_token(user=user, category=category),
                base=base,
            )
            for user in users
            if user.email and category not in email_off.get(user.pk, set())
        ]
        _schedule_delivery(EmailDelivery.objects.bulk_create(deliveries))
    return notifications


@transaction.atomic
def mark_notification_read(*, notification: Notification, by: User) -> Notification:
    if notification.recipient_id != by.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_notifications_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Subscriptions and announcements -------------------------------------------------


def _clean_subscription(data: dict) -> dict:
    department = data.get("department")
    if department is not None and not isinstance(department, Department):
        department = Department.objects.filter(pk=department).first()
    cleaned = {
        "fields": sorted({str(code) for code in data.get("fields") or []}),
        "department": department,
        "keyword": (data.get("keyword") or "").strip(),
        "kinds": data.get("kinds") or SubscriptionKinds.BOTH,
        "frequency": data.get("frequency") or Frequency.DAILY,
    }
    if cleaned["kinds"] not in SubscriptionKinds.values:
        raise ValidationError({"kinds": _("Choose from the list.")})
    if cleaned["frequency"] not in Frequency.values:
        raise ValidationError({"frequency": _("Choose from the list.")})
    if "is_active" in data:
        cleaned["is_active"] = bool(data["is_active"])
    return cleaned


@transaction.atomic
def create_subscription(*, user: User, data: dict) -> Subscription:
    """Subscribe to new needs and idea calls; empty filters match everything."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied
    count = Subscription.objects.filter(user=user).count()
    if count >= MAX_SUBSCRIPTIONS_PER_USER:
        raise ValidationError(
            _("You can keep up to %(limit)s subscriptions. Delete one first.")
            % {"limit": MAX_SUBSCRIPTIONS_PER_USER}
        )
    subscription = Subscription(user=user, **_clean_subscription(data))
    subscription.save()
    return subscription


@transaction.atomic
def update_subscription(
    *, subscription: Subscription, by: User, data: dict
) -> Subscription:
    if subscription.user_id != by.pk:
        raise PermissionDenied
    for name, value in _clean_subscription(data).items():
        setattr(subscription, name, value)
    subscription.save()
    return subscription


@transaction.atomic
def delete_subscription(*, subscription: Subscription, by: User) -> None:
    if subscription.user_id != by.pk:
        raise PermissionDenied
    subscription.delete()


@transaction.atomic
def announce(
    *,
    key: str,
    kind: str,
    title: str,
    summary: str,
    url: str,
    field: str,
    department_id: int | None,
    published_at: datetime | None = None,
) -> Announcement | None:
    """Record a new need or idea call once per `key` and tell instant subscribers
    whose filters match; digests pick it up later. A repeated key does nothing."""
    if kind not in AnnouncementKind.values:
        raise ValueError(f"unknown announcement kind {kind!r}")
    announcement, created = Announcement.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "title": (title or "")[:255],
            "summary": summary or "",
            "url": url,
            "field": field or "",
            "department_id": department_id,
            "published_at": published_at or timezone.now(),
        },
    )
    if not created:
        return None
    _notify_instant_subscribers(announcement)
    return announcement


def _notify_instant_subscribers(announcement: Announcement) -> None:
    kind = NEW_NEED if announcement.kind == AnnouncementKind.NEED else NEW_CALL
    subscriptions = (
        Subscription.objects.filter(
            is_active=True, frequency=Frequency.INSTANT, user__is_active=True
        )
        .filter(
            Q(department__isnull=True) | Q(department_id=announcement.department_id)
        )
        .select_related("user", "department")
        .order_by("pk")
    )
    chosen: dict[int, Subscription] = {}
    for subscription in subscriptions:
        if subscription.user_id not in chosen and subscription.matches(announcement):
            chosen[subscription.user_id] = subscription
    if not chosen:
        return
    params = {"title": announcement.title, "summary": announcement.summary}
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=subscription.user,
                kind=kind.code,
                params=params,
                url=announcement.url,
            )
            for subscription in chosen.values()
        ]
    )
    email_off = _email_off_by_user(chosen)
    base = site_root()
    deliveries = []
    for subscription in chosen.values():
        user = subscription.user
        if not user.email or EmailCategory.SUBSCRIPTIONS in email_off.get(
            user.pk, set()
        ):
            continue
        with translation.override(language_of(user)):
            description = subscription.describe()
        deliveries.append(
            _render_kind_email(
                user=user,
                kind=kind,
                params=params,
                url=announcement.url,
                token=make_unsubscribe_token(user=user, subscription=subscription),
                base=base,
                for_subscription=True,
                extra={"subscription": description, "announcement": announcement},
            )
        )
    _schedule_delivery(EmailDelivery.objects.bulk_create(deliveries))


def send_digests(*, frequency: str, now: datetime | None = None) -> int:
    """One email per daily or weekly subscription with the announcements since
    its last digest that match it; nothing when there are none. Each
    subscription's `last_digest_at` moves to `now` first (a conditional update),
    so two runs never send the same items twice. Returns the emails queued."""
    if frequency not in (Frequency.DAILY, Frequency.WEEKLY):
        raise ValueError(f"digests are daily or weekly, not {frequency!r}")
    now = now or timezone.now()
    subscriptions = (
        Subscription.objects.filter(
            is_active=True, frequency=frequency, user__is_active=True
        )
        .select_related("user", "department")
        .order_by("pk")
    )
    queued = 0
    for subscription in subscriptions.iterator():
        with transaction.atomic():
            if _send_digest(subscription, now):
                queued += 1
    return queued


def _send_digest(subscription: Subscription, now: datetime) -> bool:
    since = subscription.last_digest_at or subscription.created_at
    claimed = Subscription.objects.filter(
        pk=subscription.pk, last_digest_at=subscription.last_digest_at
    ).update(last_digest_at=now)
    if not claimed:
        return False  # another run took it
    candidates = Announcement.objects.filter(
        created_at__gt=since, created_at__lte=now
    ).order_by("created_at", "pk")
    if subscription.department_id:
        candidates = candidates.filter(department_id=subscription.department_id)
    items = [item for item in candidates if subscription.matches(item)]
    user = subscription.user
    if not items or not user.email:
        return False
    if EmailCategory.SUBSCRIPTIONS in _email_off_by_user([user.pk]).get(user.pk, set()):
        return False
    language = language_of(user)
    token = make_unsubscribe_token(user=user, subscription=subscription)
    base = site_root()
    with translation.override(language):
        context = {
            "subscription": subscription.describe(),
            "frequency": subscription.frequency,
            "items": [
                {
                    "kind": item.get_kind_display(),
                    "title": item.title,
                    "summary": item.summary,
                    "url": absolute_url(localised_path(item.url, language), base),
                }
                for item in items[:DIGEST_MAX_ITEMS]
            ],
            "count": len(items),
            "more": max(0, len(items) - DIGEST_MAX_ITEMS),
            "subscriptions_url": absolute_url(
                reverse("notifications:subscription-list"), base
            ),
        }
        delivery = _render_delivery(
            user=user,
            template="notifications/email/digest",
            category=EmailCategory.SUBSCRIPTIONS,
            context=context,
            token=token,
            for_subscription=True,
            base=base,
            kind=f"digest.{subscription.frequency}",
        )
    delivery.save()
    _schedule_delivery([delivery])
    return True


# --- Delivery -------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _deliver_ids(ids: list[int]) -> DeliveryReport:
    """Send the rows just queued (after commit, on the worker or inline)."""
    return _deliver(ids=ids, now=timezone.now(), limit=len(ids))


def deliver_pending_emails(
    *, now: datetime | None = None, limit: int = 200
) -> DeliveryReport:
    """Send the outbox rows that are due; failures are retried with backoff."""
    return _deliver(ids=None, now=now or timezone.now(), limit=limit)


def _deliver(*, ids: list[int] | None, now: datetime, limit: int) -> DeliveryReport:
    report = DeliveryReport()
    due = EmailDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    )
    if ids is not None:
        due = due.filter(pk__in=ids)
    candidates = list(
        due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )
    if not candidates:
        return report
    connection = get_connection()
    try:
        for pk in candidates:
            _deliver_one(pk, connection=connection, now=now, report=report)
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001, S110 - closing a broken connection
            pass
    return report


def _deliver_one(pk: int, *, connection, now: datetime, report: DeliveryReport):
    claimed = EmailDelivery.objects.filter(
        pk=pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM_LEASE)
    if not claimed:
        return
    delivery = EmailDelivery.objects.get(pk=pk)
    message = EmailMessage(
        delivery.subject,
        delivery.body,
        None,
        [delivery.to_address],
        headers=delivery.headers or {},
        connection=connection,
    )
    try:
        if not connection.send_messages([message]):
            raise RuntimeError("the email backend sent nothing")
    except Exception as error:  # noqa: BLE001 - any failure is retried later
        _record_failure(delivery, error, now=now, report=report)
        return
    EmailDelivery.objects.filter(pk=pk).update(
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        attempts=delivery.attempts + 1,
        last_error="",
    )
    report.sent += 1


def _record_failure(delivery: EmailDelivery, error: Exception, *, now, report):
    attempts = delivery.attempts + 1
    text = f"{type(error).__name__}: {error}"[:2000]
    report.errors.append(text)
    if attempts >= MAX_ATTEMPTS:
        EmailDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, attempts=attempts, last_error=text
        )
        report.failed += 1
        logger.error(
            "gave up email %s to %s after %s attempts: %s",
            delivery.pk,
            delivery.to_address,
            attempts,
            text,
        )
        return
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts,
        last_error=text,
        next_attempt_at=now + RETRY_DELAYS[attempts - 1],
    )
    report.retrying += 1
    logger.warning(
        "email %s to %s failed (attempt %s), retrying: %s",
        delivery.pk,
        delivery.to_address,
        attempts,
        text,
    )
