"""The workspace websocket: thin. It authenticates, checks membership on every
frame and every broadcast, validates the JSON shape and calls services.

Membership and the session are checked on every frame and every broadcast
against a read shared by all the group's sockets in the process, at most
ACCESS_MAX_AGE seconds old; a monitor re-checks everything every
WORKSPACE_RECHECK_SECONDS and closes what may no longer listen; database calls
run on a small pool of their own. All of that is in process_sockets.py. No
handler waits for the process's one database thread (see dispatch).

Connect to /ws/workspaces/<group id>/ (same-origin, with the session cookie).
  ?after=<seq>   reconnecting: every message after seq comes as message.created,
                 in order (no history.page); a seq beyond the latest counts as
                 the latest.
  otherwise      the latest page comes first as history.page.
Refused or closed with (4000–4999 are ours):
  4401  not logged in, or the session was logged out or expired
  4403  not (or no longer) a member of the group
  4404  no such group

Client → server frames: {"type": ...}, text only, at most 64 KiB each
  message.create  {"body", "client_id"}     post a chat message
  sync            {"after": seq}            everything after seq, in order
  history.load    {"before": seq}           an older page of messages
  ping            {}                        keeps presence fresh

Server → client, besides the broadcast events listed in realtime.py:
  history.page      {"messages": [...], "has_more"}   oldest first
  message.accepted  {"client_id", "seq"}    your message is stored with this seq
                                            (its message.created comes too)
  pong              {}
  error             {"code", "message"[, "client_id"]}  the message is in the
                    person's language (User.language); codes:
      too_large     the frame is over 64 KiB (it is dropped)
      malformed     binary frame, not JSON, not an object, or no "type"
      unknown_type  a type not listed above
      invalid       a field is missing or wrong; for message.create also an
                    empty or too long body (client_id is echoed)
      rate_limited  more than 5 messages a second per person, or more than
                    20 frames a second on one socket (dropped; client_id echoed)
      server_error  the frame could not be handled; try again
The socket stays open after every error.

Each message.created carries its seq (gap-free per group). The consumer sends
them to the browser in seq order, each once: an older or repeated one is dropped,
and when one arrives ahead of a gap the missing ones are read from the database
first.
"""

import json
import logging
import time
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from hack.core.errors import refusal_text

from . import process_sockets, realtime, selectors, services
from .models import WorkingGroup
from .process_sockets import (
    CLOSE_NOT_FOUND,
    CLOSE_NOT_MEMBER,
    CLOSE_UNAUTHENTICATED,
    on_database,
)

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
MESSAGES_PER_SECOND = 5  # per person, across sockets and processes
FRAMES_PER_SECOND = 20  # per socket, any type
CATCH_UP_BATCH = 200
MAX_SEQ = 2**63 - 1  # a seq the database can compare with


def _current_second() -> int:
    """The rate limits' window (tests fix it to stay off a second boundary)."""
    return int(time.time())


def rate_key(user_id: int, second: int) -> str:
    return f"workspace-rate:{int(user_id)}:{int(second)}"


