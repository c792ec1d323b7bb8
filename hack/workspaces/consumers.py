"""The workspace websocket: thin. It authenticates, checks membership on every
frame and every broadcast, validates the JSON shape and calls services.

One server process holds many sockets, and every database call of the process
would otherwise queue on one thread, so the checks are shared per process (per
event loop):
  every frame and broadcast  membership (active member, active user) and the
                 session (still there, not expired), read for all the group's
                 sockets of the process at once; concurrent callers share the
                 read, and a result serves for at most ACCESS_MAX_AGE seconds.
                 A membership.revoked or session.ended message drops it at once.
  every WORKSPACE_RECHECK_SECONDS  one monitor task per process refreshes the
                 presence of all its sockets (one UPDATE), validates every
                 session in full (expiry, password change, inactive user) and
                 every membership in a few queries, and closes the sockets that
                 may no longer listen (within seconds even if the control
                 message was lost).
Reads run on a few threads of their own (see _read); writes stay on the
process's one database thread.

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
import functools
import json
import logging
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connections
from django.db.models import CharField, IntegerField, Value
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from hack.core.errors import refusal_text

from . import realtime, selectors, services
from .models import Connection, GroupMember, WorkingGroup

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
# How old the database state a frame or broadcast is checked against may be
# (seconds): one read serves every socket of a group in the process meanwhile.
ACCESS_MAX_AGE = 1.0
READ_THREADS = 4  # threads per process for the read-only database calls
TOUCH_BATCH = 1000  # channel names per presence UPDATE


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
        if not await _read(_group_exists)(self.group_id):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not await _read(selectors.is_active_member)(self.user.pk, self.group_id):
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
        _register(self)
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

    async def disconnect(self, code):
        if not self.joined:
            return
        self.joined = False
        _unregister(self)
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
            event = await database_sync_to_async(self._post)(body, client_id)
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
            group = WorkingGroup.objects.get(pk=self.group_id)
            message = services.post_message(
                group=group,
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
            _forget_access(self.group_id)
            await self._end(CLOSE_NOT_MEMBER)

    async def session_ended(self, message):
        if message.get("session_key") in (None, self.session_key):
            _forget_access(self.group_id)
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
            messages = await _read(self._messages_after)(self.last_seq)
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
        messages, has_more = await _read(self._history)(before)
        await self.send_json(
            {"type": "history.page", "messages": messages, "has_more": has_more}
        )

    def _history(self, before):
        page = selectors.list_messages(self.group_id, before=before)
        has_more = bool(page) and page[0].seq > 1
        return [services.message_payload(m) for m in page], has_more

    async def _latest_seq(self) -> int:
        return await _read(_latest_seq)(self.group_id)

    async def _access_problem(self) -> int | None:
        """None while this socket may go on, else the close code: its session is
        still there and unexpired, and its person an active member, in the
        database as it was at most ACCESS_MAX_AGE seconds ago."""
        members, sessions = await _group_access(self.group_id, self.session_key)
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
        hits = await database_sync_to_async(
            _count_hit, thread_sensitive=False, executor=_reader_pool()
        )(key)
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
    cache.add(key, 0, timeout=5)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=5)
        return 1


# Database calls off the one thread ----------------------------------------------------


@functools.cache
def _reader_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(READ_THREADS, thread_name_prefix="workspace-read")


def _read(function):
    """`function` (read-only) as a coroutine function, run on a small pool of its
    own rather than on the one thread every other database_sync_to_async call
    of the process shares (thread_sensitive=True), where each read would wait
    behind every other socket's writes.

    A pool of its own, not the loop's default executor: it is small and fixed,
    so a process holds at most READ_THREADS more database connections (with
    CONN_MAX_AGE > 0), and nothing else (DNS lookups, other libraries) competes
    for it. database_sync_to_async closes each thread's connection as it does on
    the one thread (close_old_connections before and after every call; see
    `closing`).

    SQLite stays on the one thread: it serialises writers anyway, and its test
    database is a shared in-memory one, where a reader in another thread fails
    with "database table is locked" instead of waiting."""
    if connections["default"].vendor == "sqlite":
        return database_sync_to_async(function)

    @functools.wraps(function)
    def closing(*args, **kwargs):
        # Inside the call's context: with asgiref 3.13 the connections the
        # function used are not the ones DatabaseSyncToAsync's own cleanup
        # (outside that context) sees, so a pool thread kept its connection open.
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return database_sync_to_async(
        closing, thread_sensitive=False, executor=_reader_pool()
    )


def _group_exists(group_id: int) -> bool:
    return WorkingGroup.objects.filter(pk=group_id).exists()


def _latest_seq(group_id: int) -> int:
    return (
        WorkingGroup.objects.filter(pk=group_id)
        .values_list("last_message_seq", flat=True)
        .first()
        or 0
    )


# What the sockets of one process share --------------------------------------------


def _access_clock() -> float:
    """The clock ACCESS_MAX_AGE is measured on (tests move it)."""
    return time.monotonic()


@dataclass
class _Access:
    """One read of a group's access, shared by its sockets in the process."""

    started: float  # the read began after this: its state is at least this new
    session_keys: frozenset[str]  # the sessions it asked about
    result: asyncio.Future  # -> (active member ids, live session keys)


