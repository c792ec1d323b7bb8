"""The Elasticsearch search backend (chosen by ELASTICSEARCH_URL).

Every request body is built by a pure function from the query (tested as
JSON in tests/search/test_elastic.py), and every response is parsed by
another, so the backend class only moves them over the wire:

- one alias, ``<prefix>-search``, points at a concrete index
  ``<prefix>-search-<timestamp>``; `reindex_elasticsearch` builds a new one
  and moves the alias (hack/search/elastic_reindex.py);
- words are analysed by kuromoji when the cluster has the plugin, by CJK
  bigrams otherwise (hack/core/elastic.py); a ``.grams`` subfield of bigrams
  finds parts of long compounds either way, and the query also carries the
  words SudachiPy normalised (みまもり → 見守る), as the embedded index does;
- the query's embedding adds the closest entries in meaning (kNN on a
  ``dense_vector``) to the BM25 matches, as the embedded index does;
- facet counts use the post_filter pattern: each facet's aggregation applies
  every *other* facet's filter, so choosing a value never hides the others.

Any outage (refused, over ELASTICSEARCH_TIMEOUT, 5xx, open circuit) raises
`BackendUnavailable`; hack/search/engine.py then answers from the embedded
index. Rows Elasticsearch did not acknowledge keep `es_pending` and
`sync_pending` sends them once it is back.
"""

import html
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db.models import Q as DbQ
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe

from hack.core.elastic import (
    ElasticsearchUnavailable,
    get_client,
    guarded,
    has_kuromoji,
    index_settings,
    is_configured,
    japanese_analysers,
)

from .analysis import MAX_QUERY_CHARS, AnalysedQuery, normalise, to_hiragana
from .backends import BackendUnavailable
from .facets import FACETS, LIVE_FACETS, STORED_FACETS
from .memory import SEMANTIC_FLOOR, SEMANTIC_ONLY
from .models import SearchEntry
from .query import FacetCount, Hit, SearchQuery, SearchResults, Suggestion

logger = logging.getLogger(__name__)

# BM25 fields: title words count double; bigrams back words up, and must cover
# most of the query's bigrams so one common pair (市民) does not match all.
WORD_FIELDS = ("title^2", "body")
GRAM_FIELDS = ("title.grams^2", "body.grams")
GRAMS_MINIMUM_SHOULD_MATCH = "75%"
# The words SudachiPy normalised count a little less than the text as typed.
NORMALISED_WORDS_BOOST = 0.5
TEXT_BOOST = 1.0
# kNN: the closest entries in meaning join the matches, as in the embedded
# index (at most SEMANTIC_ONLY, raw cosine at least SEMANTIC_FLOOR). A kNN score
# is (1 + cosine) / 2, so KNN_BOOST puts an entry close in meaning level with
# a fair BM25 match.
KNN_K = SEMANTIC_ONLY
KNN_NUM_CANDIDATES = 100
KNN_BOOST = 5.0
KNN_MIN_SIMILARITY = SEMANTIC_FLOOR
SNIPPET_FRAGMENT_CHARS = 100
SNIPPET_FRAGMENTS = 2
SNIPPET_SEPARATOR = " … "
FACET_SIZE = 100
SOURCE_EXCLUDES = ["body", "vector", "suggest"]
# Inputs a completion suggestion is found by: the title, its reading, and the
# title from each later word on (so 見守り finds 高齢者見守りサービス).
MAX_SUGGEST_INPUTS = 12
# Completion inputs may not contain these (Lucene's separators).
_RESERVED = re.compile("[\x00\x1e\x1f]")
_MARK = re.compile(r"(</?mark>)")
BULK_CHUNK = 500


def alias_name() -> str:
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-search"


# ---------------------------------------------------------------------------
# The index: settings, analysers and mapping.


def search_mapping(*, dims: int, kuromoji: bool, meta: Mapping | None = None):
    """The entries' mapping (an elasticsearch.dsl Mapping)."""
    from elasticsearch.dsl import (
        Completion,
        Date,
        DenseVector,
        Keyword,
        Long,
        Mapping,
        Text,
    )

    analysers = japanese_analysers(kuromoji=kuromoji)
    offsets = "with_positions_offsets"  # the fast vector highlighter needs them

    def text(**extra):
        return Text(
            analyzer=analysers.text,
            term_vector=offsets,
            fields={
                "grams": Text(analyzer=analysers.grams, term_vector=offsets),
                **extra,
            },
        )

    mapping = Mapping()
    # A field nobody mapped is kept in _source but not indexed (a facet added
    # later waits for the next reindex instead of failing every write).
    mapping.meta("dynamic", False)
    if meta:
        mapping.meta("_meta", dict(meta))
    mapping.field("page_id", Long())
    mapping.field("kind", Keyword())
    mapping.field("lang", Keyword())
    mapping.field("title", text(keyword=Keyword(ignore_above=256)))
    mapping.field("body", text())
    mapping.field("url", Keyword(index=False, doc_values=False))
    mapping.field("date", Date())
    for name in STORED_FACETS:
        if name != "kind":
            mapping.field(name, Keyword())
    mapping.field("suggest", Completion(analyzer=analysers.suggest))
    mapping.field("vector", DenseVector(dims=dims, index=True, similarity="cosine"))
    return mapping