class WorkspaceConsumer(AsyncWebsocketConsumer):
    group_id: int
    last_seq: int = 0
    joined = False
    ended = False
    frame_window: int | None = None
    frames_in_window = 0

    async def dispatch(self, message):
        # Channels (4.2+) first runs close_old_connections on the process's one
        # database thread before every handler, for every frame and every
        # broadcast: with a thousand sockets each event then queues behind
        # every write of the process. Every database call here goes through
        # process_sockets.on_database, which closes old connections around each
        # call itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # Connect / disconnect ----------------------------------------------------

    async def connect(self):
        self.group_id = int(self.scope["url_route"]["kwargs"]["group_id"])
        self.user = self.scope.get("user")
        self.session_key = self._session_key()
        self.language = self._language()
        if not self.user or not self.user.is_authenticated or not self.session_key:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await on_database(_group_exists)(self.group_id):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        is_member = on_database(selectors.is_active_member)
        if not await is_member(self.user.pk, self.group_id):
            await self.close(code=CLOSE_NOT_MEMBER)
            return
        # Join the layer groups before reading the database, so nothing
        # committed in between is missed (duplicates are dropped by seq).
        await self.channel_layer.group_add(
            realtime.workspace_group(self.group_id), self.channel_name
        )
        await self.channel_layer.group_add(
            realtime.user_group(self.user.pk), self.channel_name
        )
        self.joined = True
        process_sockets.register(self)
        await self.accept()
        await on_database(services.open_connection)(
            group_id=self.group_id, user_id=self.user.pk, channel_name=self.channel_name
        )
        latest = await self._latest_seq()
        after = self._query_int("after")
        if after is None:
            self.last_seq = latest
            await self._send_history(before=latest + 1)
        else:
            # A client that remembers more than exists (a restored database)
            # would otherwise never see the next messages.
            self.last_seq = min(max(after, 0), latest)
            await self._catch_up()

    async def disconnect(self, code):
        if not self.joined:
            return
        self.joined = False
        process_sockets.unregister(self)
        await self.channel_layer.group_discard(
            realtime.workspace_group(self.group_id), self.channel_name
        )
        await self.channel_layer.group_discard(
            realtime.user_group(self.user.pk), self.channel_name
        )
        await on_database(services.close_connection)(channel_name=self.channel_name)

    async def _end(self, code: int) -> None:
        """Stop delivering at once, then close the socket (once)."""
        if self.ended:
            return
        self.ended = True
        await self.disconnect(code)
        await self.close(code=code)

    # Incoming frames -----------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if not self.joined:
            return
        with translation.override(self.language):
            try:
                await self._receive(text_data)
            except Exception:
                logger.exception("Workspace %s: a frame failed", self.group_id)
                if self.joined:
                    await self._error(
                        "server_error",
                        _("Something went wrong. Please try again."),
                    )

    async def _receive(self, text_data):
        if not self._within_frame_rate():
            await self._error(
                "rate_limited",
                _("You are sending too fast. Wait a moment and try again."),
            )
            return
        if text_data is None:
            await self._error("malformed", _("Only text frames are accepted."))
            return
        if len(text_data) > MAX_FRAME_BYTES or (
            len(text_data.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES
        ):
            await self._error("too_large", _("The message is too large to send."))
            return
        problem = await self._access_problem()
        if problem:
            await self._end(problem)
        if not self.joined:
            return  # closed now, or by the monitor meanwhile
        try:
            frame = json.loads(text_data)
        except (ValueError, RecursionError):
            await self._error("malformed", _("The frame is not valid JSON."))
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self._error("malformed", _("A frame needs a type."))
            return
        handler = {
            "message.create": self._create_message,
            "sync": self._resend_after,
            "history.load": self._load_history,
            "ping": self._ping,
        }.get(frame["type"])
        if handler is None:
            await self._error("unknown_type", _("Unknown event type."))
            return
        await handler(frame)

    async def _create_message(self, frame):
        client_id = frame.get("client_id")
        client_id = client_id[:64] if _is_text(client_id) else ""
        body = frame.get("body")
        if not _is_text(body):
            await self._error("invalid", _("Write a message first."), client_id)
            return
        if not await self._within_message_rate():
            await self._error(
                "rate_limited",
                _("You are sending messages too fast. Wait a moment and try again."),
                client_id,
            )
            return
        try:
            event = await on_database(self._post)(body, client_id)
        except (ValidationError, PermissionDenied) as error:
            await self._error("invalid", refusal_text(error), client_id)
            return
        # Committed by now. Sent from here rather than from the database thread,
        # which would wait for the layer. A retried post (the same client_id)
        # returns the stored message and announces it again: every socket
        # drops a seq it has already had.
        await realtime.send_event(self.group_id, event)
        await self.send_json(
            {"type": "message.accepted", "client_id": client_id, "seq": event["seq"]}
        )

    def _post(self, body, client_id) -> dict:
        with translation.override(self.language):
            message = services.post_message(
                group=WorkingGroup(pk=self.group_id),  # only its id is read
                by=self.user,
                body=body,
                client_id=client_id,
                announce=False,
            )
            return {"type": "message.created", **services.message_payload(message)}

    # Not named `_sync`: Channels reads that attribute to tell sync consumers apart.
    async def _resend_after(self, frame):
        after = frame.get("after")
        if not _is_seq(after, minimum=0):
            await self._error("invalid", _("“after” must be a message number."))
            return
        # Going back is allowed: the client lost its state and asks again.
        self.last_seq = min(after, await self._latest_seq())
        await self._catch_up()

    async def _load_history(self, frame):
        before = frame.get("before")
        if not _is_seq(before, minimum=1):
            await self._error("invalid", _("“before” must be a message number."))
            return
        await self._send_history(before=before)

    async def _ping(self, frame):
        await on_database(services.touch_connection)(channel_name=self.channel_name)
        await self.send_json({"type": "pong"})

    # Events from the channel layer ------------------------------------------------

    async def workspace_event(self, message):
        if not self.joined:
            return
        event = message["event"]
        is_message = event["type"] == "message.created"
        if is_message and event["seq"] <= self.last_seq:
            return  # already sent (catch-up overlap or a duplicate)
        problem = await self._access_problem()
        if problem:
            await self._end(problem)
        if not self.joined:
            return  # closed now, or by the monitor meanwhile
        if is_message:
            if event["seq"] > self.last_seq + 1:
                await self._catch_up()  # a gap: read the missing ones in order
                return
            self.last_seq = event["seq"]
        await self.send_json(event)

    async def membership_revoked(self, message):
        if message.get("group_id") == self.group_id:
            process_sockets.forget_access(self.group_id)
            await self._end(CLOSE_NOT_MEMBER)

    async def session_ended(self, message):
        if message.get("session_key") in (None, self.session_key):
            process_sockets.forget_access(self.group_id)
            await self._end(CLOSE_UNAUTHENTICATED)

    # Helpers -------------------------------------------------------------------

    async def send_json(self, content):
        await self.send(text_data=json.dumps(content, ensure_ascii=False))

    async def _error(self, code: str, text: str, client_id: str = "") -> None:
        payload = {"type": "error", "code": code, "message": text}
        if client_id:
            payload["client_id"] = client_id
        await self.send_json(payload)

    async def _catch_up(self):
        while True:
            messages = await on_database(self._messages_after)(self.last_seq)
            for payload in messages:
                await self.send_json({"type": "message.created", **payload})
                self.last_seq = payload["seq"]
            if len(messages) < CATCH_UP_BATCH:
                break

    def _messages_after(self, after):
        return [
            services.message_payload(m)
            for m in selectors.list_messages(
                self.group_id, after=after, limit=CATCH_UP_BATCH
            )
        ]

    async def _send_history(self, *, before: int):
        messages, has_more = await on_database(self._history)(before)
        await self.send_json(
            {"type": "history.page", "messages": messages, "has_more": has_more}
        )

    def _history(self, before):
        page = selectors.list_messages(self.group_id, before=before)
        has_more = bool(page) and page[0].seq > 1
        return [services.message_payload(m) for m in page], has_more

    async def _latest_seq(self) -> int:
        return await on_database(_latest_seq)(self.group_id)

    async def _access_problem(self) -> int | None:
        """None while this socket may go on, else the close code: its session is
        still there and unexpired, and its person an active member, in the
        database as it was at most ACCESS_MAX_AGE seconds ago."""
        members, sessions = await process_sockets.group_access(
            self.group_id, self.session_key
        )
        if self.session_key not in sessions:
            return CLOSE_UNAUTHENTICATED
        if self.user.pk not in members:
            return CLOSE_NOT_MEMBER
        return None

    async def _within_message_rate(self) -> bool:
        """At most MESSAGES_PER_SECOND per person per second, across sockets and
        processes (the cache is Redis in production)."""
        key = rate_key(self.user.pk, _current_second())
        # The cache, not the database: never on the database thread.
        hits = await sync_to_async(_count_hit, thread_sensitive=False)(key)
        return hits <= MESSAGES_PER_SECOND

    def _within_frame_rate(self) -> bool:
        """At most FRAMES_PER_SECOND frames on this socket, counted before any
        parsing or database work, so a flood of sync frames costs little."""
        second = _current_second()
        if second != self.frame_window:
            self.frame_window, self.frames_in_window = second, 0
        self.frames_in_window += 1
        return self.frames_in_window <= FRAMES_PER_SECOND

    def _session_key(self) -> str | None:
        session = self.scope.get("session")
        return getattr(session, "session_key", None)

    def _language(self) -> str:
        user = self.scope.get("user")
        return getattr(user, "language", None) or settings.LANGUAGE_CODE

    def _query_int(self, name: str) -> int | None:
        values = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get(
            name
        )
        try:
            return min(int(values[0]), MAX_SEQ) if values else None
        except ValueError:
            return None


def _is_seq(value, *, minimum: int) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and minimum <= value <= MAX_SEQ
    )


def _is_text(value) -> bool:
    """A string the database can store: JSON may carry NUL characters and lone
    surrogates (\\ud800), which PostgreSQL and UTF-8 refuse."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _count_hit(key: str) -> int:
    if cache.add(key, 1, timeout=5):
        return 1  # the first in this second: one round trip
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=5)
        return 1


def _group_exists(group_id: int) -> bool:
    return WorkingGroup.objects.filter(pk=group_id).exists()


def _latest_seq(group_id: int) -> int:
    return (
        WorkingGroup.objects.filter(pk=group_id)
        .values_list("last_message_seq", flat=True)
        .first()
        or 0
    )
