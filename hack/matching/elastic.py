"""The matching vector index on Elasticsearch (the `VectorIndex` protocol of
hack/matching/indexes.py), one index per kind: ``<prefix>-matching-need`` and
``<prefix>-matching-seed``.

Each document holds an item's vector (``dense_vector``, cosine, HNSW), its
text (kuromoji or the CJK-bigram fallback, hack/core/elastic.py) and its
SudachiPy tokens (the words the embedded BM25 uses). `search` is exact-enough
kNN; `hybrid_search` adds BM25 on the text and tokens to the kNN score, for
fetching candidates from a corpus too large to scan in every process. The
final order should still come from ranking.Corpus.rank (standardised per
language, with type fit), which ES cannot compute.

Outages and refusals raise `ElasticsearchUnavailable`: the caller keeps the
in-memory index.
"""

import logging
from collections.abc import Hashable, Iterable, Sequence

import numpy as np
from django.conf import settings

from hack.core.elastic import (
    ElasticsearchUnavailable,
    get_client,
    guarded,
    has_kuromoji,
    index_settings,
    japanese_analysers,
)

logger = logging.getLogger(__name__)

MAX_NUM_CANDIDATES = 10_000
MIN_NUM_CANDIDATES = 100
# BM25 is unbounded and a kNN score is (1 + cosine) / 2, within 0.5–1; these
# make a close vector worth about a good text match when fetching candidates.
HYBRID_SEMANTIC_BOOST = 10.0
HYBRID_LEXICAL_BOOST = 1.0
HYBRID_GRAMS_MINIMUM_SHOULD_MATCH = "60%"
BULK_CHUNK = 500


def matching_index_name(kind: str) -> str:
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-matching-{kind}"


def matching_mapping(*, dims: int, kuromoji: bool, model_name: str = ""):
    from elasticsearch.dsl import DenseVector, Keyword, Mapping, Text

    analysers = japanese_analysers(kuromoji=kuromoji)
    mapping = Mapping()
    mapping.meta("dynamic", False)
    mapping.meta("_meta", {"model": model_name, "dims": dims})
    mapping.field("key", Keyword())
    mapping.field("lang", Keyword())
    mapping.field(
        "text",
        Text(analyzer=analysers.text, fields={"grams": Text(analyzer=analysers.grams)}),
    )
    mapping.field("tokens", Text(analyzer=analysers.tokens))
    mapping.field("vector", DenseVector(dims=dims, index=True, similarity="cosine"))
    return mapping


def matching_index_body(*, dims: int, kuromoji: bool, model_name: str = "") -> dict:
    from elasticsearch.dsl import Index

    index = Index("unused")
    index.settings(**index_settings())
    index.mapping(matching_mapping(dims=dims, kuromoji=kuromoji, model_name=model_name))
    return index.to_dict()


def _key_filter(allowed, exclude):
    from elasticsearch.dsl import Q

    clauses = []
    if allowed is not None:
        clauses.append(Q("terms", key=sorted({str(k) for k in allowed})))
    if exclude:
        clauses.append(~Q("terms", key=sorted({str(k) for k in exclude})))
    if not clauses:
        return None
    return Q("bool", filter=clauses) if len(clauses) > 1 else clauses[0]


def _num_candidates(k: int) -> int:
    return min(MAX_NUM_CANDIDATES, max(MIN_NUM_CANDIDATES, 10 * k))


def build_knn_body(
    vector: np.ndarray, k: int, *, allowed: Iterable[Hashable] | None = None
) -> dict:
    """The k nearest vectors (cosine), among `allowed` keys when given."""
    from elasticsearch.dsl import Search

    search = Search().knn(
        field="vector",
        k=k,
        num_candidates=max(_num_candidates(k), k),
        query_vector=[float(x) for x in vector],
        filter=_key_filter(allowed, ()),
    )
    return search.source(False).extra(size=k).to_dict()


