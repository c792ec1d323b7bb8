"""Reads of seeds for views and for other apps."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hack.accounts.models import Organization, User
from hack.accounts.roles import is_member_of
from hack.core.filters import ListFilters
from hack.core.workflows import needs_changes

from .forms import SeedFilterForm
from .models import SeedIndexPage, SeedPage


def list_published_seeds() -> QuerySet[SeedPage]:
    """The only seed queryset the public ever sees."""
    return (
        SeedPage.objects.live()
        .public()
        .select_related("organization")
        .prefetch_related("tags")
        .order_by("-first_published_at", "-pk")
    )


def filter_published_seeds(params) -> tuple[QuerySet[SeedPage], ListFilters]:
    filters = ListFilters(SeedFilterForm(params))
    seeds = list_published_seeds()
    if maturity := filters.values.get("maturity"):
        seeds = seeds.filter(maturity=maturity)
    if org_type := filters.values.get("org_type"):
        seeds = seeds.filter(organization__org_type=org_type)
    if query := filters.values.get("q"):
        # Substring match works for Japanese; real search comes with the search issue.
        seeds = seeds.filter(
            Q(title__icontains=query)
            | Q(summary__icontains=query)
            | Q(description__icontains=query)
            | Q(tags__name__icontains=query)
            | Q(organization__name__icontains=query)
        ).distinct()
    return seeds, filters


def list_published_seeds_of(organization: Organization) -> QuerySet[SeedPage]:
    return list_published_seeds().filter(organization=organization)


def list_seeds_for_member(organization: Organization) -> QuerySet[SeedPage]:
    """All of an organisation's seeds, drafts included: for its own members only."""
    return (
        SeedPage.objects.filter(organization=organization)
        .select_related("latest_revision")
        .order_by("-latest_revision_created_at", "-pk")
    )


def get_seed_index() -> SeedIndexPage | None:
    return SeedIndexPage.objects.first()


def can_edit_seed(user: User, seed: SeedPage) -> bool:
    return is_member_of(user, seed.organization)


def seed_state_label(seed: SeedPage) -> str:
    """What a member needs to know about their seed, in one phrase."""
    in_review = seed.workflow_in_progress
    if needs_changes(seed):
        return _("Changes requested by the coordinator")
    if seed.live:
        if in_review:
            return _("Published; changes in review")
        if seed.has_unpublished_changes:
            return _("Published; changes not submitted")
        return _("Published")
    if in_review:
        return _("In review")
    return _("Draft")
