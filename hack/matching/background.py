"""Run matching work after the transaction commits and off the request path.

MATCHING_EMBED_ON_PUBLISH chooses how: "background" (a single worker thread in
the web process: the embedded default), "sync" (inline after commit: tests and
management commands) or "off". Work lost to a restart is caught up by
`manage.py embed_content`, which embeds every published item that lacks a
current embedding. The executor itself is hack.core.background's.
"""

from django.conf import settings
from django.db import transaction

from hack.core import background


def _submit(function, *args):
    # The mode is read when the job runs, after commit, as it always was.
    # One worker: the encoder is single-threaded per model anyway, and jobs
    # for the same page then run in order.
    background.submit(
        function, *args, mode=settings.MATCHING_EMBED_ON_PUBLISH, name="matching"
    )


def after_commit(function, *args) -> None:
    transaction.on_commit(lambda: _submit(function, *args))
