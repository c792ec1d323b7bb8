"""Which pages are searchable and how each becomes a search document.

Needs and seeds are registered here. Case studies and columns are registered
by cms in `cms/search_sources.py`, found at startup like Wagtail's
`wagtail_hooks` modules (no hack app imports cms).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from hack.matching import match_types
from hack.needs.models import NeedPage
from hack.needs.selectors import list_published_needs
from hack.seeds.models import SeedPage
from hack.seeds.selectors import list_published_seeds


@dataclass(frozen=True)
class SearchDocument:
    title: str
    body: str
    url: str
    date: datetime | None
    facets: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    kind: str
    label: str | Promise
    model: type[Page]
    # Live, public pages only: nothing else is ever searchable.
    published: Callable[[], QuerySet]
    document: Callable[[Page], SearchDocument]


_sources: dict[str, Source] = {}


def register(source: Source) -> None:
    _sources[source.kind] = source


def all_sources() -> list[Source]:
    return list(_sources.values())


def source_for(page: Page) -> Source | None:
    for source in _sources.values():
        if isinstance(page, source.model):
            return source
    return None


def stream_text(stream_value) -> str:
    """The readable text of a StreamField, as Wagtail's own search indexes it."""
    if not stream_value:
        return ""
    block = stream_value.stream_block
    return "\n".join(str(part) for part in block.get_searchable_content(stream_value))


def _need_document(need: NeedPage) -> SearchDocument:
    return SearchDocument(
        title=need.title,
        body="\n".join(
            [
                need.summary,
                need.current_situation,
                need.pain_points,
                need.desired_outcome,
                need.constraints,
                stream_text(need.body),
            ]
        ),
        url=need.url or "",
        date=need.first_published_at,
        facets={
            "field": need.field,
            "stage": need.stage,
            "specificity": need.specificity,
            "match_type": str(match_types.need_type(need.specificity)),
        },
    )


def _seed_document(seed: SeedPage) -> SearchDocument:
    tags = " ".join(tag.name for tag in seed.tags.all())
    return SearchDocument(
        title=seed.title,
        body="\n".join([seed.summary, seed.description, tags, seed.organization.name]),
        url=seed.url or "",
        date=seed.first_published_at,
        facets={
            "maturity": seed.maturity,
            "org_type": seed.organization.org_type,
            "match_type": str(match_types.seed_type(seed.maturity, seed.deployments)),
        },
    )


register(Source("need", _("Needs"), NeedPage, list_published_needs, _need_document))
register(Source("seed", _("Seeds"), SeedPage, list_published_seeds, _seed_document))
