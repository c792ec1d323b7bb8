"""Reads of matches for the curation pages and for each role.

Who sees what (issue 3): coordinators see every suggestion; department staff
see the accepted (curated) matches of their own department's needs; members
see the published needs suggested for their own organisation's published
seeds. Nobody sees suggestions about anyone else's content.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet

from hack.accounts.models import Department, Organization, User
from hack.accounts.roles import is_coordinator, is_member_of
from hack.core.filters import ListFilters
from hack.needs.choices import Stage
from hack.needs.models import NeedPage
from hack.needs.selectors import list_published_needs
from hack.seeds.models import SeedPage
from hack.seeds.selectors import list_published_seeds

from . import match_types
from .engine import get_corpora
from .explain import explain_pair
from .forms import QueueFilterForm
from .match_types import MatchType
from .models import CurationEvent, Embedding, Match, MatchState

# How many needs a member sees for one seed.
NEEDS_PER_SEED = 10


# --- Coordinators --------------------------------------------------------------


def list_queue(params) -> tuple[QuerySet[NeedPage], ListFilters]:
    """Published needs with their suggestion counts; undecided work first."""
    filters = ListFilters(QueueFilterForm(params))
    needs = list_published_needs().annotate(
        suggested_count=Count(
            "matches", filter=Q(matches__state=MatchState.SUGGESTED), distinct=True
        ),
        accepted_count=Count(
            "matches", filter=Q(matches__state=MatchState.ACCEPTED), distinct=True
        ),
        rejected_count=Count(
            "matches", filter=Q(matches__state=MatchState.REJECTED), distinct=True
        ),
        pinned_count=Count("matches", filter=Q(matches__pinned=True), distinct=True),
    )
    if value := filters.values.get("field"):
        needs = needs.filter(field=value)
    if value := filters.values.get("department"):
        needs = needs.filter(department__slug=value)
    if filters.values.get("undecided") == "yes":
        needs = needs.filter(suggested_count__gt=0)
    elif filters.values.get("undecided") == "no":
        needs = needs.filter(suggested_count=0)
    needs = needs.order_by(F("suggested_count").desc(), "-first_published_at", "-pk")
    return needs, filters


def _events():
    return Prefetch("events", queryset=CurationEvent.objects.select_related("actor"))


def _ordered(matches: QuerySet[Match]) -> QuerySet[Match]:
    # Pinned first, then the matcher's rank; decided pairs that left the top
    # suggestions (rank None) last, strongest first.
    return matches.order_by("-pinned", F("rank").asc(nulls_last=True), "-score", "pk")


@dataclass
class TypeGroup:
    match_type: int
    label: str
    matches: list[Match] = field(default_factory=list)


def group_by_type(matches) -> list[TypeGroup]:
    """One group per matching type (1, 2, 3), in that order, keeping the order."""
    groups = {t.value: TypeGroup(t.value, t.label) for t in MatchType}
    for match in matches:
        groups[match.match_type].matches.append(match)
    return list(groups.values())


def list_matches_for_curation(need: NeedPage) -> list[Match]:
    """Every pair of the need (all states), with the seed and the curation log."""
    return list(
        _ordered(
            Match.objects.filter(need=need)
            .select_related("need", "seed", "seed__organization", "decided_by")
            .prefetch_related(_events())
        )
    )


def is_text_truncated(page_id: int) -> bool:
    """Whether only the beginning of the page's text takes part in matching."""
    return Embedding.objects.filter(
        page_id=page_id, is_current=True, truncated=True
    ).exists()


def get_match_for_curation(pk: int) -> Match | None:
    return Match.objects.select_related("need", "seed").filter(pk=pk).first()


# --- Department staff ----------------------------------------------------------


def can_view_department_need(user: User, need: NeedPage) -> bool:
    if is_coordinator(user):
        return True
    return (
        user.is_authenticated
        and user.department_id is not None
        and user.department_id == need.department_id
    )


