"""Services that keep SearchEntry rows in step with published content.

Publishing, unpublishing, deleting, a view restriction or a need's stage
change schedules `refresh_page` after commit on the "search" worker
(SEARCH_INDEX_ON_PUBLISH), so saving content never waits for the encoder or
for Elasticsearch. Every web process then picks the row up within a second
(hack/search/engine.py). `rebuild_search_index` catches up whatever a restart
lost, and resumes where it stopped: up-to-date rows are skipped.
"""

import hashlib
import json
import logging
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import transaction
from wagtail.models import Page

from hack.core import background
from hack.matching.encoders import get_encoder
from hack.matching.text import detect_language, prepare_text

from .analysis import analyse_document
from .models import SearchEntry
from .sources import SearchDocument, Source, all_sources, source_for

logger = logging.getLogger(__name__)
# The encoder reads the start of a text only (512 tokens); this is about that.
VECTOR_TEXT_CHARS = 1_000
# Snippets are cut from this much of the body.
BODY_CHARS = 20_000


def schedule_page_refresh(page_id: int) -> None:
    background.run_after_commit(
        refresh_page, page_id, mode=settings.SEARCH_INDEX_ON_PUBLISH, name="search"
    )


def refresh_page(page_id: int) -> SearchEntry | None:
    """Index the page's live version, or retire its entry if it is no longer
    published and public (or no longer exists)."""
    page = Page.objects.filter(pk=page_id).first()
    page = page.specific if page else None
    source = source_for(page) if page else None
    if source is None or not source.published().filter(pk=page_id).exists():
        entries = retire_pages([page_id])
    else:
        entries = store_pages([(source, page)])
    _push_to_elasticsearch(entries)
    return entries[0] if entries else None


def retire_pages(page_ids: Sequence[int]) -> list[SearchEntry]:
    """The entries leave search; the rows stay so every process drops them."""
    entries = list(SearchEntry.objects.filter(page_id__in=page_ids, is_live=True))
    for entry in entries:
        entry.is_live = False
        entry.es_pending = True
        entry.save(update_fields=["is_live", "es_pending", "updated_at"])
    return entries


def _fingerprint(kind: str, document: SearchDocument) -> str:
    """Changes whenever anything stored for the page would change."""
    payload = json.dumps(
        [
            kind,
            document.title,
            document.body,
            document.url,
            document.date.isoformat() if document.date else None,
            document.facets,
        ],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def store_pages(
    pages: Sequence[tuple[Source, Page]], *, everything: bool = False
) -> list[SearchEntry]:
    """Write the entries of live pages: analysed, and embedded when the text
    changed. Entries already up to date are left alone (unless `everything`)."""
    encoder = get_encoder()
    existing = {
        e.page_id: e
        for e in SearchEntry.objects.filter(page_id__in=[p.pk for _, p in pages])
    }
    work = []
    for source, page in pages:
        document = source.document(page)
        fingerprint = _fingerprint(source.kind, document)
        entry = existing.get(page.pk)
        if (
            entry is not None
            and not everything
            and entry.is_live
            and entry.text_hash == fingerprint
            and entry.model_name == encoder.name
        ):
            continue
        work.append((source, page, document, fingerprint, entry))
    if not work:
        return []
    texts = [
        prepare_text(d.title, d.body).text[:VECTOR_TEXT_CHARS] for _, _, d, _, _ in work
    ]
    vectors = encoder.encode(texts, "passage")
    stored = []
    with transaction.atomic():
        for (source, page, document, fingerprint, entry), vector in zip(
            work, vectors, strict=True
        ):
            analysed = analyse_document(document.title, document.body)
            entry = entry or SearchEntry(page_id=page.pk)
            entry.kind = source.kind
            entry.is_live = True
            entry.lang = detect_language(f"{document.title}\n{document.body}")
            entry.title = document.title[:255]
            entry.url = document.url[:500]
            entry.body = document.body[:BODY_CHARS]
            entry.date = document.date
            entry.facets = {k: v for k, v in document.facets.items() if v}
            entry.term_hashes = analysed.hashes.tobytes()
            entry.term_counts = analysed.counts.tobytes()
            entry.lengths = analysed.lengths
            entry.surfaces = analysed.surfaces
            entry.title_reading = analysed.title_reading[:500]
            entry.model_name = encoder.name
            entry.vector = vector.astype("float32").tobytes()
            entry.text_hash = fingerprint
            entry.es_pending = True
            entry.save()
            stored.append(entry)
    return stored


def published_pages() -> list[tuple[Source, Page]]:
    return [
        (source, page)
        for source in all_sources()
        for page in source.published().order_by("pk")
    ]


def rebuild(
    *,
    everything: bool = False,
    batch_size: int = 32,
    progress: Callable[[str, int, int], None] = lambda *a: None,
) -> dict:
    """Index every published page, in batches that each commit (an interrupted
    run resumes), then retire entries of pages no longer published."""
    pages = published_pages()
    progress("search index", 0, len(pages))
    written = 0
    for start in range(0, len(pages), batch_size):
        batch = pages[start : start + batch_size]
        written += len(store_pages(batch, everything=everything))
        progress("search index", start + len(batch), len(pages))
    live_ids = {page.pk for _, page in pages}
    stale = SearchEntry.objects.filter(is_live=True).exclude(page_id__in=live_ids)
    retired = retire_pages(list(stale.values_list("page_id", flat=True)))
    return {"pages": len(pages), "written": written, "retired": len(retired)}


def _push_to_elasticsearch(entries: list[SearchEntry]) -> None:
    """Best effort: a row Elasticsearch did not take stays es_pending and is
    sent again when it is back (hack/search/engine.py)."""
    if not entries or not settings.ELASTICSEARCH_URL:
        return
    from .backends import BackendUnavailable
    from .elastic import ElasticsearchBackend

    try:
        # It clears es_pending of each row the cluster acknowledged.
        ElasticsearchBackend().index_entries(entries)
    except BackendUnavailable:
        logger.info("Elasticsearch is away; %d entries wait", len(entries))


def send_missed_entries() -> None:
    """Schedule the rows Elasticsearch has not acknowledged (on the search worker)."""
    from .elastic import sync_pending

    background.submit(
        sync_pending, mode=settings.SEARCH_INDEX_ON_PUBLISH, name="search"
    )