def search_index_body(
    *, dims: int, kuromoji: bool, meta: Mapping | None = None
) -> dict:
    """The body that creates a search index (settings + mappings)."""
    from elasticsearch.dsl import Index

    index = Index("unused")
    index.settings(**index_settings())
    index.mapping(search_mapping(dims=dims, kuromoji=kuromoji, meta=meta))
    return index.to_dict()


# ---------------------------------------------------------------------------
# Documents.


def suggest_inputs(title: str, title_reading: str, surfaces: Mapping) -> list[str]:
    """The title, its reading in hiragana, and the title from each later word."""
    title = _RESERVED.sub(" ", normalise(title)).strip()
    inputs = [title, _RESERVED.sub(" ", title_reading).strip()]
    starts = set()
    for written in surfaces.values():
        for surface in written:
            position = title.find(normalise(surface))
            if position > 0:
                starts.add(position)
    inputs.extend(title[p:].strip() for p in sorted(starts))
    return [i for i in dict.fromkeys(inputs) if i][:MAX_SUGGEST_INPUTS]


def entry_document(
    entry: SearchEntry, *, model_name: str | None, dims: int | None
) -> dict:
    """The _source of a live entry. Its vector goes along only when it comes
    from the current model (a query vector is compared with it)."""
    document = {
        "page_id": entry.page_id,
        "kind": entry.kind,
        "lang": entry.lang,
        "title": entry.title,
        "body": entry.body,
        "url": entry.url,
        "date": entry.date.isoformat() if entry.date else None,
        "suggest": {
            "input": suggest_inputs(
                entry.title, entry.title_reading or "", entry.surfaces or {}
            )
        },
    }
    for name in STORED_FACETS:
        value = (entry.facets or {}).get(name) if name != "kind" else None
        if value:
            document[name] = value
    vector = entry.get_vector()
    if (
        vector is not None
        and entry.model_name == model_name
        and (dims is None or len(vector) == dims)
    ):
        document["vector"] = [float(x) for x in vector]
    return document


def entry_action(
    entry: SearchEntry, *, index: str, model_name: str | None, dims: int | None
) -> dict:
    """A bulk action: index a live entry, delete one that is not live."""
    if not entry.is_live:
        return {"_op_type": "delete", "_index": index, "_id": str(entry.page_id)}
    return {
        "_op_type": "index",
        "_index": index,
        "_id": str(entry.page_id),
        "_source": entry_document(entry, model_name=model_name, dims=dims),
    }


# ---------------------------------------------------------------------------
# Request bodies.


def filter_clauses(
    filters: Mapping[str, Iterable[str]], live: Mapping[str, Mapping[str, set[int]]]
) -> dict:
    """facet name → its filter (any chosen value matches), in facet order. A
    live facet filters on the page ids that have the value right now."""
    from elasticsearch.dsl import Q

    clauses = {}
    for facet in FACETS:
        values = filters.get(facet.name)
        if not values:
            continue
        if facet.name in LIVE_FACETS:
            known = live.get(facet.name, {})
            pages = set().union(*(known.get(v, set()) for v in values))
            clauses[facet.name] = Q("terms", page_id=sorted(pages))
        else:
            clauses[facet.name] = Q("terms", **{facet.name: sorted(values)})
    return clauses


def _all_of(clauses):
    from elasticsearch.dsl import Q

    clauses = list(clauses)
    return Q("bool", filter=clauses) if clauses else Q("match_all")


