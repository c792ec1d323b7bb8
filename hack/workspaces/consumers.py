"""The workspace websocket: thin. It authenticates, checks membership on every
frame and every broadcast, validates the JSON shape and calls services.

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

import asyncio
import json
import logging
import time
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib import auth
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from . import realtime, selectors, services
from .models import WorkingGroup

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
MESSAGES_PER_SECOND = 5  # per person, across sockets and processes
FRAMES_PER_SECOND = 20  # per socket, any type
CATCH_UP_BATCH = 200
MAX_SEQ = 2**63 - 1  # a seq the database can compare with
# Close codes (4000–4999 are ours).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_MEMBER = 4403
CLOSE_NOT_FOUND = 4404


def _recheck_interval() -> float:
    return float(getattr(settings, "WORKSPACE_RECHECK_SECONDS", 3))


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
    watchdog: asyncio.Task | None = None
    frame_window: int | None = None
    frames_in_window = 0

    # Connect / disconnect ----------------------------------------------------

    async def connect(self):
        self.group_id = int(self.scope["url_route"]["kwargs"]["group_id"])
        self.user = self.scope.get("user")
        self.session_key = self._session_key()
        self.language = self._language()
        if not self.user or not self.user.is_authenticated or not self.session_key:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await self._exists():
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not await self._is_member():
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
        await self.accept()
        await database_sync_to_async(services.open_connection)(
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
        self.watchdog = asyncio.ensure_future(self._watch())

    async def disconnect(self, code):
        if self.watchdog and self.watchdog is not asyncio.current_task():
            self.watchdog.cancel()
        if not self.joined:
            return
        self.joined = False
        await self.channel_layer.group_discard(
            realtime.workspace_group(self.group_id), self.channel_name
        )
        await self.channel_layer.group_discard(
            realtime.user_group(self.user.pk), self.channel_name
        )
        await database_sync_to_async(services.close_connection)(
            channel_name=self.channel_name
        )

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
        problem = await self._access_problem(thorough=True)
        if problem:
            await self._end(problem)
            return
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
            message = await database_sync_to_async(self._post)(body, client_id)
        except (ValidationError, PermissionDenied) as error:
            await self._error("invalid", _error_text(error), client_id)
            return
        await self.send_json(
            {"type": "message.accepted", "client_id": client_id, "seq": message.seq}
        )

    def _post(self, body, client_id):
        with translation.override(self.language):
            group = WorkingGroup.objects.get(pk=self.group_id)
            return services.post_message(
                group=group, by=self.user, body=body, client_id=client_id
            )

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
        await database_sync_to_async(services.touch_connection)(
            channel_name=self.channel_name
        )
        await self.send_json({"type": "pong"})

    # Events from the channel layer ------------------------------------------------

    async def workspace_event(self, message):
        if not self.joined:
            return
        event = message["event"]
        is_message = event["type"] == "message.created"
        if is_message and event["seq"] <= self.last_seq:
            return  # already sent (catch-up overlap or a duplicate)
        problem = await self._access_problem(thorough=False)
        if problem:
            await self._end(problem)
            return
        if is_message:
            if event["seq"] > self.last_seq + 1:
                await self._catch_up()  # a gap: read the missing ones in order
                return
            self.last_seq = event["seq"]
        await self.send_json(event)

    async def membership_revoked(self, message):
        if message.get("group_id") == self.group_id:
            await self._end(CLOSE_NOT_MEMBER)

    async def session_ended(self, message):
        if message.get("session_key") in (None, self.session_key):
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
            messages = await database_sync_to_async(self._messages_after)(self.last_seq)
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
        messages, has_more = await database_sync_to_async(self._history)(before)
        await self.send_json(
            {"type": "history.page", "messages": messages, "has_more": has_more}
        )

    def _history(self, before):
        page = selectors.list_messages(self.group_id, before=before)
        has_more = bool(page) and page[0].seq > 1
        return [services.message_payload(m) for m in page], has_more

    @database_sync_to_async
    def _latest_seq(self) -> int:
        return (
            WorkingGroup.objects.filter(pk=self.group_id)
            .values_list("last_message_seq", flat=True)
            .first()
            or 0
        )

    @database_sync_to_async
    def _exists(self) -> bool:
        return WorkingGroup.objects.filter(pk=self.group_id).exists()

    @database_sync_to_async
    def _is_member(self) -> bool:
        return selectors.is_active_member(self.user.pk, self.group_id)

    @database_sync_to_async
    def _access_problem(self, *, thorough: bool) -> int | None:
        """None while this socket may go on, else the close code. Read again from
        the database: the session (logged out, expired, password changed when
        `thorough`; still there otherwise, for every broadcast) and membership."""
        if not self._session_is_current(thorough=thorough):
            return CLOSE_UNAUTHENTICATED
        if not selectors.is_active_member(self.user.pk, self.group_id):
            return CLOSE_NOT_MEMBER
        return None

    def _session_is_current(self, *, thorough: bool) -> bool:
        store_class = import_module(settings.SESSION_ENGINE).SessionStore
        if not thorough:
            return store_class().exists(self.session_key)
        user = auth.get_user(SimpleNamespace(session=store_class(self.session_key)))
        return user.is_authenticated and user.pk == self.user.pk

    async def _within_message_rate(self) -> bool:
        """At most MESSAGES_PER_SECOND per person per second, across sockets and
        processes (the cache is Redis in production)."""
        key = rate_key(self.user.pk, _current_second())
        return await database_sync_to_async(_count_hit)(key) <= MESSAGES_PER_SECOND

    def _within_frame_rate(self) -> bool:
        """At most FRAMES_PER_SECOND frames on this socket, counted before any
        parsing or database work, so a flood of sync frames costs little."""
        second = _current_second()
        if second != self.frame_window:
            self.frame_window, self.frames_in_window = second, 0
        self.frames_in_window += 1
        return self.frames_in_window <= FRAMES_PER_SECOND

    async def _watch(self):
        """Close within seconds after removal or logout even if the control
        message was lost, and keep this connection's presence fresh."""
        try:
            while self.joined:
                await asyncio.sleep(_recheck_interval())
                if not self.joined:
                    return
                problem = await self._access_problem(thorough=True)
                if problem:
                    await self._end(problem)
                    return
                await database_sync_to_async(services.touch_connection)(
                    channel_name=self.channel_name
                )
        except asyncio.CancelledError:
            pass
        except Exception:
            # The database may be away for a moment; the next frame or
            # broadcast checks again, and presence expires on its own.
            logger.exception("Workspace %s: the watchdog stopped", self.group_id)

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
    cache.add(key, 0, timeout=5)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=5)
        return 1


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You cannot do this.")