@dataclass
class _Process:
    sockets: set = field(default_factory=set)
    by_group: dict[int, set] = field(default_factory=dict)
    access: dict[int, _Access] = field(default_factory=dict)
    monitor: asyncio.Task | None = None


# One per event loop: futures and tasks belong to a loop (a server process runs
# one; each test scenario runs its own).
_processes: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Process]" = (
    weakref.WeakKeyDictionary()
)


def _process() -> _Process:
    loop = asyncio.get_running_loop()
    process = _processes.get(loop)
    if process is None:
        process = _processes[loop] = _Process()
    return process


def _register(consumer: WorkspaceConsumer) -> None:
    process = _process()
    process.sockets.add(consumer)
    process.by_group.setdefault(consumer.group_id, set()).add(consumer)
    if process.monitor is None:
        process.monitor = asyncio.get_running_loop().create_task(_monitor(process))


def _unregister(consumer: WorkspaceConsumer) -> None:
    process = _process()
    process.sockets.discard(consumer)
    group = process.by_group.get(consumer.group_id)
    if group is not None:
        group.discard(consumer)
        if not group:
            del process.by_group[consumer.group_id]
            process.access.pop(consumer.group_id, None)
    if not process.sockets and process.monitor is not None:
        monitor, process.monitor = process.monitor, None
        if monitor is not asyncio.current_task():
            monitor.cancel()


def _forget_access(group_id: int) -> None:
    """Read the group's access again on its next frame or broadcast."""
    _process().access.pop(group_id, None)


async def _group_access(
    group_id: int, session_key: str
) -> tuple[frozenset[int], frozenset[str]]:
    """The group's active members and which of its sockets' sessions are live,
    as the database had them at most ACCESS_MAX_AGE seconds ago. Callers at the
    same time share one read."""
    process = _process()
    entry = process.access.get(group_id)
    now = _access_clock()
    if (
        entry is None
        or now - entry.started > ACCESS_MAX_AGE
        or session_key not in entry.session_keys
        or _failed(entry.result)
    ):
        keys = frozenset(
            {session_key} | {s.session_key for s in process.by_group.get(group_id, ())}
        )
        result = asyncio.ensure_future(_read(_fetch_group_access)(group_id, keys))
        entry = process.access[group_id] = _Access(now, keys, result)
    # Shielded: a socket that goes away while it waits does not cancel the read
    # the others wait for.
    return await asyncio.shield(entry.result)


def _failed(future: asyncio.Future) -> bool:
    return future.done() and (future.cancelled() or future.exception() is not None)


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _fetch_group_access(
    group_id: int, session_keys: frozenset[str]
) -> tuple[frozenset[int], frozenset[str]]:
    """One query: the active members of the group (active users) and which of
    `session_keys` still exist unexpired."""
    members = GroupMember.objects.filter(
        group_id=group_id, removed_at__isnull=True, user__is_active=True
    )
    store_class = _session_store()
    if not issubclass(store_class, DatabaseSessionStore):
        # Another session engine: its own check, one per session.
        live = frozenset(k for k in session_keys if store_class().exists(k))
        return frozenset(members.values_list("user_id", flat=True)), live
    sessions = store_class.get_model_class().objects.filter(
        session_key__in=session_keys, expire_date__gt=timezone.now()
    )
    rows = members.values_list(
        Cast("user_id", IntegerField()), Value(None, output_field=CharField())
    ).union(
        sessions.values_list(
            Value(None, output_field=IntegerField()), Cast("session_key", CharField())
        ),
        all=True,
    )
    member_ids, live = set(), set()
    for user_id, key in rows:
        if key is None:
            member_ids.add(user_id)
        else:
            live.add(key)
    return frozenset(member_ids), frozenset(live)


# The monitor: presence and the full re-check, all sockets at once -------------------


