"""What the workspace sockets of one server process share, so that a thousand
sockets cost the database about what a few do. The consumer (consumers.py)
stays thin and calls:

  on_database(f)     f run on this module's small thread pool (PostgreSQL), not
                     on the one thread every database_sync_to_async call of the
                     process shares.
  register(socket) / unregister(socket)
                     the process's sockets, by group; the first one starts the
                     monitor, the last one stops it.
  group_access(group id, session key)
                     the group's active members and which of its sockets'
                     sessions are live, read once for all the group's sockets
                     of the process and used for at most ACCESS_MAX_AGE
                     seconds; forget_access(group id) drops it at once (a
                     membership.revoked or session.ended message).
  the monitor        every WORKSPACE_RECHECK_SECONDS: presence for every socket
                     (one UPDATE), every session validated in full (logged out,
                     expired, password changed, user deactivated) and every
                     membership, and the sockets that may no longer listen are
                     closed, within seconds even if the control message was
                     lost. A session whose stored data and user are unchanged
                     since the last round is not decoded again.

A socket here is anything with group_id, user (.pk), session_key, channel_name,
joined and an async _end(close code).
"""

import asyncio
import functools
import logging
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import import_module
from types import SimpleNamespace

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connections
from django.db.models import CharField, IntegerField, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from . import services
from .models import GroupMember

logger = logging.getLogger(__name__)

# Close codes (4000–4999 are ours).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_MEMBER = 4403
CLOSE_NOT_FOUND = 4404
# How old the database state a frame or broadcast is checked against may be
# (seconds): one read serves every socket of a group in the process meanwhile.
ACCESS_MAX_AGE = 1.0
DATABASE_THREADS = 8  # threads per process for the sockets' database calls


def _recheck_interval() -> float:
    return float(getattr(settings, "WORKSPACE_RECHECK_SECONDS", 3))


# Database calls off the one thread ---------------------------------------------


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(DATABASE_THREADS, thread_name_prefix="workspace-db")


def on_database(function):
    """`function` as a coroutine function, run on a small pool of its own rather
    than on the one thread every other database_sync_to_async call of the
    process shares (thread_sensitive=True), where a thousand sockets' reads and
    writes would queue one behind the other. Each call is self-contained (its
    own transaction, if any), so calls from different sockets may run side by
    side; PostgreSQL's row lock still orders the posts of one group.

    A pool of its own, not the loop's default executor: it is small and fixed,
    so a process holds at most DATABASE_THREADS database connections for its
    sockets (with CONN_MAX_AGE > 0), and nothing else (DNS lookups, other
    libraries) competes for it. Each call closes old connections before and
    after, as database_sync_to_async does on the one thread (see `closing`).

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

    return database_sync_to_async(closing, thread_sensitive=False, executor=_pool())


# What the sockets of one process share --------------------------------------


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
    # (session key, user id) -> ((session data, (password, is_active)), live?)
    verdicts: dict = field(default_factory=dict)


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


def register(consumer) -> None:
    process = _process()
    process.sockets.add(consumer)
    process.by_group.setdefault(consumer.group_id, set()).add(consumer)
    if process.monitor is None:
        process.monitor = asyncio.get_running_loop().create_task(_monitor(process))


def unregister(consumer) -> None:
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


def forget_access(group_id: int) -> None:
    """Read the group's access again on its next frame or broadcast."""
    _process().access.pop(group_id, None)


async def group_access(
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
        result = asyncio.ensure_future(on_database(_fetch_group_access)(group_id, keys))
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


# The monitor: presence and the full re-check, all sockets at once ----------------


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
            await on_database(services.touch_connections)(
                [s.channel_name for s in sockets]
            )
            problems = await on_database(_find_problems)(
                [(s.group_id, s.user.pk, s.session_key) for s in sockets],
                process.verdicts,
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


def _find_problems(
    sockets: list[tuple[int, int, str]], verdicts: dict | None = None
) -> list[int | None]:
    """For each (group id, user id, session key): None, or the close code.
    `verdicts` carries the session checks from one round to the next."""
    current = _current_sessions(
        {(key, user_id) for _group, user_id, key in sockets},
        {} if verdicts is None else verdicts,
    )
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


def _current_sessions(
    pairs: set[tuple[str, int]], verdicts: dict
) -> set[tuple[str, int]]:
    """The (session key, user id) pairs whose session still logs that user in,
    as django.contrib.auth.get_user decides: not logged out, not expired, the
    password unchanged (session auth hash), the user active.

    Sessions and users are read in one query each. Deciding means decoding the
    session and hashing the password for each socket, which for a thousand
    sockets every few seconds held the process for a quarter of a second; so
    a verdict is kept in `verdicts` with what it was decided from (the stored
    session data, the user's password hash and active flag) and used again
    while those are unchanged. A session the quick comparison cannot confirm
    (another backend, a rotated SECRET_KEY, a changed password) goes through
    get_user itself, which also flushes a session that no longer verifies."""
    store_class = _session_store()
    if not issubclass(store_class, DatabaseSessionStore):
        return {pair for pair in pairs if _session_is_current(*pair)}
    stored = dict(
        store_class.get_model_class()
        .objects.filter(
            session_key__in={key for key, _user in pairs},
            expire_date__gt=timezone.now(),
        )
        .values_list("session_key", "session_data")
    )
    user_model = auth.get_user_model()
    facts = {
        pk: (password, is_active)
        for pk, password, is_active in user_model._default_manager.filter(
            pk__in={user_id for key, user_id in pairs if key in stored}
        ).values_list("pk", "password", "is_active")
    }
    current, undecided = set(), []
    for key, user_id in pairs:
        if key not in stored or user_id not in facts:
            verdicts.pop((key, user_id), None)
            continue
        basis = (stored[key], facts[user_id])
        kept = verdicts.get((key, user_id))
        if kept is not None and kept[0] == basis:
            if kept[1]:
                current.add((key, user_id))
        else:
            undecided.append((key, user_id, basis))
    if undecided:
        store = store_class()
        users = user_model._default_manager.in_bulk(
            {user_id for _key, user_id, _basis in undecided}
        )
        backends: dict[str, object] = {}
        for key, user_id, basis in undecided:
            verdict = _verifies(
                store.decode(stored[key]), users.get(user_id), backends
            ) or _session_is_current(key, user_id)
            verdicts[(key, user_id)] = (basis, verdict)
            if verdict:
                current.add((key, user_id))
    # Forget the sockets that went away.
    for pair in set(verdicts) - pairs:
        del verdicts[pair]
    return current


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
