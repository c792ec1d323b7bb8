"""Reads of idea calls and proposals, and the rules of who may see what.

Confidentiality lives here: a proposal's body and attachments are readable by
the proposing organisation's members, the need's department staff and the
coordinators, and by no one else. Reviewers never see a draft or a withdrawn
proposal: until it is sent, it belongs to the organisation alone.
"""

import statistics
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from hack.accounts.models import Membership, User
from hack.accounts.roles import COORDINATORS_GROUP, is_coordinator

from .models import (
    REVIEWABLE_STATUSES,
    CallQuestion,
    IdeaCall,
    Proposal,
    ProposalStatus,
    Review,
    RubricCriterion,
)


def _live_need_filter(prefix: str = "need__") -> Q:
    # Only calls on needs the public can see: live, and no view restriction.
    return Q(**{f"{prefix}live": True}) & Q(
        **{f"{prefix}view_restrictions__isnull": True}
    )


def list_public_calls() -> QuerySet[IdeaCall]:
    return IdeaCall.objects.filter(_live_need_filter()).select_related("need")


def list_open_calls(now=None) -> QuerySet[IdeaCall]:
    now = now or timezone.now()
    return list_public_calls().filter(opens_at__lte=now, closes_at__gt=now)


def count_open_calls() -> int:
    return list_open_calls().count()


def count_submitted_proposals() -> int:
    return Proposal.objects.filter(status__in=REVIEWABLE_STATUSES).count()


def get_current_call(need) -> IdeaCall | None:
    """The call a need page shows: the open or upcoming one, else the last one."""
    now = timezone.now()
    calls = IdeaCall.objects.filter(need=need)
    return (
        calls.filter(closes_at__gt=now).order_by("opens_at").first()
        or calls.order_by("-closes_at").first()
    )


def get_public_call(pk: int) -> IdeaCall | None:
    return list_public_calls().filter(pk=pk).first()


def list_answered_questions(call: IdeaCall) -> QuerySet[CallQuestion]:
    return call.questions.filter(answered_at__isnull=False).order_by("answered_at")


def list_questions_of(call: IdeaCall, user: User) -> QuerySet[CallQuestion]:
    if not user.is_authenticated:
        return CallQuestion.objects.none()
    return call.questions.filter(asked_by=user)


# Roles -------------------------------------------------------------------


def can_manage_call(user: User, need) -> bool:
    """Department staff of the need, and coordinators."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_coordinator(user):
        return True
    return user.department_id is not None and user.department_id == need.department_id


def is_proposal_member(user: User, proposal: Proposal) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and Membership.objects.filter(
            user=user, organization_id=proposal.organization_id
        ).exists()
    )


def is_city_reader(user: User, proposal: Proposal) -> bool:
    """City staff who may read this proposal (their reads are recorded)."""
    return proposal.status in REVIEWABLE_STATUSES and can_manage_call(
        user, proposal.call.need
    )


def can_read_proposal(user: User, proposal: Proposal) -> bool:
    return is_proposal_member(user, proposal) or is_city_reader(user, proposal)


def can_edit_proposal(user: User, proposal: Proposal) -> bool:
    return (
        is_proposal_member(user, proposal)
        and proposal.call.is_open
        and proposal.status in (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED)
    )


def can_see_access_log(user: User) -> bool:
    return is_coordinator(user)


# Lists -------------------------------------------------------------------


def list_proposals_of(organization) -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(organization=organization)
        .select_related("call", "call__need")
        .order_by("-updated_at")
    )


def get_proposal_of(organization, call: IdeaCall) -> Proposal | None:
    if organization is None:
        return None
    return Proposal.objects.filter(organization=organization, call=call).first()


def list_calls_to_manage(user: User) -> QuerySet[IdeaCall]:
    calls = IdeaCall.objects.select_related("need", "need__department")
    if is_coordinator(user):
        return calls
    if user.is_authenticated and user.department_id:
        return calls.filter(need__department_id=user.department_id)
    return calls.none()


def list_reviewers(call: IdeaCall) -> list[User]:
    """Everyone expected to score the call's proposals: the department's active
    staff and the coordinators."""
    department_id = call.need.department_id
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(department_id=department_id)
            | Q(groups__name=COORDINATORS_GROUP)
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("pk")
    )


def list_department_staff(call: IdeaCall) -> list[User]:
    """The reviewers from the need's own department (not the coordinators)."""
    return [
        user
        for user in list_reviewers(call)
        if user.department_id == call.need.department_id
    ]


@dataclass
class ReviewSummary:
    proposal: Proposal
    average: float | None
    spread: int | None  # highest minus lowest reviewer average, in points
    scored_by: list[User] = field(default_factory=list)
    not_scored: list[User] = field(default_factory=list)
    conflicted: list[User] = field(default_factory=list)


def _complete(review: Review, criteria_count: int) -> bool:
    return not review.conflict_of_interest and len(review.scores.all()) >= max(
        criteria_count, 1
    )


def summarise_reviews(call: IdeaCall) -> list[ReviewSummary]:
    """Each reviewable proposal with its average, spread and who has not scored.

    A reviewer's mark for a proposal is the mean of their criterion scores; the
    average is over reviewers, the spread is the gap between the highest and
    lowest reviewer, so a split panel shows even when the mean looks fine.
    """
    criteria_count = call.criteria.count()
    reviewers = list_reviewers(call)
    proposals = (
        call.proposals.filter(status__in=REVIEWABLE_STATUSES)
        .select_related("organization")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.select_related("reviewer").prefetch_related(
                    "scores"
                ),
            )
        )
        .order_by("submitted_at", "pk")
    )
    summaries = []
    for proposal in proposals:
        reviews = list(proposal.reviews.all())
        conflicted = [r.reviewer for r in reviews if r.conflict_of_interest]
        complete = [r for r in reviews if _complete(r, criteria_count)]
        marks = [statistics.mean(s.score for s in r.scores.all()) for r in complete]
        done_ids = {r.reviewer_id for r in complete} | {u.pk for u in conflicted}
        summaries.append(
            ReviewSummary(
                proposal=proposal,
                average=round(statistics.mean(marks), 2) if marks else None,
                spread=round(max(marks) - min(marks), 2) if len(marks) > 1 else None,
                scored_by=[r.reviewer for r in complete],
                not_scored=[u for u in reviewers if u.pk not in done_ids],
                conflicted=conflicted,
            )
        )
    return summaries


def get_review(proposal: Proposal, user: User) -> Review | None:
    return (
        Review.objects.filter(proposal=proposal, reviewer=user)
        .prefetch_related("scores")
        .first()
    )


def has_declared_conflict(user: User, proposal: Proposal) -> bool:
    return (
        user.is_authenticated
        and Review.objects.filter(
            proposal=proposal, reviewer=user, conflict_of_interest=True
        ).exists()
    )


def list_criteria(call: IdeaCall) -> QuerySet[RubricCriterion]:
    return call.criteria.all()


def list_drafters_of(call: IdeaCall) -> QuerySet[User]:
    """Members of organisations with an unsent draft for the call."""
    organization_ids = call.proposals.filter(status=ProposalStatus.DRAFT).values(
        "organization_id"
    )
    return User.objects.filter(
        is_active=True, memberships__organization_id__in=organization_ids
    ).distinct()
