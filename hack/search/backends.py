"""Search backends behind one small protocol (STYLE.md, convention 6).

`embedded` (hack/search/memory.py) is the in-process index every installation
has; `elasticsearch` (hack/search/elastic.py) is chosen by ELASTICSEARCH_URL.
hack/search/engine.py picks one per request and falls back to the embedded
backend when Elasticsearch is down or slow.
"""

from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np

from .analysis import AnalysedQuery
from .models import SearchEntry
from .query import SearchQuery, SearchResults, Suggestion


class SearchBackend(Protocol):
    name: str

    def search(
        self,
        query: SearchQuery,
        *,
        analysed: AnalysedQuery,
        vector: np.ndarray | None,
        live: dict[str, dict[str, set[int]]],
    ) -> SearchResults:
        """Matching live entries: the query's page of hits, the total and the
        facet counts. `vector` is the query's embedding (None for an empty
        query); `live` maps each live facet's values to page ids
        (hack/search/facets.py)."""
        ...

    def suggest(self, text: str, *, limit: int) -> list[Suggestion]:
        """Titles that contain what was typed so far (also typed in kana)."""
        ...

    def index_entries(self, entries: Sequence[SearchEntry]) -> None:
        """Store live entries and drop entries that are no longer live."""
        ...

    def remove(self, page_ids: Iterable[int]) -> None: ...


class BackendUnavailable(Exception):
    """The backend is down, slow or refused: the caller falls back."""
