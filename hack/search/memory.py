"""The embedded search backend: an in-process index over SearchEntry rows.

Built like a small Lucene: every row of the index (one per live page) has a
number; postings (term hash → rows, counts) live in immutable segments, and a
change adds a small segment and marks the old row dead. Segments are merged
when there are many, and dead rows are dropped when they pile up. Facets,
dates and vectors are numpy arrays by row, so filtering, counting and ranking
100,000 entries is a handful of vectorised operations (bench/search.py).
"""

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from .analysis import AnalysedQuery, normalise, to_hiragana
from .facets import LIVE_FACETS, STORED_FACETS
from .query import FacetCount, Hit, SearchQuery, SearchResults, Suggestion

K1 = 1.2
B = 0.75
# How much each field counts (analysis.py): title words add to body words,
# bigrams only back them up.
FIELD_WEIGHTS = {"w": 1.0, "t": 1.0, "g": 0.35}
# Relevance = lexical share × lexical (scaled to the best hit) + the rest ×
# semantic similarity (scaled between the typical and the best entry). A short
# query is keywords, where shared words say most; a long one is a sentence,
# where meaning does. Tuned on matching-dev.json (bench/search_quality.py).
LEXICAL_SHARE_MAX = 0.5
LEXICAL_SHARE_MIN = 0.1
LEXICAL_SHARE_STEP = 0.07
# Entries with no word of the query still match when their meaning is close:
# at most SEMANTIC_ONLY of them, each in the top SEMANTIC_BAND of the way from
# the typical entry's similarity to the best one, and at least SEMANTIC_FLOOR.
# On matching-dev.json a fifth of those admitted are judged relevant; a wider
# band admits mostly noise (bench/search_quality.py).
SEMANTIC_ONLY = 10
SEMANTIC_BAND = 0.2
SEMANTIC_FLOOR = 0.80
# "Typical" needs a population: a smaller index admits by words only.
SEMANTIC_MIN_ENTRIES = 20
MAX_SEGMENTS = 8
DEAD_SHARE_TO_COMPACT = 0.25


@dataclass(frozen=True)
class Row:
    """What the index keeps of one entry besides its terms."""

    page_id: int
    kind: str
    title: str
    url: str
    date: datetime | None
    facets: dict
    lengths: dict
    title_reading: str
    hashes: np.ndarray
    counts: np.ndarray
    vector: np.ndarray | None


def lexical_share(words: int) -> float:
    share = LEXICAL_SHARE_MAX + LEXICAL_SHARE_STEP - LEXICAL_SHARE_STEP * words
    return min(LEXICAL_SHARE_MAX, max(LEXICAL_SHARE_MIN, share))


_NO_TERMS = np.zeros(0, dtype=np.int64)
_NO_COUNTS = np.zeros(0, dtype=np.uint16)


class _Segment:
    """Postings of a batch of rows, sorted by term hash."""

    def __init__(self, hashes: np.ndarray, rows: np.ndarray, counts: np.ndarray):
        order = np.argsort(hashes, kind="stable")
        hashes = hashes[order]
        self.rows = rows[order].astype(np.int32)
        self.counts = counts[order].astype(np.float32)
        self.terms, self.starts = np.unique(hashes, return_index=True)
        self.ends = np.append(self.starts[1:], len(hashes))

    def __len__(self):
        return len(self.rows)

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray] | None:
        i = int(np.searchsorted(self.terms, term))
        if i >= len(self.terms) or self.terms[i] != term:
            return None
        start, end = self.starts[i], self.ends[i]
        return self.rows[start:end], self.counts[start:end]

    def triples(self):
        return self.terms.repeat(self.ends - self.starts), self.rows, self.counts


