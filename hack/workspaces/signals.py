"""Logging out closes the person's workspace sockets of that session at once."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from . import realtime


@receiver(user_logged_out, dispatch_uid="workspaces_close_sockets_on_logout")
def close_sockets_on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    realtime.tell_user(user.pk, {"type": "session.ended", "session_key": session_key})
