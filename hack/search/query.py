"""What a search asks and what it answers, whatever backend runs it."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

SORTS = ("relevance", "newest")
PER_PAGE = 20


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    # facet name → the values chosen (any of them matches); validated by the form.
    filters: Mapping[str, frozenset[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass
class Hit:
    page_id: int
    kind: str
    title: str
    url: str
    date: datetime | None
    score: float
    facets: dict[str, str] = field(default_factory=dict)
    # Safe HTML: escaped text with <mark> around the matched words. The
    # embedded backend leaves it empty and hack.search.engine cuts it.
    snippet: str = ""


@dataclass
class FacetCount:
    value: str
    count: int


@dataclass
class SearchResults:
    total: int
    hits: list[Hit]
    # facet name → counts for each value, computed with every other facet's
    # filter applied (so choosing a value does not hide its alternatives).
    facets: dict[str, list[FacetCount]]
    backend: str  # "embedded" or "elasticsearch"
    # Set when the chosen backend could not answer and another one did.
    fell_back: bool = False


@dataclass(frozen=True)
class Suggestion:
    title: str
    url: str
    kind: str
