"""Services that keep embeddings in step with published content."""

import logging
from collections.abc import Callable, Iterable

import numpy as np
from django.db import transaction
from wagtail.models import Page

from . import background, elastic
from .documents import Document, document_for, is_published, published_pages
from .encoders import Encoder, get_encoder
from .lexical import tokenize
from .models import ContentKind, Embedding
from .text import detect_language, split_sentences, text_hash

logger = logging.getLogger(__name__)
# Explanations compare at most this many sentences per text.
MAX_SENTENCES = 40


def schedule_page_refresh(*, page: Page) -> None:
    """After commit and off the request path: embed the page's live version (or
    drop it if unpublished), then refresh the suggestions it takes part in."""
    background.after_commit(process_page_change, page.pk)


def process_page_change(page_id: int) -> None:
    from .suggestions import refresh_after_change

    page = Page.objects.filter(pk=page_id).first()
    document = document_for(page) if page else None
    if document is None:
        return
    refresh_page_embedding(page_id)
    refresh_after_change(page_id, document.kind)


def role_for(kind: str) -> str:
    # Needs are what a department asks ("query: "), seeds what answers it
    # ("passage: "); a pair is always scored as query(need) · passage(seed).
    return "query" if kind == ContentKind.NEED else "passage"


def refresh_page_embedding(page_id: int) -> Embedding | None:
    """Make the page's current embedding match its live text; None if not matched."""
    page = Page.objects.filter(pk=page_id).first()
    document = document_for(page) if page else None
    if document is None:
        return None
    if not is_published(page_id, document.kind):
        retire_page(page_id)
        return None
    return embed_documents([document], encoder=get_encoder())[0]


def retire_page(page_id: int) -> None:
    """Unpublished or removed content leaves matching (its rows stay for history)."""
    for embedding in Embedding.objects.filter(page_id=page_id, is_current=True):
        embedding.is_current = False
        embedding.save(update_fields=["is_current", "updated_at"])
    transaction.on_commit(lambda: elastic.remove_pages([page_id]))


def _encode_new(documents: list[Document], encoder: Encoder) -> list[dict]:
    texts = [d.text.text for d in documents]
    sentences = [split_sentences(t)[:MAX_SENTENCES] or [t] for t in texts]
    fields = []
    for kind in (ContentKind.NEED, ContentKind.SEED):
        rows = [i for i, d in enumerate(documents) if d.kind == kind]
        if not rows:
            continue
        whole = encoder.encode([texts[i] for i in rows], role_for(kind))
        flat = [s for i in rows for s in sentences[i]]
        parts = encoder.encode(flat, role_for(kind))
        offset = 0
        for row, vector in zip(rows, whole, strict=True):
            count = len(sentences[row])
            fields.append(
                (
                    row,
                    {
                        "vector": np.ascontiguousarray(vector, np.float32).tobytes(),
                        "sentences": sentences[row],
                        "sentence_vectors": np.ascontiguousarray(
                            parts[offset : offset + count], np.float32
                        ).tobytes(),
                    },
                )
            )
            offset += count
    return [f for _, f in sorted(fields, key=lambda pair: pair[0])]


def embed_documents(documents: list[Document], *, encoder: Encoder) -> list[Embedding]:
    """Store the current embedding of each document, encoding only changed text."""
    hashes = [text_hash(d.text.text) for d in documents]
    existing = {
        (e.page_id, e.text_hash): e
        for e in Embedding.objects.filter(
            model_name=encoder.name,
            page_id__in=[d.page_id for d in documents],
            text_hash__in=hashes,
        )
    }
    missing = [
        d
        for d, h in zip(documents, hashes, strict=True)
        if (d.page_id, h) not in existing
    ]
    encoded = dict(
        zip(
            [id(d) for d in missing],
            _encode_new(missing, encoder) if missing else [],
            strict=True,
        )
    )
    stored = []
    with transaction.atomic():
        for document, digest in zip(documents, hashes, strict=True):
            embedding = existing.get((document.page_id, digest))
            if embedding is None:
                text = document.text.text
                embedding = Embedding(
                    page_id=document.page_id,
                    kind=document.kind,
                    model_name=encoder.name,
                    text_hash=digest,
                    lang=detect_language(text),
                    truncated=document.text.truncated,
                    dim=encoder.dim,
                    tokens=tokenize(text),
                    **encoded[id(document)],
                )
            embedding.revision_id = (
                Page.objects.filter(pk=document.page_id)
                .values_list("live_revision_id", flat=True)
                .first()
            )
            embedding.match_type = document.match_type
            embedding.is_current = True
            embedding.save()
            Embedding.objects.filter(
                page_id=document.page_id, model_name=encoder.name, is_current=True
            ).exclude(pk=embedding.pk).update(is_current=False)
            stored.append(embedding)
        # Elasticsearch's matching index, when configured (best effort).
        transaction.on_commit(lambda: elastic.push_embeddings(stored))
    return stored


def pages_to_embed(*, encoder: Encoder, everything: bool = False) -> list[Page]:
    """Published pages without a current embedding under this model (or all)."""
    pages = []
    done = set(
        Embedding.objects.filter(model_name=encoder.name, is_current=True).values_list(
            "page_id", flat=True
        )
    )
    for kind in (ContentKind.NEED, ContentKind.SEED):
        for page in published_pages(kind).order_by("pk"):
            if everything or page.pk not in done:
                pages.append(page)
    return pages


def embed_pages(
    pages: Iterable[Page],
    *,
    encoder: Encoder,
    batch_size: int = 32,
    progress: Callable[[str, int, int], None] = lambda *a: None,
) -> int:
    """Embed pages in batches; each batch commits, so an interrupted run resumes."""
    pages = list(pages)
    done = 0
    progress("embed", 0, len(pages))
    for start in range(0, len(pages), batch_size):
        batch = pages[start : start + batch_size]
        documents = [d for d in (document_for(p) for p in batch) if d is not None]
        embed_documents(documents, encoder=encoder)
        done += len(batch)
        progress("embed", done, len(pages))
    return done


def retire_unpublished(*, encoder: Encoder) -> int:
    """Current embeddings whose page is no longer published leave matching."""
    live = set()
    for kind in (ContentKind.NEED, ContentKind.SEED):
        live.update(published_pages(kind).values_list("pk", flat=True))
    stale = Embedding.objects.filter(model_name=encoder.name, is_current=True).exclude(
        page_id__in=live
    )
    stale_ids = list(stale.values_list("page_id", flat=True))
    retired = stale.update(is_current=False)
    transaction.on_commit(lambda: elastic.remove_pages(stale_ids))
    return retired
