"""Writes for pilot projects.

Each function checks who may do it and the rules, and writes inside one
transaction. Views, the demo and cms (drafting a case study) call these; nothing
else writes the models.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hack.accounts.models import Organization, User
from hack.calls.models import Proposal, ProposalStatus
from hack.needs.choices import Stage, allowed_next_stages
from hack.needs.models import NeedPage
from hack.needs.services import change_need_stage
from hack.workspaces.models import GroupStatus, MemberRole, WorkingGroup
from hack.workspaces.selectors import can_manage_group, list_active_members
from hack.workspaces.services import mark_group_as_pilot

from . import selectors
from .models import (
    MAX_GOALS,
    MAX_MILESTONES,
    NOTE_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    GoalKind,
    Milestone,
    Pilot,
    PilotGoal,
    PilotStatus,
)

# DecimalField(max_digits=14, decimal_places=2)
MAX_VALUE = Decimal("999999999999.99")


# Helpers ---------------------------------------------------------------------


def _lock(pilot: Pilot) -> Pilot:
    return Pilot.objects.select_for_update().get(pk=pilot.pk)


def _require_editor(pilot: Pilot, by: User) -> None:
    if not selectors.can_edit_pilot(by, pilot):
        raise PermissionDenied(
            _("Only coordinators and the department in charge can change a pilot.")
        )


def _require_open(pilot: Pilot) -> None:
    if not pilot.is_open:
        raise ValidationError(
            _("This pilot is %(status)s: it can no longer be changed.")
            % {"status": PilotStatus(pilot.status).label}
        )


def start_due_pilots() -> int:
    """Planned pilots whose first day has come (city date) become running.
    For cron (`run_pilot_schedule`); idempotent. Returns how many started."""
    return Pilot.objects.filter(
        status=PilotStatus.PLANNED, starts_on__lte=timezone.localdate()
    ).update(status=PilotStatus.RUNNING)


def _status_for(starts_on: date) -> str:
    return (
        PilotStatus.PLANNED if starts_on > timezone.localdate() else PilotStatus.RUNNING
    )


def _clean_text(value: str | None, *, field: str, limit: int, required=False):
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > limit:
        raise ValidationError(
            {
                field: _("Use at most %(count)s characters (you used %(used)s).")
                % {"count": limit, "used": len(value)}
            }
        )
    return value


def _clean_period(starts_on, ends_on) -> tuple[date, date]:
    errors = {}
    if not isinstance(starts_on, date):
        errors["starts_on"] = _("Give the date the pilot starts.")
    if not isinstance(ends_on, date):
        errors["ends_on"] = _("Give the date the pilot ends.")
    if errors:
        raise ValidationError(errors)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The pilot cannot end before it starts.")})
    return starts_on, ends_on


def _clean_number(value, *, field: str, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("Give a target value.")})
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite() or abs(number) > MAX_VALUE:
        raise ValidationError(
            {field: _("Enter a number between -999,999,999,999 and 999,999,999,999.")}
        )
    return number.quantize(Decimal("0.01"))


def _clean_progress(value) -> int:
    """A whole number from 0 to 100: 12.5, "50%" or True are refused."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationError(
            {"progress": _("Progress is a percentage: a whole number from 0 to 100.")}
        )
    return value


def _move_need(need: NeedPage, to: str, by: User) -> None:
    need.refresh_from_db(fields=["stage"])
    if to in allowed_next_stages(need.stage):
        change_need_stage(need=need, to=to, by=by)


def _require_need_open(need: NeedPage) -> None:
    if not need.live:
        raise ValidationError(_("A pilot needs a published need."))
    if need.stage == Stage.CLOSED:
        raise ValidationError(_("This need is closed."))
    if need.department_id is None:
        raise ValidationError(_("This need has no department in charge."))