def text_query(analysed: AnalysedQuery):
    """BM25 over words and bigrams of the text as typed, plus the words
    SudachiPy normalised (so kana and variant spellings find the kanji)."""
    from elasticsearch.dsl import Q

    should = [
        Q(
            "multi_match",
            query=analysed.text,
            type="most_fields",
            fields=list(WORD_FIELDS),
        ),
        Q(
            "multi_match",
            query=analysed.text,
            type="most_fields",
            fields=list(GRAM_FIELDS),
            minimum_should_match=GRAMS_MINIMUM_SHOULD_MATCH,
        ),
    ]
    words = " ".join(analysed.terms)
    if words and words != analysed.text:
        should.append(
            Q(
                "multi_match",
                query=words,
                type="most_fields",
                fields=list(WORD_FIELDS),
                boost=NORMALISED_WORDS_BOOST,
            )
        )
    return Q("bool", should=should, minimum_should_match=1, boost=TEXT_BOOST)


def _add_facet_aggregations(search, clauses: dict, live: Mapping) -> None:
    from elasticsearch.dsl import Q

    for facet in FACETS:
        others = [c for name, c in clauses.items() if name != facet.name]
        bucket = search.aggs.bucket(
            f"facet_{facet.name}", "filter", filter=_all_of(others)
        )
        if facet.live:
            # Every value is asked (an empty `filters` is refused).
            values = {v: set() for v, _label in facet.choices()}
            values.update(live.get(facet.name, {}))
            bucket.bucket(
                "values",
                "filters",
                filters={
                    value: Q("terms", page_id=sorted(pages))
                    for value, pages in sorted(values.items())
                },
            )
        else:
            bucket.bucket("values", "terms", field=facet.name, size=FACET_SIZE)


def build_search_body(
    query: SearchQuery,
    *,
    analysed: AnalysedQuery,
    vector: np.ndarray | None,
    live: Mapping[str, Mapping[str, set[int]]],
    similarity: float | None = KNN_MIN_SIMILARITY,
) -> dict:
    """The _search body for `query` on the entries' alias."""
    from elasticsearch.dsl import Q, Search

    clauses = filter_clauses(query.filters, live)
    search = Search()
    if analysed.is_empty:
        # No text lists everything; text with no searchable word matches nothing.
        search = search.query(Q("match_all") if not analysed.text else Q("match_none"))
    else:
        search = search.query(text_query(analysed))
        if vector is not None:
            search = search.knn(
                field="vector",
                k=KNN_K,
                num_candidates=max(KNN_NUM_CANDIDATES, KNN_K),
                query_vector=[float(x) for x in vector],
                boost=KNN_BOOST,
                filter=_all_of(clauses.values()) if clauses else None,
                similarity=similarity,
            )
        search = search.highlight_options(
            pre_tags=["<mark>"], post_tags=["</mark>"], encoder="html"
        ).highlight(
            "body",
            type="fvh",
            matched_fields=["body", "body.grams"],
            fragment_size=SNIPPET_FRAGMENT_CHARS,
            number_of_fragments=SNIPPET_FRAGMENTS,
        )
    if clauses:
        search = search.post_filter(_all_of(clauses.values()))
    _add_facet_aggregations(search, clauses, live)
    newest = {"date": {"order": "desc", "missing": "_last"}}
    # The page id breaks ties so pages of results never overlap or skip.
    if analysed.is_empty or query.sort == "newest":
        search = search.sort(newest, "_score", {"page_id": {"order": "asc"}})
    else:
        search = search.sort("_score", newest, {"page_id": {"order": "asc"}})
    search = search[query.offset : query.offset + query.per_page]
    search = search.source(excludes=SOURCE_EXCLUDES).extra(track_total_hits=True)
    return search.to_dict()


def build_suggest_body(text: str, *, limit: int) -> dict | None:
    """Completion suggestions for the text as typed and, typed in katakana,
    for its hiragana reading; None when nothing was typed."""
    from elasticsearch.dsl import Search

    typed = _RESERVED.sub(" ", normalise(text)[:MAX_QUERY_CHARS]).strip()
    if not typed:
        return None
    completion = {"field": "suggest", "size": limit, "skip_duplicates": True}
    search = Search().source(["page_id", "title", "url", "kind", "date"]).extra(size=0)
    search = search.suggest("title", typed, completion=completion)
    reading = to_hiragana(typed)
    if reading != typed:
        search = search.suggest("reading", reading, completion=dict(completion))
    return search.to_dict()


# ---------------------------------------------------------------------------
# Responses.


def safe_snippet(fragment: str) -> str:
    """Escaped text with only <mark> and </mark> left as tags, balanced."""
    out, open_mark = [], False
    for part in _MARK.split(fragment):
        if part == "<mark>":
            if not open_mark:
                out.append(part)
                open_mark = True
        elif part == "</mark>":
            if open_mark:
                out.append(part)
                open_mark = False
        elif part:
            # The html encoder escaped it already: unescape, then escape once.
            out.append(html.escape(html.unescape(part), quote=False))
    if open_mark:
        out.append("</mark>")
    return "".join(out)


