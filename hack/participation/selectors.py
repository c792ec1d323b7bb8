"""Reads for the participation figures (参加者数): who took part and when, the
funnel from needs to implementation, and the lead times between the steps.

Who counts as a participant
---------------------------
A distinct person (an account) who took part in the co-creation, counted once,
in the fiscal-year period of their first participation. Taking part means one of
these recorded, dated facts:

* writing a need that is published (the need page's author, on its first
  publication), for department staff and coordinators;
* writing a seed that is published (the seed page's author, on its first
  publication), for members of organisations;
* writing or submitting a proposal the city has received: submitted,
  shortlisted, invited or declined, on its submission (drafts and proposals taken
  back by the organisation do not count);
* being a member of a working group, from the day they joined (also someone
  who has left since: they took part).

Drafts, pages taken offline and private pages never count. Someone whose first
participation is before the first period counts in the first period.

Every function runs a fixed number of queries whatever the amount of data:
aggregates per person or per need, never a query per row.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import mean, median

from django.db.models import Count, Min

from hack.calls.models import (
    REVIEWABLE_STATUSES,
    Proposal,
    ProposalStatus,
    ProposalStatusChange,
)
from hack.needs.choices import Stage
from hack.needs.models import NeedPage, NeedStageChange
from hack.seeds.models import SeedPage
from hack.workspaces.models import GroupMember, WorkingGroup

from . import periods as fiscal
from .models import ParticipationTarget
from .periods import Period

SECONDS_PER_DAY = 86_400


# Periods ------------------------------------------------------------------


def list_targets():
    return ParticipationTarget.objects.select_related("updated_by").order_by(
        "fiscal_year"
    )


def list_periods(*, targets=None, include_future: bool = True) -> list[Period]:
    """Every period from the first target to the later of the last target and
    the current fiscal year; years without a target appear without one."""
    current = fiscal.current_fiscal_year()
    if targets is None:
        targets = list(list_targets())
    by_year = {target.fiscal_year: target for target in targets}
    first = min([*by_year, current])
    last = max([*by_year, current]) if include_future else current
    result = []
    for year in range(first, last + 1):
        target = by_year.get(year)
        result.append(
            Period(
                fiscal_year=year,
                label=target.label if target else "",
                target=target.cumulative_target if target else None,
                state=fiscal.state_of(year, current),
                target_id=target.pk if target else None,
            )
        )
    return result


def get_current_period(periods: list[Period]) -> Period | None:
    return next((period for period in periods if period.is_current), None)


# Participants -------------------------------------------------------------


def _earliest(firsts: dict[int, datetime], rows) -> None:
    for user_id, moment in rows:
        if user_id is None or moment is None:
            continue
        known = firsts.get(user_id)
        if known is None or moment < known:
            firsts[user_id] = moment


def get_first_participations() -> dict[int, datetime]:
    """Each participant's id and the moment of their first participation.
    Five queries (plus one per page type for view restrictions)."""
    firsts: dict[int, datetime] = {}
    for model in (NeedPage, SeedPage):
        _earliest(
            firsts,
            model.objects.live()
            .public()
            .filter(owner__isnull=False, first_published_at__isnull=False)
            .values("owner")
            .annotate(first=Min("first_published_at"))
            .values_list("owner", "first"),
        )
    received = Proposal.objects.filter(
        status__in=REVIEWABLE_STATUSES, submitted_at__isnull=False
    )
    _earliest(
        firsts,
        received.filter(created_by__isnull=False)
        .values("created_by")
        .annotate(first=Min("submitted_at"))
        .values_list("created_by", "first"),
    )
    # Whoever pressed “submit”, when it was not the author.
    _earliest(
        firsts,
        ProposalStatusChange.objects.filter(
            to_status=ProposalStatus.SUBMITTED,
            changed_by__isnull=False,
            proposal__in=received,
        )
        .values("changed_by")
        .annotate(first=Min("changed_at"))
        .values_list("changed_by", "first"),
    )
    _earliest(
        firsts,
        GroupMember.objects.values("user")
        .annotate(first=Min("joined_at"))
        .values_list("user", "first"),
    )
    return firsts


@dataclass(frozen=True)
class PeriodParticipants:
    period: Period
    new: int | None  # None for a period that has not started
    cumulative: int | None

    @property
    def target(self) -> int | None:
        return self.period.target

    @property
    def percent(self) -> int | None:
        """Percent of the period's target reached, rounded down (99.9 % is not
        100 %)."""
        if self.cumulative is None or not self.target:
            return None
        return self.cumulative * 100 // self.target

    @property
    def remaining(self) -> int | None:
        if self.cumulative is None or not self.target:
            return None
        return max(self.target - self.cumulative, 0)

    @property
    def reached(self) -> bool:
        return self.percent is not None and self.percent >= 100


def _bucket(periods: list[Period], fiscal_year: int) -> int | None:
    """Index of the period a fiscal year counts in: years before the first
    period count in the first; years after the current one are not counted."""
    started = [period for period in periods if period.has_started]
    if not started:
        return None
    fiscal_year = max(fiscal_year, started[0].fiscal_year)
    if fiscal_year > started[-1].fiscal_year:
        return None
    return fiscal_year - periods[0].fiscal_year


def participants_by_period(*, periods: list[Period] | None = None):
    """Per period: new participants, the cumulative count, the target and the
    percentage of the target reached."""
    periods = list_periods() if periods is None else periods
    new = [0] * len(periods)
    for moment in get_first_participations().values():
        index = _bucket(periods, fiscal.fiscal_year_of(moment))
        if index is not None:
            new[index] += 1
    result, total = [], 0
    for period, count in zip(periods, new, strict=True):
        if not period.has_started:
            result.append(PeriodParticipants(period=period, new=None, cumulative=None))
            continue
        total += count
        result.append(PeriodParticipants(period=period, new=count, cumulative=total))
    return result


def current_count() -> int:
    """Everyone who has taken part so far (up to the current fiscal year, as
    the periods count them)."""
    current = fiscal.current_fiscal_year()
    return sum(
        1
        for moment in get_first_participations().values()
        if fiscal.fiscal_year_of(moment) <= current
    )


# Funnel -------------------------------------------------------------------

FUNNEL_STEPS = ("needs", "proposals", "groups", "pilots", "implemented")


@dataclass(frozen=True)
class FunnelRow:
    period: Period
    needs: int
    proposals: int
    groups: int
    pilots: int
    implemented: int

    def values(self) -> list[int]:
        return [getattr(self, step) for step in FUNNEL_STEPS]


def _counts_by_year(queryset, column: str) -> dict[int, int]:
    return dict(
        queryset.annotate(fy=fiscal.fiscal_year_expression(column))
        .values("fy")
        .annotate(n=Count("pk"))
        .values_list("fy", "n")
        .order_by()
    )


def _needs_reaching(stage: str) -> dict[int, datetime]:
    """Each live need that reached a stage, and when it first did."""
    return dict(
        NeedStageChange.objects.filter(to_stage=stage, need__live=True)
        .values("need")
        .annotate(first=Min("changed_at"))
        .values_list("need", "first")
        .order_by()
    )


def funnel_by_period(*, periods: list[Period] | None = None) -> list[FunnelRow]:
    """Per period that has started: needs published, proposals submitted,
    working groups formed, needs that became pilots, needs implemented."""
    periods = list_periods() if periods is None else periods
    counts = {
        "needs": _counts_by_year(
            NeedPage.objects.live().public().filter(first_published_at__isnull=False),
            "first_published_at",
        ),
        "proposals": _counts_by_year(
            Proposal.objects.filter(
                status__in=REVIEWABLE_STATUSES, submitted_at__isnull=False
            ),
            "submitted_at",
        ),
        "groups": _counts_by_year(WorkingGroup.objects.all(), "created_at"),
    }
    for step, stage in (("pilots", Stage.PILOT), ("implemented", Stage.IMPLEMENTED)):
        by_year: dict[int, int] = {}
        for moment in _needs_reaching(stage).values():
            year = fiscal.fiscal_year_of(moment)
            by_year[year] = by_year.get(year, 0) + 1
        counts[step] = by_year
    rows = [[0] * len(FUNNEL_STEPS) for _ in periods]
    for column, step in enumerate(FUNNEL_STEPS):
        for year, count in counts[step].items():
            index = _bucket(periods, year)
            if index is not None:
                rows[index][column] += count
    return [
        FunnelRow(period, *values)
        for period, values in zip(periods, rows, strict=True)
        if period.has_started
    ]


def funnel_totals(rows: list[FunnelRow]) -> dict[str, int]:
    return {step: sum(getattr(row, step) for row in rows) for step in FUNNEL_STEPS}


# Lead times ---------------------------------------------------------------

LEAD_STEPS = ("proposal", "group", "pilot")


@dataclass(frozen=True)
class NeedLeadTime:
    need: NeedPage
    published_at: datetime
    proposal_at: datetime | None
    group_at: datetime | None
    pilot_at: datetime | None

    def _days(self, moment: datetime | None) -> float | None:
        if moment is None:
            return None
        # Something recorded before the need's first publication (possible only
        # in imported data) counts as the same day, never as negative time.
        seconds = max((moment - self.published_at).total_seconds(), 0)
        return seconds / SECONDS_PER_DAY

    @property
    def proposal_days(self) -> float | None:
        return self._days(self.proposal_at)

    @property
    def group_days(self) -> float | None:
        return self._days(self.group_at)

    @property
    def pilot_days(self) -> float | None:
        return self._days(self.pilot_at)


@dataclass(frozen=True)
class LeadTimeSummary:
    step: str
    count: int
    median: float | None
    mean: float | None


@dataclass
class LeadTimes:
    needs: list[NeedLeadTime] = field(default_factory=list)
    summaries: list[LeadTimeSummary] = field(default_factory=list)

    @property
    def published_count(self) -> int:
        return len(self.needs)


def lead_times() -> LeadTimes:
    """For every published need: days from its first publication to its first
    submitted proposal, its first working group and its pilot; with the median
    and mean of each over the needs that got there. Five queries."""
    first_proposal = dict(
        Proposal.objects.filter(
            status__in=REVIEWABLE_STATUSES, submitted_at__isnull=False
        )
        .values("call__need")
        .annotate(first=Min("submitted_at"))
        .values_list("call__need", "first")
        .order_by()
    )
    first_group = dict(
        WorkingGroup.objects.values("need")
        .annotate(first=Min("created_at"))
        .values_list("need", "first")
        .order_by()
    )
    pilot = _needs_reaching(Stage.PILOT)
    needs = (
        NeedPage.objects.live()
        .public()
        .filter(first_published_at__isnull=False)
        .select_related("department")
        .only(
            "id",
            "title",
            "url_path",
            "first_published_at",
            "department__bureau",
            "department__section",
        )
        .order_by("-first_published_at", "-pk")
    )
    rows = [
        NeedLeadTime(
            need=need,
            published_at=need.first_published_at,
            proposal_at=first_proposal.get(need.pk),
            group_at=first_group.get(need.pk),
            pilot_at=pilot.get(need.pk),
        )
        for need in needs
    ]
    summaries = []
    for step in LEAD_STEPS:
        days = [
            value for row in rows if (value := getattr(row, f"{step}_days")) is not None
        ]
        summaries.append(
            LeadTimeSummary(
                step=step,
                count=len(days),
                median=median(days) if days else None,
                mean=mean(days) if days else None,
            )
        )
    return LeadTimes(needs=rows, summaries=summaries)


# The page ---------------------------------------------------------------


@dataclass
class Figures:
    periods: list[Period]
    participants: list[PeriodParticipants]
    funnel: list[FunnelRow]
    current: PeriodParticipants | None
    latest_target: PeriodParticipants | None
    total: int
    today: date


def get_figures() -> Figures:
    """Everything the public page shows, in a fixed number of queries."""
    periods = list_periods()
    participants = participants_by_period(periods=periods)
    current = next((row for row in participants if row.period.is_current), None)
    # The last period with a target that has started: the reference when the
    # current year has none yet.
    latest_target = next(
        (
            row
            for row in reversed(participants)
            if row.period.has_started and row.period.target
        ),
        None,
    )
    started = [row for row in participants if row.cumulative is not None]
    return Figures(
        periods=periods,
        participants=participants,
        funnel=funnel_by_period(periods=periods),
        current=current,
        latest_target=latest_target,
        total=started[-1].cumulative if started else 0,
        today=fiscal.city_today(),
    )