def _create(
    *,
    need: NeedPage,
    by: User,
    title: str,
    summary: str,
    starts_on,
    ends_on,
    organizations: list[Organization],
    group: WorkingGroup | None = None,
    proposal: Proposal | None = None,
) -> Pilot:
    errors = {}
    try:
        title = _clean_text(title, field="title", limit=TITLE_MAX_LENGTH, required=True)
    except ValidationError as error:
        errors.update(error.error_dict)
    try:
        summary = _clean_text(summary, field="summary", limit=SUMMARY_MAX_LENGTH)
    except ValidationError as error:
        errors.update(error.error_dict)
    try:
        starts_on, ends_on = _clean_period(starts_on, ends_on)
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    pilot = Pilot.objects.create(
        need=need,
        group=group,
        proposal=proposal,
        title=title,
        summary=summary,
        department_id=need.department_id,
        starts_on=starts_on,
        ends_on=ends_on,
        status=_status_for(starts_on),
        created_by=by,
    )
    pilot.organizations.set(organizations)
    _move_need(need, Stage.PILOT, by)
    return pilot


# Starting a pilot --------------------------------------------------------------


@transaction.atomic
def start_pilot_from_group(
    *,
    group: WorkingGroup,
    by: User,
    title: str,
    starts_on,
    ends_on,
    summary: str = "",
) -> Pilot:
    """A coordinator or the group's facilitator turns an active working group into
    a pilot: its organisations take part, the group's status becomes "Became a
    pilot" and the need moves to the pilot stage."""
    group = WorkingGroup.objects.select_for_update().get(pk=group.pk)
    if not can_manage_group(by, group):
        raise PermissionDenied(
            _("Only the group's facilitators and coordinators can start a pilot.")
        )
    if group.status != GroupStatus.ACTIVE:
        raise ValidationError(
            _(
                "Only an active working group can become a pilot; this one is "
                "“%(status)s”."
            )
            % {"status": GroupStatus(group.status).label}
        )
    need = NeedPage.objects.get(pk=group.need_id)
    _require_need_open(need)
    organizations = list(
        {
            member.organization.pk: member.organization
            for member in list_active_members(group)
            if member.role == MemberRole.ORGANIZATION and member.organization
        }.values()
    )
    pilot = _create(
        need=need,
        by=by,
        title=title,
        summary=summary,
        starts_on=starts_on,
        ends_on=ends_on,
        organizations=organizations,
        group=group,
    )
    mark_group_as_pilot(group=group, by=by, pilot_title=pilot.title)
    return pilot


@transaction.atomic
def start_pilot_from_proposal(
    *,
    proposal: Proposal,
    by: User,
    title: str,
    starts_on,
    ends_on,
    summary: str = "",
) -> Pilot:
    """A shortlisted (or invited) proposal is tried out directly, with the
    organisation that sent it."""
    proposal = (
        Proposal.objects.select_for_update()
        .select_related("call", "organization")
        .get(pk=proposal.pk)
    )
    need = NeedPage.objects.get(pk=proposal.call.need_id)
    if not selectors.can_edit_pilot_of_need(by, need):
        raise PermissionDenied(
            _("Only coordinators and the department in charge can start a pilot.")
        )
    if proposal.status not in selectors.PILOT_PROPOSAL_STATUSES:
        raise ValidationError(
            _(
                "Only a shortlisted proposal can become a pilot; this one is "
                "“%(status)s”."
            )
            % {"status": ProposalStatus(proposal.status).label}
        )
    if selectors.get_pilot_of_proposal(proposal) is not None:
        raise ValidationError(_("This proposal is already a pilot."))
    _require_need_open(need)
    return _create(
        need=need,
        by=by,
        title=title,
        summary=summary,
        starts_on=starts_on,
        ends_on=ends_on,
        organizations=[proposal.organization],
        proposal=proposal,
    )


# Changing a pilot --------------------------------------------------------------


@transaction.atomic
def update_pilot(
    *, pilot: Pilot, by: User, title: str, summary: str, starts_on, ends_on
) -> Pilot:
    pilot = _lock(pilot)
    _require_editor(pilot, by)
    _require_open(pilot)
    errors = {}
    for name, value, limit, required in (
        ("title", title, TITLE_MAX_LENGTH, True),
        ("summary", summary, SUMMARY_MAX_LENGTH, False),
    ):
        try:
            setattr(
                pilot,
                name,
                _clean_text(value, field=name, limit=limit, required=required),
            )
        except ValidationError as error:
            errors.update(error.error_dict)
    try:
        pilot.starts_on, pilot.ends_on = _clean_period(starts_on, ends_on)
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    pilot.status = _status_for(pilot.starts_on)
    pilot.save()
    return pilot