def _date(value) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def parse_facets(aggregations: Mapping) -> dict[str, list[FacetCount]]:
    """Counts above zero, in each facet's display order (others after)."""
    facets = {}
    for facet in FACETS:
        values = aggregations.get(f"facet_{facet.name}", {}).get("values", {})
        buckets = values.get("buckets", [])
        if isinstance(buckets, Mapping):  # a filters aggregation
            counts = {str(k): b.get("doc_count", 0) for k, b in buckets.items()}
        else:
            counts = {str(b["key"]): b.get("doc_count", 0) for b in buckets}
        order = [str(value) for value, _label in facet.choices()]
        ordered = [v for v in order if v in counts] + sorted(
            (v for v in counts if v not in order), key=lambda v: (-counts[v], v)
        )
        facets[facet.name] = [
            FacetCount(v, int(counts[v])) for v in ordered if counts[v]
        ]
    return facets


def parse_search_response(body: Mapping) -> SearchResults:
    hits = []
    for hit in body.get("hits", {}).get("hits", []):
        source = hit.get("_source", {})
        fragments = hit.get("highlight", {}).get("body", [])
        snippet = SNIPPET_SEPARATOR.join(safe_snippet(f) for f in fragments)
        hits.append(
            Hit(
                page_id=int(source.get("page_id", hit.get("_id"))),
                kind=source.get("kind", ""),
                title=source.get("title", ""),
                url=source.get("url", ""),
                date=_date(source.get("date")),
                score=float(hit.get("_score") or 0.0),
                facets={
                    name: source[name]
                    for name in STORED_FACETS
                    if name != "kind" and source.get(name)
                },
                snippet=mark_safe(snippet) if snippet else "",  # noqa: S308 - escaped above
            )
        )
    total = body.get("hits", {}).get("total", 0)
    if isinstance(total, Mapping):
        total = total.get("value", 0)
    return SearchResults(
        total=int(total),
        hits=hits,
        facets=parse_facets(body.get("aggregations", {})),
        backend=ElasticsearchBackend.name,
    )


def parse_suggest_response(body: Mapping, *, limit: int) -> list[Suggestion]:
    suggestions, seen = [], set()
    for name in ("title", "reading"):
        for entry in body.get("suggest", {}).get(name, []):
            for option in entry.get("options", []):
                source = option.get("_source", {})
                title = source.get("title", "")
                if not title or title in seen:
                    continue
                seen.add(title)
                suggestions.append(
                    Suggestion(
                        title=title,
                        url=source.get("url", ""),
                        kind=source.get("kind", ""),
                    )
                )
    return suggestions[:limit]


# ---------------------------------------------------------------------------
# Writing: bulk, with per-item acknowledgement.


def push_entries(
    client, entries: Sequence[SearchEntry], *, index: str, require_alias: bool
) -> tuple[set[int], dict[int, object], Exception | None]:
    """Send entries in bulk: (page ids acknowledged, page id → error, the
    exception that stopped the sending or None). Never raises for an outage."""
    from elasticsearch import ApiError
    from elasticsearch.helpers import streaming_bulk

    from hack.matching.encoders import get_encoder

    acknowledged: set[int] = set()
    failed: dict[int, object] = {}
    if not entries:
        return acknowledged, failed, None
    encoder = get_encoder()
    actions = [
        entry_action(e, index=index, model_name=encoder.name, dims=encoder.dim)
        for e in entries
    ]
    options = {"require_alias": True} if require_alias else {}
    try:
        with guarded():
            for ok, item in streaming_bulk(
                client,
                actions,
                chunk_size=BULK_CHUNK,
                raise_on_error=False,
                raise_on_exception=True,
                max_retries=0,
                **options,
            ):
                operation, result = next(iter(item.items()))
                page_id = int(result.get("_id"))
                # Deleting what is not there is done too.
                gone = operation == "delete" and result.get("result") == "not_found"
                if ok or (gone and "error" not in result):
                    acknowledged.add(page_id)
                else:
                    failed[page_id] = result.get("error")
    except (ElasticsearchUnavailable, ApiError) as exc:
        return acknowledged, failed, exc
    if failed:
        logger.warning(
            "Elasticsearch refused %d entries (first: %s)",
            len(failed),
            next(iter(failed.values())),
        )
    return acknowledged, failed, None


