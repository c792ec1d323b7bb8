"""/search/ and the suggestions the search boxes show as people type."""

from dataclasses import dataclass, field
from math import ceil

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .analysis import MAX_QUERY_CHARS, analyse_query
from .engine import run_search, suggest
from .facets import FACETS, FACETS_BY_NAME
from .query import SORTS, SearchQuery

SUGGESTIONS = 8
# Longer input to the suggestion endpoint is not a title being typed.
MAX_SUGGEST_CHARS = 100
# A page number beyond any real result list (also guards the int parsing).
MAX_PAGE = 10_000


@dataclass
class ParsedParams:
    query: SearchQuery
    notices: list[str] = field(default_factory=list)


def parse_params(params) -> ParsedParams:
    """Read the search from the query string. Nothing here fails: what cannot
    be used is dropped, and the page says what and why."""
    notices = []
    text = " ".join(params.get("q", "").split())
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notices.append(
            _("Your search was shortened to its first %(count)d characters.")
            % {"count": MAX_QUERY_CHARS}
        )
    filters = {}
    unknown = []
    for facet in FACETS:
        values = [v for v in params.getlist(facet.name) if v]
        known = facet.labels()
        chosen = frozenset(v for v in values if v in known)
        unknown.extend(v for v in values if v not in known)
        if chosen:
            filters[facet.name] = chosen
    if unknown:
        notices.append(
            _("These filter values are not known and were ignored: %(values)s")
            % {"values": "、".join(v[:40] for v in sorted(set(unknown))[:5])}
        )
    sort = params.get("sort") or "relevance"
    if sort not in SORTS:
        notices.append(_("That sort order is not known; results are by relevance."))
        sort = "relevance"
    page = 1
    raw_page = params.get("page", "1") or "1"
    # isascii: "²" is a digit to str.isdigit but not to int().
    if (
        raw_page.isascii()
        and raw_page.isdigit()
        and len(raw_page) <= 6
        and 1 <= int(raw_page) <= MAX_PAGE
    ):
        page = int(raw_page)
    else:
        notices.append(
            _("“%(page)s” is not a page number; showing the first page.")
            % {"page": raw_page[:20]}
        )
    return ParsedParams(
        SearchQuery(text=text, filters=filters, sort=sort, page=page),
        notices,
    )


@dataclass
class FacetValueView:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class FacetView:
    name: str
    label: str
    values: list[FacetValueView]


def facet_views(query: SearchQuery, results) -> list[FacetView]:
    """Every facet with a count or a chosen value, values in the facet's order."""
    views = []
    for facet in FACETS:
        counts = {c.value: c.count for c in results.facets.get(facet.name, [])}
        chosen = query.filters.get(facet.name, frozenset())
        values = [
            FacetValueView(value, str(label), counts.get(value, 0), value in chosen)
            for value, label in facet.choices()
            if counts.get(value) or value in chosen
        ]
        if values:
            views.append(FacetView(facet.name, str(facet.label), values))
    return views


def page_links(current: int, pages: int) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: None stands for a gap."""
    shown = {1, pages, *range(current - 2, current + 3)}
    links, previous = [], 0
    for number in sorted(n for n in shown if 1 <= n <= pages):
        if number - previous > 1:
            links.append(None)
        links.append(number)
        previous = number
    return links


@require_GET
def search_page(request):
    parsed = parse_params(request.GET)
    query = parsed.query
    results = run_search(query)
    pages = max(1, ceil(results.total / query.per_page))
    notices = list(parsed.notices)
    if query.text and analyse_query(query.text).is_empty:
        notices.append(
            _(
                "Your search has no word to look for (only particles, symbols or "
                "very common words). Try a more specific word."
            )
        )
    if results.total and query.page > pages:
        notices.append(
            _("There is no page %(page)d: the results fill %(pages)d pages.")
            % {"page": query.page, "pages": pages}
        )
    if results.fell_back:
        notices.append(
            _(
                "The search server is not answering, so the platform’s own "
                "search answered instead. Results may be ordered a little "
                "differently."
            )
        )
    kind_labels = FACETS_BY_NAME["kind"].labels()
    facets = facet_views(query, results)
    context = {
        "query": query,
        "results": results,
        "hits": [(hit, kind_labels.get(hit.kind, hit.kind)) for hit in results.hits],
        "kind_facet": next((f for f in facets if f.name == "kind"), None),
        "facets": [f for f in facets if f.name != "kind"],
        "notices": notices,
        "pages": pages,
        "page_links": page_links(query.page, pages) if pages > 1 else [],
        "first_shown": query.offset + 1,
        "last_shown": query.offset + len(results.hits),
        "sorts": [("relevance", _("Relevance")), ("newest", _("Newest first"))],
        "has_filters": bool(query.filters),
    }
    response = render(request, "search/search.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_GET
def suggest_view(request):
    text = request.GET.get("q", "")[:MAX_SUGGEST_CHARS].strip()
    kind_labels = FACETS_BY_NAME["kind"].labels()
    suggestions = suggest(text, limit=SUGGESTIONS) if text else []
    return JsonResponse(
        {
            "query": text,
            "suggestions": [
                {
                    "title": s.title,
                    "url": s.url,
                    "kind": s.kind,
                    "kind_label": str(kind_labels.get(s.kind, s.kind)),
                }
                for s in suggestions
            ],
        }
    )
