"""The only place that sends to the channel layer. Group names are built from ids
here and nowhere else (Channels allows ASCII only; never from URL text).

Every send happens after the transaction commits, so a client is never told about
a row it cannot read yet, and a rolled-back write is never announced. A send that
fails (the layer is away) is logged and does not undo or fail the write: sockets
catch up from the database (by seq) and the consumers' periodic re-check still
closes the sockets of someone removed or logged out.

Two ways in: `broadcast` / `tell_user` from synchronous code inside the write's
transaction (views, services), and `send_event` from the event loop, after the
database call that committed the row has returned (the consumer's chat posts:
sending from the database thread would hold that one thread while Redis
answers).

Events (server → browser), all {"type": "<noun>.<verb>", ...}:
  message.created   {"seq", "id", "author_id", "author", "body", "created_at",
                    "client_id"}: a chat message (seq is gap-free per group; the
                    sender gets it too and can match its client_id)
  presence.changed  {"present": [{"id", "name"}], "count", "members"}: who is
                    connected now (count = people, not sockets) and how many
                    members the group has
  notes.saved       {"version", "by"}: a new notes version
  activity.created  {"id", "verb", "actor", "params"}: a timeline entry
  meeting.changed   {"id"}: a meeting was scheduled or its minutes recorded
  file.changed      {["id"]}: a file was added (id) or removed
  group.changed     {"stage", "status"}: stage or status changed
To one person's sockets (user.<id>), never forwarded to the browser:
  membership.revoked  {"group_id"} removed from a group: its sockets close (4403)
  session.ended       {"session_key"} logged out: that session's sockets close
                      (4401)
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def workspace_group(group_id: int) -> str:
    return f"workspace.{int(group_id)}"


def user_group(user_id: int) -> str:
    return f"user.{int(user_id)}"


def _send(name: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(name, message)


def _workspace_message(event: dict) -> dict:
    return {"type": "workspace.event", "event": event}


def broadcast(group_id: int, event: dict) -> None:
    """Send `event` to every socket on the group's workspace, after commit."""
    message = _workspace_message(event)
    transaction.on_commit(
        lambda: _send(workspace_group(group_id), message), robust=True
    )


async def _asend(name: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(name, message)


async def send_event(group_id: int, event: dict) -> None:
    """Send `event` to every socket on the group's workspace, from the event
    loop. Call it only once the write is committed (the database call that made
    it has returned outside any transaction). A failure is logged, like a failed
    send after commit: the sockets fill the gap from the database."""
    try:
        await _asend(workspace_group(group_id), _workspace_message(event))
    except Exception:
        logger.exception("Workspace %s: an event could not be sent", group_id)


def tell_user(user_id: int, message: dict) -> None:
    """Send a control message (membership.revoked, session.ended) to every socket
    of one person, after commit."""
    payload = {**message, "type": message["type"].replace(".", "_")}
    transaction.on_commit(lambda: _send(user_group(user_id), payload), robust=True)