async def _monitor(process: _Process) -> None:
    """Every WORKSPACE_RECHECK_SECONDS while the process has sockets: refresh
    their presence, validate their sessions and memberships again, and close the
    sockets that may no longer listen (the control message may have been lost)."""
    while process.monitor is asyncio.current_task():
        await asyncio.sleep(_recheck_interval())
        sockets = [s for s in process.sockets if s.joined]
        if not sockets:
            continue
        try:
            await database_sync_to_async(_touch_connections)(
                [s.channel_name for s in sockets]
            )
            problems = await _read(_find_problems)(
                [(s.group_id, s.user.pk, s.session_key) for s in sockets]
            )
        except Exception:
            # The database may be away for a moment; the next round (and every
            # frame and broadcast) checks again, and presence expires on its own.
            logger.exception("Workspaces: the re-check of open sockets failed")
            continue
        for socket, problem in zip(sockets, problems, strict=True):
            if problem is None or not socket.joined:
                continue
            process.access.pop(socket.group_id, None)
            try:
                await socket._end(problem)
            except Exception:
                logger.exception(
                    "Workspace %s: a socket did not close", socket.group_id
                )


def _touch_connections(channel_names: list[str]) -> int:
    """Presence: one UPDATE for the process's sockets (up to TOUCH_BATCH each).
    services.touch_connection does the same for one socket."""
    now, touched = timezone.now(), 0
    for start in range(0, len(channel_names), TOUCH_BATCH):
        touched += Connection.objects.filter(
            channel_name__in=channel_names[start : start + TOUCH_BATCH]
        ).update(last_seen=now)
    return touched


def _find_problems(sockets: list[tuple[int, int, str]]) -> list[int | None]:
    """For each (group id, user id, session key): None, or the close code."""
    current = _current_sessions({(key, user_id) for _group, user_id, key in sockets})
    members = set(
        GroupMember.objects.filter(
            group_id__in={group for group, _user, _key in sockets},
            user_id__in={user for _group, user, _key in sockets},
            removed_at__isnull=True,
            user__is_active=True,
        ).values_list("group_id", "user_id")
    )
    problems = []
    for group_id, user_id, key in sockets:
        if (key, user_id) not in current:
            problems.append(CLOSE_UNAUTHENTICATED)
        elif (group_id, user_id) not in members:
            problems.append(CLOSE_NOT_MEMBER)
        else:
            problems.append(None)
    return problems


def _current_sessions(pairs: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """The (session key, user id) pairs whose session still logs that user in,
    as django.contrib.auth.get_user decides: not logged out, not expired, the
    password unchanged (session auth hash), the user active. Sessions and users
    are read in one query each; a session the quick comparison cannot confirm
    (another backend, a rotated SECRET_KEY, a changed password) goes through
    get_user itself, which also flushes a session that no longer verifies."""
    store_class = _session_store()
    if not issubclass(store_class, DatabaseSessionStore):
        return {pair for pair in pairs if _session_is_current(*pair)}
    rows = store_class.get_model_class().objects.filter(
        session_key__in={key for key, _user in pairs},
        expire_date__gt=timezone.now(),
    )
    store = store_class()
    decoded = {
        key: store.decode(data)
        for key, data in rows.values_list("session_key", "session_data")
    }
    users = auth.get_user_model()._default_manager.in_bulk(
        {user_id for key, user_id in pairs if key in decoded}
    )
    backends: dict[str, object] = {}
    return {
        (key, user_id)
        for key, user_id in pairs
        if key in decoded
        and (
            _verifies(decoded[key], users.get(user_id), backends)
            or _session_is_current(key, user_id)
        )
    }


def _verifies(session: dict, user, backends: dict) -> bool:
    """True when get_user would return `user` for this session data without
    touching it; False when in doubt."""
    path = session.get(auth.BACKEND_SESSION_KEY)
    if user is None or path not in settings.AUTHENTICATION_BACKENDS:
        return False
    if path not in backends:
        backends[path] = auth.load_backend(path)
    backend = backends[path]
    if getattr(type(backend), "get_user", None) is not ModelBackend.get_user:
        return False
    try:
        session_user = user._meta.pk.to_python(session[auth.SESSION_KEY])
    except (KeyError, ValidationError):
        return False
    session_hash = session.get(auth.HASH_SESSION_KEY)
    return (
        session_user == user.pk
        and backend.user_can_authenticate(user)
        and bool(session_hash)
        and constant_time_compare(session_hash, user.get_session_auth_hash())
    )


def _session_is_current(session_key: str, user_id: int) -> bool:
    store = _session_store()(session_key)
    user = auth.get_user(SimpleNamespace(session=store))
    return user.is_authenticated and user.pk == user_id
