"""Run a search: pick the backend, fall back, cut the snippets.

Every web process keeps one embedded index (hack/search/memory.py). It loads
all live SearchEntry rows once, then at most once a second reads the rows
changed lately (`updated_at` is indexed) and applies them, so a page published
in another process is searchable within about a second of its indexing job.

With ELASTICSEARCH_URL set, searches go to Elasticsearch; when it is down,
slow (ELASTICSEARCH_TIMEOUT) or refusing, the embedded index answers and the
page says so. Rows Elasticsearch missed meanwhile are sent once it answers
again.
"""

import functools
import logging
import threading
import time
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.utils import timezone

from hack.matching.encoders import get_encoder

from .analysis import analyse_query
from .backends import BackendUnavailable
from .facets import live_facet_pages
from .highlight import cut_snippet
from .indexing import send_missed_entries
from .memory import InMemorySearchIndex, row_from_entry
from .models import SearchEntry
from .query import SearchQuery, SearchResults, Suggestion

logger = logging.getLogger(__name__)
# How often a process looks for rows other processes changed.
REFRESH_SECONDS = 1.0
# Each check reads the rows stamped since the previous check, and this much
# before it: a row is stamped when saved, a moment before its transaction
# commits (indexing transactions are short; see indexing.store_pages).
REREAD_WINDOW = timedelta(seconds=10)
SYNC_SECONDS = 30.0

_lock = threading.Lock()
_state: dict = {"index": None, "checked": 0.0, "since": None, "versions": {}}


def _usable_vector(entry, model_name: str):
    # A vector from another model is not comparable: it waits for the rebuild.
    return row_from_entry(entry, with_vector=entry.model_name == model_name)


def get_embedded_index() -> InMemorySearchIndex:
    with _lock:
        index = _state["index"]
        now = time.monotonic()
        if index is None:
            index = _load()
        elif now - _state["checked"] >= REFRESH_SECONDS:
            _apply_changes(index)
        _state["checked"] = now
        return index


def _load() -> InMemorySearchIndex:
    encoder = get_encoder()
    index = InMemorySearchIndex(dim=encoder.dim)
    versions: dict = {}
    since = timezone.now()

    def live_rows():
        for entry in SearchEntry.objects.order_by("pk").iterator(chunk_size=2000):
            versions[entry.page_id] = entry.updated_at
            if entry.is_live:
                yield _usable_vector(entry, encoder.name)

    index.load(live_rows(), expected=SearchEntry.objects.filter(is_live=True).count())
    _state.update(index=index, since=since, versions=versions)
    return index


def _apply_changes(index: InMemorySearchIndex) -> None:
    since = timezone.now()
    recent = SearchEntry.objects.filter(updated_at__gte=_state["since"] - REREAD_WINDOW)
    versions = _state["versions"]
    # Versions first (two small columns), whole rows only for what changed.
    changed_ids = [
        pk
        for pk, page_id, updated_at in recent.values_list("pk", "page_id", "updated_at")
        if versions.get(page_id) != updated_at
    ]
    if changed_ids:
        changed = list(SearchEntry.objects.filter(pk__in=changed_ids))
        model_name = get_encoder().name
        index.apply(
            [_usable_vector(e, model_name) for e in changed if e.is_live],
            [e.page_id for e in changed if not e.is_live],
        )
        for entry in changed:
            versions[entry.page_id] = entry.updated_at
    _state["since"] = since


def reset() -> None:
    """Forget the process's index (tests; after a rebuild in this process)."""
    with _lock:
        _state.update(index=None, checked=0.0, since=None, versions={})


@functools.lru_cache(maxsize=1024)
def _query_vector(text: str, model_name: str) -> np.ndarray:
    return get_encoder().encode([text], "query")[0]


def query_vector(text: str) -> np.ndarray | None:
    if not text:
        return None
    return _query_vector(text, get_encoder().name)


def _elasticsearch():
    if not settings.ELASTICSEARCH_URL:
        return None
    from .elastic import ElasticsearchBackend

    return ElasticsearchBackend()


def run_search(query: SearchQuery) -> SearchResults:
    analysed = analyse_query(query.text)
    vector = None if analysed.is_empty else query_vector(analysed.text)
    live = live_facet_pages()
    results = None
    elastic = _elasticsearch()
    if elastic is not None:
        try:
            results = elastic.search(query, analysed=analysed, vector=vector, live=live)
            _send_missed_entries()
        except BackendUnavailable:
            logger.warning("Elasticsearch unavailable; the embedded index answers")
    if results is None:
        results = get_embedded_index().search(
            query, analysed=analysed, vector=vector, live=live
        )
        results.fell_back = elastic is not None
    _fill_snippets(results, analysed)
    return results


def suggest(text: str, *, limit: int = 8) -> list[Suggestion]:
    elastic = _elasticsearch()
    if elastic is not None:
        try:
            return elastic.suggest(text, limit=limit)
        except BackendUnavailable:
            pass
    return get_embedded_index().suggest(text, limit=limit)


def _fill_snippets(results: SearchResults, analysed) -> None:
    missing = [hit.page_id for hit in results.hits if not hit.snippet]
    if not missing:
        return
    entries = {
        e.page_id: e
        for e in SearchEntry.objects.filter(page_id__in=missing).only(
            "page_id", "body", "surfaces"
        )
    }
    for hit in results.hits:
        entry = entries.get(hit.page_id)
        if entry is not None and not hit.snippet:
            marks = list(analysed.marks)
            for term in analysed.terms:
                marks.extend((entry.surfaces or {}).get(term, ()))
            hit.snippet = cut_snippet(entry.body, marks)


def _send_missed_entries() -> None:
    """After Elasticsearch answered: send what it missed while it was away
    (at most one catch-up job every SYNC_SECONDS per process)."""
    now = time.monotonic()
    if now - _state.get("synced", -SYNC_SECONDS) < SYNC_SECONDS:
        return
    _state["synced"] = now
    if SearchEntry.objects.filter(es_pending=True).exists():
        send_missed_entries()