def build_hybrid_body(
    *,
    text: str,
    tokens: Sequence[str],
    vector: np.ndarray,
    k: int,
    allowed: Iterable[Hashable] | None = None,
    exclude: Iterable[Hashable] = (),
    semantic_boost: float = HYBRID_SEMANTIC_BOOST,
    lexical_boost: float = HYBRID_LEXICAL_BOOST,
) -> dict:
    """kNN on the vector plus BM25 on the text (words and bigrams) and the
    SudachiPy tokens; ES sums the two boosted scores of each document."""
    from elasticsearch.dsl import Q, Search

    exclude = list(exclude)
    key_filter = _key_filter(allowed, exclude)
    should = [
        Q("match", text={"query": text}),
        Q(
            "match",
            **{
                "text.grams": {
                    "query": text,
                    "minimum_should_match": HYBRID_GRAMS_MINIMUM_SHOULD_MATCH,
                }
            },
        ),
    ]
    if tokens:
        should.append(Q("match", tokens={"query": " ".join(tokens)}))
    lexical = Q(
        "bool",
        should=should,
        minimum_should_match=1,
        filter=[key_filter] if key_filter is not None else [],
        boost=lexical_boost,
    )
    search = (
        Search()
        .query(lexical)
        .knn(
            field="vector",
            k=k,
            num_candidates=max(_num_candidates(k), k),
            query_vector=[float(x) for x in vector],
            boost=semantic_boost,
            filter=key_filter,
        )
    )
    return search.source(False).extra(size=k).to_dict()


def parse_hits(
    body: dict, *, key_type=int, cosine: bool
) -> list[tuple[Hashable, float]]:
    """(key, score) best first; with `cosine`, ES's (1 + cos) / 2 back to cos."""
    found = []
    for hit in body.get("hits", {}).get("hits", []):
        score = float(hit.get("_score") or 0.0)
        found.append((key_type(hit["_id"]), 2 * score - 1 if cosine else score))
    return found


class ElasticsearchVectorIndex:
    """A `VectorIndex` on its own Elasticsearch index (one per kind)."""

    def __init__(
        self,
        kind: str,
        *,
        dim: int,
        model_name: str = "",
        client=None,
        key_type=int,
    ):
        self.kind = kind
        self.dim = dim
        self.model_name = model_name
        self.key_type = key_type
        self._client = client
        self._ready = False

    @property
    def name(self) -> str:
        return matching_index_name(self.kind)

    @property
    def client(self):
        return self._client or get_client()

    def _call(self, call):
        from elasticsearch import ApiError

        try:
            with guarded():
                return call(self.client)
        except ApiError as exc:
            raise ElasticsearchUnavailable(str(exc)) from exc

    def ensure_index(self) -> bool:
        """Create the index (again, if it holds another model's vectors).
        True when it was created."""
        if self._ready:
            return False
        exists = self._call(lambda c: bool(c.indices.exists(index=self.name)))
        if exists:
            mapping = self._call(lambda c: c.indices.get_mapping(index=self.name).body)
            meta = next(iter(mapping.values()), {}).get("mappings", {}).get("_meta", {})
            if meta.get("dims") == self.dim and meta.get("model") == self.model_name:
                self._ready = True
                return False
            logger.info("%s holds %s vectors: recreating it", self.name, meta)
            self._call(lambda c: c.indices.delete(index=self.name))
        body = matching_index_body(
            dims=self.dim,
            kuromoji=has_kuromoji(self.client),
            model_name=self.model_name,
        )
        self._call(
            lambda c: c.indices.create(
                index=self.name, settings=body["settings"], mappings=body["mappings"]
            )
        )
        self._ready = True
        return True

    def _bulk(self, actions: list[dict]) -> None:
        from elasticsearch.helpers import streaming_bulk

        def send(client):
            refused = [
                item
                for ok, item in streaming_bulk(
                    client,
                    actions,
                    chunk_size=BULK_CHUNK,
                    raise_on_error=False,
                    max_retries=0,
                )
                if not ok and "error" in next(iter(item.values()))
            ]
            if refused:
                raise ElasticsearchUnavailable(f"{len(refused)} items refused")

        self._call(send)

    def add(
        self,
        keys: Sequence[Hashable],
        vectors: np.ndarray,
        *,
        texts: Sequence[str] | None = None,
        tokens: Sequence[Sequence[str]] | None = None,
        langs: Sequence[str] | None = None,
    ) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(keys) != len(vectors):
            raise ValueError("one vector per key")
        self.ensure_index()
        actions = []
        for i, (key, vector) in enumerate(zip(keys, vectors, strict=True)):
            doc = {"key": str(key), "vector": [float(x) for x in vector]}
            if texts is not None:
                doc["text"] = texts[i]
            if tokens is not None:
                doc["tokens"] = " ".join(tokens[i])
            if langs is not None:
                doc["lang"] = langs[i]
            # An update keeps the text of an item whose vector alone changed.
            actions.append(
                {
                    "_op_type": "update",
                    "_index": self.name,
                    "_id": str(key),
                    "doc": doc,
                    "doc_as_upsert": True,
                }
            )
        if actions:
            self._bulk(actions)

    def remove(self, keys: Iterable[Hashable]) -> None:
        actions = [
            {"_op_type": "delete", "_index": self.name, "_id": str(key)} for key in keys
        ]
        if actions:
            self._bulk(actions)

    def search(self, vector, k, *, allowed=None):
        if allowed is not None:
            allowed = list(allowed)
        if k <= 0 or allowed == []:
            return []
        body = build_knn_body(vector, k, allowed=allowed)
        response = self._call(lambda c: c.search(index=self.name, body=body).body)
        return parse_hits(response, key_type=self.key_type, cosine=True)

    def hybrid_search(
        self,
        *,
        text: str,
        vector: np.ndarray,
        k: int,
        tokens: Sequence[str] = (),
        allowed: Iterable[Hashable] | None = None,
        exclude: Iterable[Hashable] = (),
    ) -> list[tuple[Hashable, float]]:
        """The k best by kNN + BM25 (ES's combined score, best first)."""
        if k <= 0:
            return []
        if allowed is not None:
            allowed = list(allowed)
            if not allowed:
                return []
        body = build_hybrid_body(
            text=text,
            tokens=tokens,
            vector=vector,
            k=k,
            allowed=allowed,
            exclude=exclude,
        )
        response = self._call(lambda c: c.search(index=self.name, body=body).body)
        return parse_hits(response, key_type=self.key_type, cosine=False)

    def refresh(self) -> None:
        self._call(lambda c: c.indices.refresh(index=self.name))