def mark_sent(entries: Iterable[SearchEntry], page_ids: set[int]) -> int:
    """Clear es_pending of the acknowledged rows, unless a row changed again
    since it was read (then it goes again)."""
    done = [e for e in entries if e.page_id in page_ids and e.pk and e.updated_at]
    cleared = 0
    for start in range(0, len(done), 100):
        condition = DbQ()
        for entry in done[start : start + 100]:
            condition |= DbQ(pk=entry.pk, updated_at=entry.updated_at)
        cleared += SearchEntry.objects.filter(condition).update(es_pending=False)
    return cleared


def sync_pending(*, batch_size: int = 500, client=None) -> int:
    """Send every row Elasticsearch has not acknowledged (live → index, not
    live → delete); returns how many it acknowledged. Never raises when the
    cluster is away: what is left waits for the next call."""
    if not is_configured():
        return 0
    try:
        client = client or get_client()
    except ElasticsearchUnavailable:
        return 0
    sent, last_pk = 0, 0
    while True:
        batch = list(
            SearchEntry.objects.filter(es_pending=True, pk__gt=last_pk).order_by("pk")[
                :batch_size
            ]
        )
        if not batch:
            break
        last_pk = batch[-1].pk
        acknowledged, _failed, error = push_entries(
            client, batch, index=alias_name(), require_alias=True
        )
        sent += mark_sent(batch, acknowledged)
        if error is not None:
            logger.info(
                "Elasticsearch is away (%s); %d entries sent so far", error, sent
            )
            break
    return sent


# ---------------------------------------------------------------------------
# The backend.


class ElasticsearchBackend:
    """`SearchBackend` (hack/search/backends.py) on Elasticsearch."""

    name = "elasticsearch"

    def __init__(self, client=None):
        self._client = client

    @property
    def client(self):
        if self._client is None:
            try:
                self._client = get_client()
            except ElasticsearchUnavailable as exc:
                raise BackendUnavailable(str(exc)) from exc
        return self._client

    def _request(self, call):
        from elasticsearch import ApiError

        try:
            with guarded():
                return call(self.client).body
        except ElasticsearchUnavailable as exc:
            raise BackendUnavailable(str(exc)) from exc
        except ApiError as exc:
            # Up, but refusing (no index yet, a query it cannot run): fall back.
            logger.warning("Elasticsearch refused a search: %s", exc)
            raise BackendUnavailable(str(exc)) from exc

    def search(self, query, *, analysed, vector, live) -> SearchResults:
        body = build_search_body(query, analysed=analysed, vector=vector, live=live)
        response = self._request(lambda c: c.search(index=alias_name(), body=body))
        return parse_search_response(response)

    def suggest(self, text: str, *, limit: int) -> list[Suggestion]:
        body = build_suggest_body(text, limit=limit)
        if body is None or limit <= 0:
            return []
        response = self._request(lambda c: c.search(index=alias_name(), body=body))
        return parse_suggest_response(response, limit=limit)

    def index_entries(self, entries: Sequence[SearchEntry]) -> None:
        """Send the entries; rows acknowledged lose es_pending. Raises
        BackendUnavailable if any entry was not taken (it stays pending)."""
        entries = list(entries)
        acknowledged, failed, error = push_entries(
            self.client, entries, index=alias_name(), require_alias=True
        )
        mark_sent(entries, acknowledged)
        if error is not None:
            raise BackendUnavailable(str(error)) from error
        if failed:
            raise BackendUnavailable(f"{len(failed)} entries were refused")

    def remove(self, page_ids: Iterable[int]) -> None:
        from elasticsearch import ApiError
        from elasticsearch.helpers import streaming_bulk

        actions = [
            {"_op_type": "delete", "_index": alias_name(), "_id": str(page_id)}
            for page_id in page_ids
        ]
        if not actions:
            return
        try:
            with guarded():
                for ok, item in streaming_bulk(
                    self.client,
                    actions,
                    chunk_size=BULK_CHUNK,
                    raise_on_error=False,
                    max_retries=0,
                    require_alias=True,
                ):
                    result = next(iter(item.values()))
                    if not ok and "error" in result:
                        raise BackendUnavailable(str(result["error"]))
        except (ElasticsearchUnavailable, ApiError) as exc:
            raise BackendUnavailable(str(exc)) from exc

    def sync_pending(self, *, batch_size: int = 500) -> int:
        return sync_pending(batch_size=batch_size, client=self._client)

    def uses_kuromoji(self) -> bool:
        try:
            return has_kuromoji(self.client)
        except ElasticsearchUnavailable as exc:
            raise BackendUnavailable(str(exc)) from exc
