"""Who may see and change pilot projects, and the reads the pages need.

Pilots are not public. Coordinators see and edit every pilot; staff of the
pilot's department (the need's department) see and edit theirs; members of a
participating organisation may read their pilots, never edit them.
"""

from django.db.models import Prefetch, Q, QuerySet

from hack.accounts.models import Membership, User
from hack.accounts.roles import is_coordinator
from hack.calls.models import Proposal, ProposalStatus
from hack.needs.selectors import can_edit_need
from hack.workspaces.models import GroupStatus, WorkingGroup
from hack.workspaces.selectors import can_enter_workspace, can_manage_group

from .models import Milestone, Pilot, PilotGoal, PilotStatus

# Proposals good enough to be tried out.
PILOT_PROPOSAL_STATUSES = (ProposalStatus.SHORTLISTED, ProposalStatus.INVITED)


def _organization_ids(user: User) -> list[int]:
    return list(
        Membership.objects.filter(user=user).values_list("organization_id", flat=True)
    )


def can_edit_pilot(user: User, pilot: Pilot) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if is_coordinator(user):
        return True
    return user.department_id is not None and user.department_id == (
        pilot.department_id
    )


def can_read_pilot(user: User, pilot: Pilot) -> bool:
    if can_edit_pilot(user, pilot):
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    return pilot.organizations.filter(pk__in=_organization_ids(user)).exists()


def can_edit_pilot_of_need(user: User, need) -> bool:
    """Who may start a pilot on a need: coordinators and its department's staff."""
    return user.is_authenticated and user.is_active and can_edit_need(user, need)


def can_start_from_group(user: User, group: WorkingGroup) -> bool:
    return can_manage_group(user, group) and group.status == GroupStatus.ACTIVE


def can_start_from_proposal(user: User, proposal: Proposal) -> bool:
    return (
        user.is_authenticated
        and proposal.status in PILOT_PROPOSAL_STATUSES
        and can_edit_pilot_of_need(user, proposal.call.need)
    )


def can_draft_case_study(user: User, pilot: Pilot) -> bool:
    return is_coordinator(user) and pilot.status == PilotStatus.FINISHED


def can_open_workspace(user: User, pilot: Pilot) -> bool:
    return pilot.group is not None and can_enter_workspace(user, pilot.group)


def list_pilots_for(user: User) -> QuerySet[Pilot]:
    """The pilots a person may read, newest first."""
    if not user.is_authenticated or not user.is_active:
        return Pilot.objects.none()
    pilots = Pilot.objects.select_related("need", "department").prefetch_related(
        "organizations"
    )
    if is_coordinator(user):
        return pilots
    condition = Q(organizations__in=_organization_ids(user))
    if user.department_id is not None:
        condition |= Q(department_id=user.department_id)
    return pilots.filter(condition).distinct()


def get_pilot(pk: int) -> Pilot | None:
    return (
        Pilot.objects.select_related("need", "department", "group", "proposal")
        .prefetch_related(
            "organizations",
            Prefetch("goals", queryset=PilotGoal.objects.order_by("order", "pk")),
            Prefetch(
                "milestones",
                queryset=Milestone.objects.order_by("order", "due_on", "pk"),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def list_goals(pilot: Pilot) -> QuerySet[PilotGoal]:
    return PilotGoal.objects.filter(pilot=pilot).order_by("order", "pk")


def list_milestones(pilot: Pilot) -> QuerySet[Milestone]:
    return Milestone.objects.filter(pilot=pilot).order_by("order", "due_on", "pk")


def list_pilots_of_need(need) -> QuerySet[Pilot]:
    """Every pilot of a need, oldest first (for the need's public path, which
    shows only their start and status)."""
    return Pilot.objects.filter(need=need).order_by("starts_on", "pk")


def get_pilot_of_proposal(proposal: Proposal) -> Pilot | None:
    return (
        Pilot.objects.filter(proposal=proposal)
        .exclude(status=PilotStatus.CANCELLED)
        .first()
    )


def get_pilot_of_group(group: WorkingGroup) -> Pilot | None:
    return (
        Pilot.objects.filter(group=group).exclude(status=PilotStatus.CANCELLED).first()
    )
