"""Reads for the notification pages and the header bell."""

from django.apps import apps
from django.db.models import QuerySet

from hack.accounts.models import User

from .models import Notification, NotificationPreference, Subscription


def field_choices() -> list[tuple[str, str]]:
    """The need fields, read from the NeedPage model through the app registry so
    this app never imports hack.needs (needs pushes to us, not the reverse)."""
    try:
        model = apps.get_model("needs", "NeedPage")
    except LookupError:
        return []
    return list(model._meta.get_field("field").choices or [])


def field_labels() -> dict:
    return dict(field_choices())


def list_notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def count_unread_notifications(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def list_subscriptions_for(user: User) -> QuerySet[Subscription]:
    return Subscription.objects.filter(user=user, is_active=True).select_related(
        "department"
    )


def get_email_off(user: User) -> set[str]:
    preference = NotificationPreference.objects.filter(user=user).first()
    return set(preference.email_off) if preference else set()
