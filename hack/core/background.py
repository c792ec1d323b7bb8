"""Run work after the transaction commits and off the request path.

Each caller names its own executor ("matching", "notifications") and passes the
mode its setting chose: "background" (a single worker thread per name in the web
process, so jobs of one name run in order and never block a request), "sync"
(inline: tests and management commands) or "off" (drop the job; a management
command catches up). Any other value means "background".
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, transaction

logger = logging.getLogger(__name__)

MODES = ("background", "sync", "off")

_executors: dict[str, ThreadPoolExecutor] = {}
_lock = threading.Lock()


def _run(name: str, function, *args):
    try:
        function(*args)
    except Exception:  # noqa: BLE001 - a failed job must not kill the worker
        logger.exception("%s job %s%r failed", name, function.__name__, args)
    finally:
        close_old_connections()


def _executor(name: str) -> ThreadPoolExecutor:
    with _lock:
        if name not in _executors:
            _executors[name] = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=name
            )
        return _executors[name]


def submit(function, *args, mode: str, name: str) -> None:
    """Run `function(*args)` now ("sync"), on the named worker ("background") or
    not at all ("off")."""
    if mode == "off":
        return
    if mode == "sync":
        function(*args)
        return
    _executor(name).submit(_run, name, function, *args)


def run_after_commit(function, *args, mode: str, name: str) -> None:
    """Schedule `function(*args)` for when the current transaction commits: a
    rollback runs nothing."""
    transaction.on_commit(lambda: submit(function, *args, mode=mode, name=name))
