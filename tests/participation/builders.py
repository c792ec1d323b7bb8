"""Helpers that build state through the services, then move its recorded dates
(rows are updated after creation): participation figures are about dates."""

from datetime import datetime

from hack.calls.models import Proposal, ProposalStatus, ProposalStatusChange
from hack.needs.models import NeedPage, NeedStageChange
from hack.needs.services import change_need_stage
from hack.participation import periods
from hack.seeds.models import SeedPage
from hack.workspaces import services as workspace_services
from hack.workspaces.models import GroupMember, WorkingGroup
from tests import factories
from tests.calls.factories import make_call, make_proposal

TOKYO = periods.CITY_TIME_ZONE


def jst(year: int, month: int, day: int, hour: int = 12, minute: int = 0):
    """A moment in Japan time."""
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def publish_need_at(department, author, coordinator, moment) -> NeedPage:
    need = factories.make_need(department, author, publish_by=coordinator)
    NeedPage.objects.filter(pk=need.pk).update(
        first_published_at=moment, last_published_at=moment
    )
    return NeedPage.objects.get(pk=need.pk)


def publish_seed_at(organization, author, coordinator, moment) -> SeedPage:
    seed = factories.make_seed(organization, author, publish_by=coordinator)
    SeedPage.objects.filter(pk=seed.pk).update(
        first_published_at=moment, last_published_at=moment
    )
    return SeedPage.objects.get(pk=seed.pk)


def open_call(need, staff):
    return make_call(need, staff)


def submit_proposal_at(call, member, moment, *, submit: bool = True) -> Proposal:
    proposal = make_proposal(call, member, submit=submit)
    if submit:
        Proposal.objects.filter(pk=proposal.pk).update(submitted_at=moment)
        ProposalStatusChange.objects.filter(
            proposal=proposal, to_status=ProposalStatus.SUBMITTED
        ).update(changed_at=moment)
    return Proposal.objects.get(pk=proposal.pk)


def form_group_at(need, coordinator, moment, *, organizations=(), staff=()):
    """A group formed at `moment`; everyone in it joined then."""
    group = workspace_services.form_working_group(
        need=need, by=coordinator, title="窓口の待ち時間を減らす WG"
    )
    for organization in organizations:
        workspace_services.add_organization(
            group=group, organization=organization, by=coordinator
        )
    for person in staff:
        workspace_services.add_staff_member(group=group, user=person, by=coordinator)
    WorkingGroup.objects.filter(pk=group.pk).update(created_at=moment)
    GroupMember.objects.filter(group=group).update(joined_at=moment)
    return WorkingGroup.objects.get(pk=group.pk)


def set_joined(group, user, moment) -> None:
    GroupMember.objects.filter(group=group, user=user).update(joined_at=moment)


def move_need_at(need, to: str, by, moment) -> None:
    change_need_stage(need=need, to=to, by=by)
    NeedStageChange.objects.filter(need=need, to_stage=to).update(changed_at=moment)
