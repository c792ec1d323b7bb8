"""The only place that sends to the channel layer. Group names are built from ids
here and nowhere else (Channels allows ASCII only; never from URL text).

Every send happens after the transaction commits, so a client is never told about
a row it cannot read yet, and a rolled-back write is never announced.

Events (server → browser), all {"type": "<noun>.<verb>", ...}:
  message.created   a chat message (seq is gap-free per group)
  presence.changed  who is connected now and how many members there are
  notes.saved       a new notes version (who, version)
  activity.created  a timeline entry
  meeting.changed   a meeting was scheduled or its minutes recorded
  file.changed      a file was added or removed
  group.changed     stage or status changed
To one person's sockets (user.<id>):
  membership.revoked  removed from a group: sockets on it close at once
  session.ended       logged out: sockets of that session close at once
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def workspace_group(group_id: int) -> str:
    return f"workspace.{int(group_id)}"


def user_group(user_id: int) -> str:
    return f"user.{int(user_id)}"


def _send(name: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(name, message)


def broadcast(group_id: int, event: dict) -> None:
    """Send `event` to every socket on the group's workspace, after commit."""
    message = {"type": "workspace.event", "event": event}
    transaction.on_commit(lambda: _send(workspace_group(group_id), message))


def tell_user(user_id: int, message: dict) -> None:
    """Send a control message (membership.revoked, session.ended) to every socket
    of one person, after commit."""
    payload = {**message, "type": message["type"].replace(".", "_")}
    transaction.on_commit(lambda: _send(user_group(user_id), payload))