def _goal_fields(data: dict) -> dict:
    errors = {}
    fields = {}
    try:
        fields["label"] = _clean_text(
            data.get("label"), field="label", limit=200, required=True
        )
    except ValidationError as error:
        errors.update(error.error_dict)
    kind = data.get("kind") or GoalKind.OTHER
    if kind not in GoalKind.values:
        errors["kind"] = [_("Choose one of the kinds.")]
    fields["kind"] = kind
    try:
        fields["unit"] = _clean_text(data.get("unit"), field="unit", limit=40)
    except ValidationError as error:
        errors.update(error.error_dict)
    for name, required in (("baseline", False), ("target", True), ("result", False)):
        try:
            fields[name] = _clean_number(data.get(name), field=name, required=required)
        except ValidationError as error:
            errors.update(error.error_dict)
    fields["higher_is_better"] = bool(data.get("higher_is_better", True))
    try:
        fields["note"] = _clean_text(
            data.get("note"), field="note", limit=NOTE_MAX_LENGTH
        )
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def add_goal(*, pilot: Pilot, by: User, **data) -> PilotGoal:
    """data: label, kind, unit, baseline, target, result, higher_is_better, note."""
    pilot = _lock(pilot)
    _require_editor(pilot, by)
    _require_open(pilot)
    if pilot.goals.count() >= MAX_GOALS:
        raise ValidationError(
            _("A pilot can have at most %(count)s goals.") % {"count": MAX_GOALS}
        )
    fields = _goal_fields(data)
    return PilotGoal.objects.create(pilot=pilot, order=pilot.goals.count(), **fields)


@transaction.atomic
def update_goal(*, goal: PilotGoal, by: User, **data) -> PilotGoal:
    pilot = _lock(goal.pilot)
    _require_editor(pilot, by)
    _require_open(pilot)
    goal = PilotGoal.objects.get(pk=goal.pk, pilot=pilot)
    for name, value in _goal_fields(data).items():
        setattr(goal, name, value)
    goal.save()
    return goal


@transaction.atomic
def remove_goal(*, goal: PilotGoal, by: User) -> None:
    pilot = _lock(goal.pilot)
    _require_editor(pilot, by)
    _require_open(pilot)
    PilotGoal.objects.filter(pk=goal.pk, pilot=pilot).delete()


def _milestone_fields(data: dict) -> dict:
    errors = {}
    fields = {}
    try:
        fields["title"] = _clean_text(
            data.get("title"), field="title", limit=200, required=True
        )
    except ValidationError as error:
        errors.update(error.error_dict)
    due_on = data.get("due_on")
    if not isinstance(due_on, date):
        errors["due_on"] = [_("Give the date the milestone is due.")]
    fields["due_on"] = due_on
    try:
        fields["progress"] = _clean_progress(data.get("progress", 0))
    except ValidationError as error:
        errors.update(error.error_dict)
    try:
        fields["note"] = _clean_text(
            data.get("note"), field="note", limit=NOTE_MAX_LENGTH
        )
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    return fields


def _mark_done(milestone: Milestone) -> None:
    if milestone.progress >= 100 and milestone.done_at is None:
        milestone.done_at = timezone.now()
    elif milestone.progress < 100:
        milestone.done_at = None


@transaction.atomic
def add_milestone(*, pilot: Pilot, by: User, **data) -> Milestone:
    """data: title, due_on, progress (0–100), note."""
    pilot = _lock(pilot)
    _require_editor(pilot, by)
    _require_open(pilot)
    if pilot.milestones.count() >= MAX_MILESTONES:
        raise ValidationError(
            _("A pilot can have at most %(count)s milestones.")
            % {"count": MAX_MILESTONES}
        )
    milestone = Milestone(
        pilot=pilot, order=pilot.milestones.count(), **_milestone_fields(data)
    )
    _mark_done(milestone)
    milestone.save()
    return milestone