class _Growing:
    """A numpy array that grows by rows (amortised appends)."""

    def __init__(self, dtype, width: int | None = None, fill=0):
        shape = (1024,) if width is None else (1024, width)
        self.data = np.full(shape, fill, dtype=dtype)
        self.fill = fill

    def ensure(self, size: int):
        if size <= len(self.data):
            return
        capacity = max(size, len(self.data) + len(self.data) // 2)
        grown = np.full((capacity, *self.data.shape[1:]), self.fill, self.data.dtype)
        grown[: len(self.data)] = self.data
        self.data = grown


class InMemorySearchIndex:
    name = "embedded"

    def __init__(self, dim: int):
        self.dim = dim
        self._lock = threading.RLock()
        self._reset()

    def _reset(self):
        self.size = 0  # rows ever appended (live and dead)
        self.live_count = 0
        self._row_of: dict[int, int] = {}
        self._page_ids = _Growing(np.int64)
        self._alive = _Growing(np.bool_, fill=False)
        self._dates = _Growing(np.float64, fill=np.nan)
        self._has_vector = _Growing(np.bool_, fill=False)
        self._vectors = _Growing(np.float32, self.dim)
        self._lengths = {f: _Growing(np.float32) for f in ("w", "t", "g")}
        self._length_sums = dict.fromkeys(("w", "t", "g"), 0.0)
        # facet → value code by row (-1: none); codes per facet in _codes.
        self._facet_codes = {f: _Growing(np.int16, fill=-1) for f in STORED_FACETS}
        self._codes: dict[str, dict[str, int]] = {f: {} for f in STORED_FACETS}
        self._kind_codes = self._codes["kind"]
        self._rows: list[Row | None] = []
        self._segments: list[_Segment] = []
        self._suggest_cache = None

    # ----- writing

    def __len__(self):
        return self.live_count

    def __contains__(self, page_id: int) -> bool:
        return page_id in self._row_of

    def apply(self, upserts: Sequence[Row], removals: Iterable[int] = ()) -> None:
        """Add or replace `upserts`, drop the pages in `removals`."""
        with self._lock:
            self._drop([r.page_id for r in upserts] + list(removals))
            self._append(upserts)
            self._after_change()

    def load(self, rows: Iterable[Row], *, expected: int = 0) -> None:
        """Fill an empty index from a stream of rows (page ids unique)."""
        with self._lock:
            self._append(rows, expected)
            self._after_change()

    def _after_change(self):
        self._suggest_cache = None
        dead = self.size - self.live_count
        if self.size and dead / self.size > DEAD_SHARE_TO_COMPACT:
            self._compact()
        elif len(self._segments) > MAX_SEGMENTS:
            self._merge_small_segments()

    def _drop(self, page_ids):
        for page_id in page_ids:
            row = self._row_of.pop(page_id, None)
            if row is None:
                continue
            self._alive.data[row] = False
            for name, lengths in self._lengths.items():
                self._length_sums[name] -= float(lengths.data[row])
            self._rows[row] = None
            self.live_count -= 1

    def _append(self, rows: Iterable[Row], expected: int = 0):
        """Append rows as they come (a generator keeps a full load from holding
        every entry's bytes at once); `expected` reserves room up front."""
        per_row = (
            self._page_ids,
            self._alive,
            self._dates,
            self._has_vector,
            self._vectors,
            *self._lengths.values(),
            *self._facet_codes.values(),
        )
        start = number = self.size
        postings = {
            "hashes": _Growing(np.int64),
            "rows": _Growing(np.int32),
            "counts": _Growing(np.uint16),
        }
        used = 0
        for array in per_row:
            array.ensure(start + expected)
        for row in rows:
            for array in per_row:
                array.ensure(number + 1)
            self._row_of[row.page_id] = number
            # Terms live in the segment and the vector in the matrix: the row
            # keeps only what hits and suggestions show.
            self._rows.append(
                replace(row, hashes=_NO_TERMS, counts=_NO_COUNTS, vector=None)
            )
            self._page_ids.data[number] = row.page_id
            self._alive.data[number] = True
            self._dates.data[number] = row.date.timestamp() if row.date else np.nan
            if row.vector is not None and len(row.vector) == self.dim:
                self._vectors.data[number] = row.vector
                self._has_vector.data[number] = True
            for name, lengths in self._lengths.items():
                value = float(row.lengths.get(name, 0))
                lengths.data[number] = value
                self._length_sums[name] += value
            facet_values = {"kind": row.kind, **row.facets}
            for name, codes in self._facet_codes.items():
                value = facet_values.get(name) or ""
                codes.data[number] = (
                    self._codes[name].setdefault(value, len(self._codes[name]))
                    if value
                    else -1
                )
            count = len(row.hashes)
            for array in postings.values():
                array.ensure(used + count)
            postings["hashes"].data[used : used + count] = row.hashes
            postings["counts"].data[used : used + count] = row.counts
            postings["rows"].data[used : used + count] = number
            used += count
            number += 1
        if number == start:
            return
        self.size = number
        self.live_count += number - start
        self._segments.append(
            _Segment(*(postings[k].data[:used] for k in ("hashes", "rows", "counts")))
        )

    def _merge_small_segments(self):
        self._segments.sort(key=len, reverse=True)
        largest, rest = self._segments[0], self._segments[1:]
        merged = self._merged(rest)
        if len(merged) * 2 > len(largest):
            merged = self._merged([largest, merged])
            self._segments = [merged]
        else:
            self._segments = [largest, merged]

    def _merged(self, segments: list[_Segment]) -> _Segment:
        parts = [s.triples() for s in segments]
        hashes = np.concatenate([p[0] for p in parts])
        rows = np.concatenate([p[1] for p in parts])
        counts = np.concatenate([p[2] for p in parts])
        keep = self._alive.data[rows]
        return _Segment(hashes[keep], rows[keep], counts[keep])

    def _compact(self):
        """Renumber the live rows from 0 and merge every segment into one."""
        size = self.size
        live = np.flatnonzero(self._alive.data[:size])
        renumber = np.full(size, -1, dtype=np.int32)
        renumber[live] = np.arange(len(live), dtype=np.int32)
        merged = self._merged(self._segments)
        hashes, rows, counts = merged.triples()
        arrays = [
            self._page_ids,
            self._alive,
            self._dates,
            self._has_vector,
            self._vectors,
            *self._lengths.values(),
            *self._facet_codes.values(),
        ]
        for array in arrays:
            kept = array.data[live]
            array.data[: len(live)] = kept
            array.data[len(live) : size] = array.fill
        self._rows = [self._rows[i] for i in live]
        self._row_of = {row.page_id: n for n, row in enumerate(self._rows)}
        self.size = len(live)
        self._segments = [_Segment(hashes, renumber[rows], counts)]

    # ----- reading

    def _bm25(self, term: int, field: str, scores: np.ndarray) -> bool:
        postings = [p for s in self._segments if (p := s.postings(term)) is not None]
        if not postings:
            return False
        rows = np.concatenate([p[0] for p in postings])
        counts = np.concatenate([p[1] for p in postings])
        alive = self._alive.data[rows]
        rows, counts = rows[alive], counts[alive]
        if not len(rows):
            return False
        n = max(self.live_count, 1)
        idf = np.log1p((n - len(rows) + 0.5) / (len(rows) + 0.5))
        average = max(self._length_sums[field] / n, 1.0)
        lengths = self._lengths[field].data[rows]
        tf = counts * (K1 + 1) / (counts + K1 * (1 - B + B * lengths / average))
        scores[rows] += FIELD_WEIGHTS[field] * idf * tf
        return True

    def lexical_scores(self, analysed: AnalysedQuery) -> np.ndarray:
        """BM25 over the three fields, times the share of the query's words an
        entry has (every word found ranks above some words found)."""
        size = self.size
        total = np.zeros(size, dtype=np.float32)
        found = np.zeros(size, dtype=np.float32)
        for concept in analysed.concepts:
            scores = np.zeros(size, dtype=np.float32)
            for field, hashes in concept.hashes.items():
                for term in hashes:
                    self._bm25(term, field, scores)
            total += scores
            found += scores > 0
        if analysed.concepts:
            total *= found / len(analysed.concepts)
        return total

    def semantic_scores(self, vector: np.ndarray) -> np.ndarray:
        scores = self._vectors.data[: self.size] @ np.asarray(vector, np.float32)
        scores[~self._has_vector.data[: self.size]] = 0.0
        return scores

    def relevance(
        self, analysed: AnalysedQuery, vector: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(score by row, which rows match) for a non-empty query."""
        alive = self._alive.data[: self.size]
        lexical = self.lexical_scores(analysed)
        matched = (lexical > 0) & alive
        best = float(lexical.max()) if lexical.size else 0.0
        lexical_part = lexical / best if best > 0 else lexical
        if vector is None or not self._has_vector.data[: self.size].any():
            return lexical_part, matched
        semantic = self.semantic_scores(vector)
        usable = alive & self._has_vector.data[: self.size]
        top = float(semantic[usable].max())
        typical = float(np.median(semantic[usable]))
        semantic_part = np.clip((semantic - typical) / max(top - typical, 1e-6), 0, 1)
        # The closest entries in meaning match even without a shared word.
        candidates = np.flatnonzero(
            usable & (semantic_part >= 1 - SEMANTIC_BAND) & (semantic >= SEMANTIC_FLOOR)
        )
        if len(candidates) > SEMANTIC_ONLY:
            keep = np.argpartition(-semantic[candidates], SEMANTIC_ONLY - 1)
            candidates = candidates[keep[:SEMANTIC_ONLY]]
        if usable.sum() >= SEMANTIC_MIN_ENTRIES:
            matched[candidates] = True
        share = lexical_share(len(analysed.concepts))
        score = share * lexical_part + (1 - share) * semantic_part
        return score.astype(np.float32), matched

    def _filter_masks(self, query: SearchQuery, live) -> dict[str, np.ndarray]:
        masks = {}
        for name, values in query.filters.items():
            if not values:
                continue
            if name in LIVE_FACETS:
                pages = set().union(*(live.get(name, {}).get(v, set()) for v in values))
                mask = np.zeros(self.size, dtype=bool)
                rows = [self._row_of[p] for p in pages if p in self._row_of]
                mask[rows] = True
            else:
                codes = [self._codes[name][v] for v in values if v in self._codes[name]]
                mask = np.isin(self._facet_codes[name].data[: self.size], codes)
            masks[name] = mask
        return masks

    def _facet_counts(self, matched, masks, live) -> dict[str, list[FacetCount]]:
        facets = {}
        for name in (*STORED_FACETS, *LIVE_FACETS):
            base = matched.copy()
            for other, mask in masks.items():
                if other != name:
                    base &= mask
            if name in LIVE_FACETS:
                counts = []
                for value, pages in live.get(name, {}).items():
                    rows = [self._row_of[p] for p in pages if p in self._row_of]
                    counts.append(FacetCount(value, int(base[rows].sum())))
                facets[name] = [c for c in counts if c.count]
                continue
            codes = self._facet_codes[name].data[: self.size][base]
            tally = np.bincount(codes[codes >= 0], minlength=len(self._codes[name]))
            facets[name] = [
                FacetCount(value, int(tally[code]))
                for value, code in self._codes[name].items()
                if tally[code]
            ]
        return facets

    def search(self, query: SearchQuery, *, analysed, vector, live) -> SearchResults:
        with self._lock:
            alive = self._alive.data[: self.size]
            if analysed.is_empty:
                score = np.zeros(self.size, dtype=np.float32)
                # No text lists everything; text with no searchable word
                # (only particles or symbols) matches nothing.
                matched = alive.copy() if not analysed.text else alive & False
            else:
                score, matched = self.relevance(analysed, vector)
            masks = self._filter_masks(query, live)
            facets = self._facet_counts(matched, masks, live)
            selected = matched
            for mask in masks.values():
                selected = selected & mask
            rows = np.flatnonzero(selected)
            ordered = self._order(rows, score, query, by_date=analysed.is_empty)
            hits = [self._hit(int(r), float(score[r])) for r in ordered]
            return SearchResults(
                total=len(rows), hits=hits, facets=facets, backend=self.name
            )

    def _order(self, rows, score, query: SearchQuery, *, by_date: bool) -> np.ndarray:
        end = query.offset + query.per_page
        if query.offset >= len(rows):
            return rows[:0]
        dates = -np.nan_to_num(self._dates.data[rows], nan=0.0)
        scores = -score[rows]
        primary, secondary = (
            (dates, scores) if by_date or query.sort == "newest" else (scores, dates)
        )
        if len(rows) > end * 4:
            # Only the first `end` rows matter: keep those (and ties) before sorting.
            keep = primary <= np.partition(primary, end - 1)[end - 1]
            rows, primary, secondary = rows[keep], primary[keep], secondary[keep]
        # The page id breaks ties so pages never overlap or skip.
        order = np.lexsort((self._page_ids.data[rows], secondary, primary))
        return rows[order][query.offset : end]

    def _hit(self, row: int, score: float) -> Hit:
        entry = self._rows[row]
        return Hit(
            page_id=entry.page_id,
            kind=entry.kind,
            title=entry.title,
            url=entry.url,
            date=entry.date,
            score=score,
            facets=dict(entry.facets),
        )

    def suggest(self, text: str, *, limit: int) -> list[Suggestion]:
        """Live titles containing the text (or its reading, typed in kana),
        those starting with it first, then the newest."""
        typed = normalise(text).strip()
        if not typed:
            return []
        with self._lock:
            titles, readings, rows = self._suggest_index()
            found: dict[int, bool] = {}
            for (haystack, starts), needle in (
                (titles, typed),
                (readings, to_hiragana(typed)),
            ):
                position = haystack.find(needle)
                while position != -1 and len(found) < 200:
                    i = int(np.searchsorted(starts, position, side="right")) - 1
                    found.setdefault(rows[i], position == starts[i])
                    position = haystack.find(needle, position + 1)
            ranked = sorted(
                found.items(),
                key=lambda item: (
                    not item[1],
                    -np.nan_to_num(self._dates.data[item[0]]),
                ),
            )
            suggestions = []
            seen = set()
            for row, _prefix in ranked:
                entry = self._rows[row]
                if entry is None or entry.title in seen:
                    continue
                seen.add(entry.title)
                suggestions.append(Suggestion(entry.title, entry.url, entry.kind))
                if len(suggestions) == limit:
                    break
            return suggestions

    def _suggest_index(self):
        if self._suggest_cache is None:
            rows = [i for i, r in enumerate(self._rows) if r is not None]
            self._suggest_cache = (
                _joined([normalise(self._rows[i].title) for i in rows]),
                _joined([self._rows[i].title_reading for i in rows]),
                rows,
            )
        return self._suggest_cache

    def index_entries(self, entries) -> None:
        self.apply(
            [row_from_entry(e) for e in entries if e.is_live],
            [e.page_id for e in entries if not e.is_live],
        )

    def remove(self, page_ids) -> None:
        self.apply([], page_ids)


def row_from_entry(entry, *, with_vector: bool = True) -> Row:
    hashes, counts = entry.get_terms()
    return Row(
        page_id=entry.page_id,
        kind=entry.kind,
        title=entry.title,
        url=entry.url,
        date=entry.date,
        facets=entry.facets or {},
        lengths=entry.lengths or {},
        title_reading=entry.title_reading,
        hashes=hashes,
        counts=counts,
        vector=entry.get_vector() if with_vector else None,
    )


def _joined(texts: list[str]) -> tuple[str, np.ndarray]:
    """One string with "\n" between the texts (str.find is fast C) and where
    each text starts in it."""
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]) if texts else np.zeros(0)
    return "\n".join(texts), starts
