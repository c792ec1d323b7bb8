"""The process-wide matching state: the encoder and the in-memory corpora.

Every web process keeps the current embeddings of all published needs and seeds
in memory (the embedded default's vector index). A fingerprint of the Embedding
table (one small query) tells a process when another process changed it, so
no cache or message bus is needed to stay in sync.
"""

import threading
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max

from .encoders import get_encoder
from .indexing import role_for
from .models import ContentKind, Embedding
from .ranking import Corpus, Item

_lock = threading.Lock()
_state: dict = {"fingerprint": None, "corpora": None}


@dataclass
class Corpora:
    model_name: str
    needs: Corpus
    seeds: Corpus

    def of(self, kind: str) -> Corpus:
        return self.needs if kind == ContentKind.NEED else self.seeds


def current_embeddings(model_name: str):
    return Embedding.objects.filter(model_name=model_name, is_current=True)


def _fingerprint(model_name: str):
    return tuple(
        current_embeddings(model_name)
        .aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
        .values()
    )


def item_from(embedding: Embedding) -> Item:
    return Item(
        key=embedding.page_id,
        lang=embedding.lang,
        match_type=embedding.match_type,
        tokens=embedding.tokens,
        vector=embedding.get_vector(),
    )


def get_corpora() -> Corpora:
    encoder = get_encoder()
    fingerprint = _fingerprint(encoder.name)
    with _lock:
        if _state["fingerprint"] != fingerprint or _state["corpora"] is None:
            _state["corpora"] = _load(encoder)
            _state["fingerprint"] = fingerprint
        return _state["corpora"]


def _load(encoder) -> Corpora:
    corpora = Corpora(
        model_name=encoder.name,
        needs=Corpus(dim=encoder.dim),
        seeds=Corpus(dim=encoder.dim),
    )
    rows = current_embeddings(encoder.name).only(
        "page_id", "kind", "lang", "match_type", "tokens", "vector"
    )
    items = {ContentKind.NEED: [], ContentKind.SEED: []}
    for embedding in rows.iterator(chunk_size=2000):
        items[embedding.kind].append(item_from(embedding))
    corpora.needs.add(items[ContentKind.NEED])
    corpora.seeds.add(items[ContentKind.SEED])
    return corpora


def encode_query_text(text: str, kind: str) -> np.ndarray:
    """Encode free text the way stored items of `kind` were encoded."""
    return get_encoder().encode([text], role_for(kind))[0]