def list_department_needs(department: Department) -> QuerySet[NeedPage]:
    """The department's published needs with how many matches were accepted."""
    return (
        list_published_needs()
        .filter(department=department)
        .annotate(
            accepted_count=Count(
                "matches",
                filter=Q(
                    matches__state=MatchState.ACCEPTED,
                    matches__seed__in=list_published_seeds().values("pk"),
                ),
            )
        )
    )


def list_curated_matches(need: NeedPage) -> list[Match]:
    """The accepted matches of a need whose seed is still published."""
    return list(
        _ordered(
            Match.objects.filter(
                need=need,
                state=MatchState.ACCEPTED,
                seed__in=list_published_seeds().values("pk"),
            ).select_related("need", "seed", "seed__organization")
        )
    )


# --- Organisation members ------------------------------------------------------


def can_view_seed_suggestions(user: User, seed: SeedPage) -> bool:
    return is_coordinator(user) or is_member_of(user, seed.organization)


def list_member_seeds(organization: Organization) -> QuerySet[SeedPage]:
    return list_published_seeds().filter(organization=organization)


def is_seed_published(seed: SeedPage) -> bool:
    return list_published_seeds().filter(pk=seed.pk).exists()


@dataclass
class SuggestedNeed:
    need: NeedPage
    accepted: bool
    match_type: int
    type_reason: str
    similar_sentences: list[dict]
    shared_terms: list[str]

    @property
    def open_for_ideas(self) -> bool:
        return self.need.stage == Stage.OPEN_FOR_IDEAS

    @property
    def match_type_label(self) -> str:
        return MatchType(self.match_type).label


def list_suggested_needs(seed: SeedPage) -> list[SuggestedNeed] | None:
    """Published needs suggested for a published seed; None while it is analysed.

    Needs with an open idea call come first, then the ones a coordinator
    accepted, then by rank. Pairs a coordinator rejected are left out; those
    they accepted are included even when they are not in the top ten.
    """
    corpora = get_corpora()
    seed_item = corpora.seeds.get(seed.pk)
    if seed_item is None:
        return None
    decided = dict(
        Match.objects.filter(seed=seed)
        .exclude(state=MatchState.SUGGESTED)
        .values_list("need_id", "state")
    )
    rejected = [k for k, v in decided.items() if v == MatchState.REJECTED]
    scored = corpora.needs.rank(seed_item, k=NEEDS_PER_SEED + len(rejected))
    order = [s.key for s in scored if decided.get(s.key) != MatchState.REJECTED]
    order = order[:NEEDS_PER_SEED]
    accepted = [k for k, v in decided.items() if v == MatchState.ACCEPTED]
    order += [k for k in accepted if k not in order]
    needs = list_published_needs().in_bulk(order)
    embeddings = {
        e.page_id: e
        for e in Embedding.objects.filter(
            page_id__in=[*order, seed.pk],
            model_name=corpora.model_name,
            is_current=True,
        )
    }
    seed_embedding = embeddings.get(seed.pk)
    rows = []
    for position, need_id in enumerate(order):
        need = needs.get(need_id)
        if need is None:
            continue
        label = match_types.label_pair(
            specificity=need.specificity,
            maturity=seed.maturity,
            deployments=seed.deployments,
        )
        need_embedding = embeddings.get(need_id)
        explanation = (
            explain_pair(need_embedding, seed_embedding)
            if need_embedding and seed_embedding
            else None
        )
        rows.append(
            (
                position,
                SuggestedNeed(
                    need=need,
                    accepted=decided.get(need_id) == MatchState.ACCEPTED,
                    match_type=label.match_type,
                    type_reason=label.reason,
                    similar_sentences=(
                        explanation.similar_sentences if explanation else []
                    ),
                    shared_terms=explanation.shared_terms if explanation else [],
                ),
            )
        )
    rows.sort(key=lambda r: (not r[1].open_for_ideas, not r[1].accepted, r[0]))
    return [row for _, row in rows]
