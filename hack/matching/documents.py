"""How a need or a seed page becomes the text and the type the matcher uses.

The matcher reads the pages' fields here and nowhere else, so the needs and
seeds apps need not know that matching exists (STYLE.md, convention 3).
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from wagtail.models import Page

from hack.needs.models import NeedPage
from hack.needs.selectors import list_published_needs
from hack.seeds.models import SeedPage
from hack.seeds.selectors import list_published_seeds

from . import match_types
from .models import ContentKind
from .text import PreparedText, prepare_text


@dataclass(frozen=True)
class Document:
    page_id: int
    kind: str
    text: PreparedText
    match_type: int


def need_document_text(need: NeedPage) -> PreparedText:
    return prepare_text(
        need.title,
        need.summary,
        need.current_situation,
        need.pain_points,
        need.desired_outcome,
        need.constraints,
    )


def seed_document_text(seed: SeedPage) -> PreparedText:
    tags = " ".join(tag.name for tag in seed.tags.all())
    return prepare_text(seed.title, seed.summary, seed.description, tags)


def document_for(page: Page) -> Document | None:
    """The matcher's view of a page, or None for pages that are not matched."""
    page = page.specific
    if isinstance(page, NeedPage):
        return Document(
            page_id=page.pk,
            kind=ContentKind.NEED,
            text=need_document_text(page),
            match_type=match_types.need_type(page.specificity),
        )
    if isinstance(page, SeedPage):
        return Document(
            page_id=page.pk,
            kind=ContentKind.SEED,
            text=seed_document_text(page),
            match_type=match_types.seed_type(page.maturity, page.deployments),
        )
    return None


def published_pages(kind: str) -> QuerySet:
    """Only published, public content takes part in matching."""
    if kind == ContentKind.NEED:
        return list_published_needs()
    return list_published_seeds()


def is_published(page_id: int, kind: str) -> bool:
    return published_pages(kind).filter(pk=page_id).exists()