# How many seeds Elasticsearch proposes before Corpus.rank orders them. Used
# only when the corpus is larger: below that, every process ranks them all.
CANDIDATES = 500


def push_embeddings(embeddings) -> int:
    """Best effort, after commit: current embeddings to their kind's index.
    What fails waits for `embed_content --elasticsearch`. Returns how many
    were sent."""
    from hack.core.elastic import is_configured

    if not is_configured() or not embeddings:
        return 0
    sent = 0
    by_kind: dict[str, list] = {}
    for embedding in embeddings:
        by_kind.setdefault(embedding.kind, []).append(embedding)
    for kind, rows in by_kind.items():
        index = ElasticsearchVectorIndex(
            kind, dim=rows[0].dim, model_name=rows[0].model_name
        )
        try:
            index.add(
                [e.page_id for e in rows],
                np.vstack([e.get_vector() for e in rows]),
                texts=[" ".join(e.tokens) for e in rows],
                tokens=[e.tokens for e in rows],
                langs=[e.lang for e in rows],
            )
        except ElasticsearchUnavailable as error:
            logger.info("matching index on Elasticsearch is away: %s", error)
            continue
        sent += len(rows)
    return sent


def remove_pages(page_ids: Sequence[int]) -> None:
    from hack.core.elastic import is_configured

    if not is_configured() or not page_ids:
        return
    for kind in ("need", "seed"):
        try:
            ElasticsearchVectorIndex(kind, dim=0).remove(page_ids)
        except ElasticsearchUnavailable as error:
            logger.info("matching index on Elasticsearch is away: %s", error)


def candidate_seeds(need_item, *, corpus_size: int, dim: int, model_name: str):
    """Seed keys Elasticsearch proposes for the need (kNN + BM25), or None to
    rank the whole in-memory corpus: when it is small, when Elasticsearch is
    not configured or away, or when it returned fewer than asked (it may not
    hold every seed yet)."""
    from hack.core.elastic import is_configured

    if not is_configured() or corpus_size <= CANDIDATES:
        return None
    index = ElasticsearchVectorIndex("seed", dim=dim, model_name=model_name)
    try:
        hits = index.hybrid_search(
            text=" ".join(need_item.tokens),
            tokens=need_item.tokens,
            vector=need_item.vector,
            k=CANDIDATES,
        )
    except ElasticsearchUnavailable as error:
        logger.info("ranking every seed: Elasticsearch is away (%s)", error)
        return None
    if len(hits) < CANDIDATES:
        return None
    return [key for key, _ in hits]
