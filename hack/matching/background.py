"""Run matching work after the transaction commits and off the request path.

MATCHING_EMBED_ON_PUBLISH chooses how: "background" (a single worker thread in
the web process: the embedded default), "sync" (inline after commit: tests and
management commands) or "off". Work lost to a restart is caught up by
`manage.py embed_content`, which embeds every published item that lacks a
current embedding.
"""

import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, transaction

logger = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None


def _run(function, *args):
    try:
        function(*args)
    except Exception:  # noqa: BLE001 - a failed embedding must not kill the worker
        logger.exception("matching job %s%r failed", function.__name__, args)
    finally:
        close_old_connections()


def _submit(function, *args):
    global _executor
    mode = settings.MATCHING_EMBED_ON_PUBLISH
    if mode == "off":
        return
    if mode == "sync":
        function(*args)
        return
    if _executor is None:
        # One worker: the encoder is single-threaded per model anyway, and jobs
        # for the same page then run in order.
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="matching")
    _executor.submit(_run, function, *args)


def after_commit(function, *args) -> None:
    transaction.on_commit(lambda: _submit(function, *args))