@transaction.atomic
def update_milestone(*, milestone: Milestone, by: User, **data) -> Milestone:
    pilot = _lock(milestone.pilot)
    _require_editor(pilot, by)
    _require_open(pilot)
    milestone = Milestone.objects.get(pk=milestone.pk, pilot=pilot)
    for name, value in _milestone_fields(data).items():
        setattr(milestone, name, value)
    _mark_done(milestone)
    milestone.save()
    return milestone


@transaction.atomic
def remove_milestone(*, milestone: Milestone, by: User) -> None:
    pilot = _lock(milestone.pilot)
    _require_editor(pilot, by)
    _require_open(pilot)
    Milestone.objects.filter(pk=milestone.pk, pilot=pilot).delete()


@transaction.atomic
def record_results(
    *, pilot: Pilot, by: User, results: dict[int, object], results_summary: str
) -> Pilot:
    """`results` maps goal ids to the measured value (empty: not measured yet)."""
    pilot = _lock(pilot)
    _require_editor(pilot, by)
    _require_open(pilot)
    goals = {goal.pk: goal for goal in pilot.goals.all()}
    errors = {}
    cleaned = {}
    for goal_id, value in results.items():
        if goal_id not in goals:
            raise ValidationError(_("This goal does not belong to the pilot."))
        try:
            cleaned[goal_id] = _clean_number(value, field=f"result_{goal_id}")
        except ValidationError as error:
            errors.update(error.error_dict)
    try:
        pilot.results_summary = _clean_text(
            results_summary, field="results_summary", limit=SUMMARY_MAX_LENGTH
        )
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    for goal_id, value in cleaned.items():
        goal = goals[goal_id]
        goal.result = value
        goal.save(update_fields=["result"])
    pilot.save(update_fields=["results_summary"])
    return pilot


@transaction.atomic
def finish_pilot(*, pilot: Pilot, by: User) -> Pilot:
    """A pilot finishes with a result for every goal: the record must say how it
    went against each target."""
    pilot = _lock(pilot)
    _require_editor(pilot, by)
    _require_open(pilot)
    goals = list(pilot.goals.all())
    if not goals:
        raise ValidationError(
            _("Add at least one goal and its result before finishing the pilot.")
        )
    missing = [goal.label for goal in goals if goal.result is None]
    if missing:
        raise ValidationError(
            _(
                "Record a result for every goal before finishing the pilot. "
                "Still missing: %(goals)s."
            )
            % {"goals": "、".join(missing)}
        )
    pilot.status = PilotStatus.FINISHED
    pilot.finished_at = timezone.now()
    pilot.save(update_fields=["status", "finished_at"])
    return pilot


@transaction.atomic
def cancel_pilot(*, pilot: Pilot, by: User) -> Pilot:
    pilot = _lock(pilot)
    _require_editor(pilot, by)
    _require_open(pilot)
    pilot.status = PilotStatus.CANCELLED
    pilot.save(update_fields=["status"])
    return pilot


@transaction.atomic
def mark_need_implemented(*, pilot: Pilot, by: User) -> NeedPage:
    """After a successful pilot the department adopts the solution: the need
    moves to "Implemented"."""
    pilot = _lock(pilot)
    _require_editor(pilot, by)
    if pilot.status != PilotStatus.FINISHED:
        raise ValidationError(
            _("Finish the pilot before marking the need as implemented.")
        )
    need = NeedPage.objects.get(pk=pilot.need_id)
    if Stage.IMPLEMENTED not in allowed_next_stages(need.stage):
        raise ValidationError(
            _("This need cannot move to “%(stage)s” from “%(current)s”.")
            % {
                "stage": Stage.IMPLEMENTED.label,
                "current": Stage(need.stage).label,
            }
        )
    return change_need_stage(need=need, to=Stage.IMPLEMENTED, by=by)


@transaction.atomic
def link_case_study(*, pilot: Pilot, by: User, page_id: int) -> Pilot:
    """Remember the case study drafted from this pilot, so a second request opens
    the same draft. Called by cms, which owns the page."""
    pilot = _lock(pilot)
    if not selectors.can_draft_case_study(by, pilot):
        raise PermissionDenied(
            _("Only coordinators can draft a case study from a finished pilot.")
        )
    pilot.case_study_page_id = page_id
    pilot.save(update_fields=["case_study_page_id"])
    return pilot
