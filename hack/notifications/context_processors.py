from django.utils.functional import SimpleLazyObject

from .selectors import count_unread_notifications


def notifications(request):
    """`unread_notification_count` for the header bell: one COUNT query, run
    only when a template uses it, and nothing for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notification_count": SimpleLazyObject(
            lambda: count_unread_notifications(user)
        )
    }
