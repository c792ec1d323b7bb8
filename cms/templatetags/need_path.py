"""The whole path of a need in one timeline, on its public page:
published → idea call → proposals → working group → pilot → implemented → case
study.

Only public information: dates, counts, the working group's name, the pilot's
start and status, and a case study once it is live. Never a proposal's title or
text, never a draft or unpublished page. `get_need_path` also feeds the timeline
of a case study drafted from a pilot (cms/pilot_case_studies.py).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hack.calls.models import REVIEWABLE_STATUSES, IdeaCall, Proposal
from hack.needs.choices import Stage
from hack.needs.models import NeedPage, NeedStageChange
from hack.pilots.models import PilotStatus
from hack.pilots.selectors import list_pilots_of_need
from hack.workspaces.models import WorkingGroup

register = template.Library()


class StepState:
    DONE = "done"
    CURRENT = "current"
    SKIPPED = "skipped"
    UPCOMING = "upcoming"


STATE_LABELS = {
    StepState.DONE: _("Done"),
    StepState.CURRENT: _("Current step"),
    StepState.SKIPPED: _("Skipped"),
    StepState.UPCOMING: _("Not yet"),
}
CLOSED_UPCOMING_LABEL = _("Not reached")


@dataclass
class PathStep:
    key: str
    label: str
    reached: bool = False
    on: date | None = None
    detail: str = ""
    url: str = ""
    state: str = StepState.UPCOMING

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def _day(moment) -> date | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return (
            timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
        )
    return moment


def _stage_dates(need: NeedPage) -> dict[str, date]:
    """The first day the need entered each stage."""
    dates: dict[str, date] = {}
    for change in NeedStageChange.objects.filter(need=need).order_by("changed_at"):
        dates.setdefault(change.to_stage, _day(change.changed_at))
    return dates


def _public_case_study(need: NeedPage):
    from cms.selectors import list_published_case_studies

    return list_published_case_studies().filter(need=need).first()


def get_need_path(need: NeedPage) -> list[PathStep]:
    now = timezone.now()
    stages = _stage_dates(need)
    steps = []

    published = PathStep("published", _("Need published"))
    published.reached = bool(need.live and need.first_published_at)
    published.on = _day(need.first_published_at)
    steps.append(published)

    calls = IdeaCall.objects.filter(need=need).order_by("opens_at")
    first_opened = calls.filter(opens_at__lte=now).first()
    idea_call = PathStep("idea_call", _("Idea call"))
    if first_opened is not None:
        idea_call.reached = True
        idea_call.on = _day(first_opened.opens_at)
        idea_call.detail = str(_("Call opened"))
    elif Stage.OPEN_FOR_IDEAS in stages:
        idea_call.reached = True
        idea_call.on = stages[Stage.OPEN_FOR_IDEAS]
    elif (scheduled := calls.first()) is not None:
        idea_call.detail = str(_("Opens on %(date)s")) % {
            "date": _day(scheduled.opens_at).isoformat()
        }
    if calls.exists():
        idea_call.url = f"{need.url}#idea-call" if need.url else ""
    steps.append(idea_call)

    # A count and the day of the first one: nothing about what was proposed.
    submitted = Proposal.objects.filter(call__need=need, status__in=REVIEWABLE_STATUSES)
    count = submitted.count()
    proposals = PathStep("proposals", _("Proposals"))
    if count:
        proposals.reached = True
        first = submitted.exclude(submitted_at=None).order_by("submitted_at").first()
        proposals.on = _day(first.submitted_at) if first else None
        proposals.detail = ngettext(
            "%(count)d proposal received", "%(count)d proposals received", count
        ) % {"count": count}
    steps.append(proposals)

    group = WorkingGroup.objects.filter(need=need).order_by("created_at").first()
    working_group = PathStep("working_group", _("Working group"))
    if group is not None:
        working_group.reached = True
        working_group.on = _day(group.created_at)
        working_group.detail = group.title
    elif Stage.WORKING_GROUP in stages:
        working_group.reached = True
        working_group.on = stages[Stage.WORKING_GROUP]
    steps.append(working_group)

    pilots = list(list_pilots_of_need(need))
    active = [p for p in pilots if p.status != PilotStatus.CANCELLED]
    pilot = (active or pilots or [None])[-1]
    pilot_step = PathStep("pilot", _("Pilot project"))
    if pilot is not None:
        pilot_step.reached = True
        pilot_step.on = pilot.starts_on
        pilot_step.detail = str(PilotStatus(pilot.status).label)
    elif Stage.PILOT in stages:
        pilot_step.reached = True
        pilot_step.on = stages[Stage.PILOT]
    steps.append(pilot_step)

    implemented = PathStep("implemented", _("Implemented"))
    if Stage.IMPLEMENTED in stages or need.stage == Stage.IMPLEMENTED:
        implemented.reached = True
        implemented.on = stages.get(Stage.IMPLEMENTED) or _day(need.stage_changed_at)
    steps.append(implemented)

    case = _public_case_study(need)
    case_study = PathStep("case_study", _("Case study"))
    if case is not None:
        case_study.reached = True
        case_study.on = _day(case.first_published_at)
        case_study.detail = case.title
        case_study.url = case.url or ""
    steps.append(case_study)

    reached = [i for i, step in enumerate(steps) if step.reached]
    furthest = reached[-1] if reached else -1
    # A live case study completes the path: every reached step is done then.
    complete = furthest == len(steps) - 1
    for index, step in enumerate(steps):
        if index == furthest and not complete:
            step.state = StepState.CURRENT
        elif step.reached:
            step.state = StepState.DONE
        elif index < furthest:
            step.state = StepState.SKIPPED
        else:
            step.state = StepState.UPCOMING
    return steps


@register.inclusion_tag("cms/includes/need_path.html")
def need_path(need):
    if not isinstance(need, NeedPage) or need.pk is None or not need.live:
        return {"steps": []}
    closed = need.stage == Stage.CLOSED
    steps = get_need_path(need)
    return {
        "steps": steps,
        "closed": closed,
        "closed_on": (
            _stage_dates(need).get(Stage.CLOSED) or _day(need.stage_changed_at)
            if closed
            else None
        ),
        "upcoming_label": CLOSED_UPCOMING_LABEL if closed else STATE_LABELS["upcoming"],
    }
