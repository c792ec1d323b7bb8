"""Who may see and do what in working groups, and the reads the pages need.

The workspace is for members only: a person is a member while their GroupMember
row has no removed_at. Coordinators manage every group; a group's facilitators
manage that group. Nobody else sees anything but the group's existence on the
need page (name, stage, organisations) once the need is public.
"""

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from hack.accounts.models import Organization, User
from hack.accounts.roles import COORDINATORS_GROUP, get_organization_of, is_coordinator
from hack.calls.models import Proposal, ProposalStatus
from hack.matching.models import Match, MatchState
from hack.needs.choices import Stage
from hack.needs.models import NeedPage

from .models import (
    Activity,
    Connection,
    GroupMember,
    GroupStatus,
    JoinRequest,
    JoinRequestStatus,
    Meeting,
    MemberRole,
    Message,
    Notes,
    NotesVersion,
    WorkingGroup,
    WorkspaceFile,
)

HISTORY_PAGE_SIZE = 50
# A connection counts as present while its heartbeat is this fresh.
PRESENCE_FRESHNESS = timedelta(seconds=30)


def get_group(pk: int) -> WorkingGroup | None:
    return WorkingGroup.objects.select_related("need").filter(pk=pk).first()


def is_active_member(user_id: int | None, group_id: int) -> bool:
    if not user_id:
        return False
    return GroupMember.objects.filter(
        group_id=group_id,
        user_id=user_id,
        removed_at__isnull=True,
        user__is_active=True,
    ).exists()


def get_membership(user: User, group: WorkingGroup) -> GroupMember | None:
    if not user.is_authenticated:
        return None
    return GroupMember.objects.filter(
        group=group, user=user, removed_at__isnull=True
    ).first()


def can_enter_workspace(user: User, group: WorkingGroup) -> bool:
    return user.is_authenticated and is_active_member(user.pk, group.pk)


def can_manage_group(user: User, group: WorkingGroup) -> bool:
    if not user.is_authenticated:
        return False
    if is_coordinator(user):
        return True
    return GroupMember.objects.filter(
        group=group,
        user=user,
        role=MemberRole.FACILITATOR,
        removed_at__isnull=True,
    ).exists()


def can_form_group(user: User) -> bool:
    return is_coordinator(user)


def list_active_members(group: WorkingGroup) -> QuerySet[GroupMember]:
    return (
        GroupMember.objects.filter(group=group, removed_at__isnull=True)
        .select_related("user", "organization")
        .order_by("role", "joined_at")
    )


def count_members(group_id: int) -> int:
    return GroupMember.objects.filter(
        group_id=group_id, removed_at__isnull=True
    ).count()


def list_groups_of(user: User) -> QuerySet[WorkingGroup]:
    """The groups a person is a member of now, newest first."""
    if not user.is_authenticated:
        return WorkingGroup.objects.none()
    return (
        WorkingGroup.objects.filter(
            members__user=user, members__removed_at__isnull=True
        )
        .select_related("need")
        .distinct()
    )


def list_groups_to_manage(user: User) -> QuerySet[WorkingGroup]:
    if is_coordinator(user):
        return WorkingGroup.objects.select_related("need")
    return WorkingGroup.objects.filter(
        members__user=user,
        members__role=MemberRole.FACILITATOR,
        members__removed_at__isnull=True,
    ).select_related("need")


def list_open_groups() -> QuerySet[WorkingGroup]:
    """Active groups on live needs that organisations may ask to join."""
    return WorkingGroup.objects.filter(
        status=GroupStatus.ACTIVE, accepts_requests=True, need__live=True
    ).select_related("need")


def list_groups_of_need(need) -> QuerySet[WorkingGroup]:
    return WorkingGroup.objects.filter(need=need)


def can_request_to_join(user: User, group: WorkingGroup) -> bool:
    organization = get_organization_of(user)
    return (
        organization is not None
        and group.status == GroupStatus.ACTIVE
        and group.accepts_requests
        and group.need.live
        and not is_active_member(user.pk, group.pk)
    )


def get_pending_request(group: WorkingGroup, organization) -> JoinRequest | None:
    if organization is None:
        return None
    return JoinRequest.objects.filter(
        group=group, organization=organization, status=JoinRequestStatus.PENDING
    ).first()


def list_pending_requests(group: WorkingGroup) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(
        group=group, status=JoinRequestStatus.PENDING
    ).select_related("organization", "requested_by")


def list_messages(
    group_id: int,
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = HISTORY_PAGE_SIZE,
) -> list[Message]:
    """Messages in seq order: the ones after `after` (catching up, oldest first,
    up to `limit`), or the `limit` latest before `before` (history)."""
    limit = max(0, int(limit))
    messages = Message.objects.filter(group_id=group_id).select_related("author")
    if after is not None:
        return list(messages.filter(seq__gt=after).order_by("seq")[:limit])
    if before is not None:
        messages = messages.filter(seq__lt=before)
    return list(reversed(messages.order_by("-seq")[:limit]))


def list_activities(group: WorkingGroup, limit: int = 100) -> QuerySet[Activity]:
    return Activity.objects.filter(group=group).select_related("actor")[:limit]


def list_present_users(group_id: int) -> list[User]:
    """Members with a fresh connection. A person removed from the group is not
    counted even while their socket is still closing."""
    since = timezone.now() - PRESENCE_FRESHNESS
    user_ids = (
        Connection.objects.filter(group_id=group_id, last_seen__gte=since)
        .values_list("user_id", flat=True)
        .distinct()
    )
    members = GroupMember.objects.filter(
        group_id=group_id, removed_at__isnull=True
    ).values_list("user_id", flat=True)
    return list(
        User.objects.filter(pk__in=list(user_ids), is_active=True)
        .filter(pk__in=members)
        .order_by("pk")
    )


def list_candidate_organizations(group: WorkingGroup) -> list[dict]:
    """Organisations worth inviting: accepted matches for the need and
    shortlisted or invited proposals to its idea calls, without those already in.
    """
    present = set(
        GroupMember.objects.filter(
            group=group, removed_at__isnull=True, organization__isnull=False
        ).values_list("organization_id", flat=True)
    )
    candidates: dict[int, dict] = {}
    for match in Match.objects.filter(
        need=group.need, state=MatchState.ACCEPTED
    ).select_related("seed__organization"):
        organization = match.seed.organization
        if organization and organization.pk not in present:
            candidates.setdefault(
                organization.pk, {"organization": organization, "reasons": []}
            )["reasons"].append(("match", match.seed.title))
    for proposal in Proposal.objects.filter(
        call__need=group.need,
        status__in=[ProposalStatus.SHORTLISTED, ProposalStatus.INVITED],
    ).select_related("organization"):
        organization = proposal.organization
        if organization.pk not in present:
            candidates.setdefault(
                organization.pk, {"organization": organization, "reasons": []}
            )["reasons"].append(("proposal", proposal.title))
    return sorted(candidates.values(), key=lambda c: c["organization"].name)


def search_organizations(query: str, *, limit: int = 20):
    query = query.strip()
    if not query:
        return Organization.objects.none()
    return Organization.objects.filter(name__icontains=query).order_by("name")[:limit]


# Reads for the management pages and the need page's panel -----------------------


def list_groups_to_manage_with_counts(
    user: User, *, status: str = ""
) -> QuerySet[WorkingGroup]:
    """The groups a person manages, with their active members and pending
    requests counted. Counted on a fresh queryset: filtering a facilitator's
    groups through `members` would otherwise count only their own row."""
    groups = WorkingGroup.objects.filter(
        pk__in=list_groups_to_manage(user).values("pk")
    )
    if status in GroupStatus.values:
        groups = groups.filter(status=status)
    return (
        groups.select_related("need")
        .annotate(
            member_count=Count(
                "members", filter=Q(members__removed_at__isnull=True), distinct=True
            ),
            pending_count=Count(
                "join_requests",
                filter=Q(join_requests__status=JoinRequestStatus.PENDING),
                distinct=True,
            ),
        )
        .order_by("-created_at", "-pk")
    )


def list_group_organizations(group_ids) -> dict[int, list[Organization]]:
    """The organisations with active members in each group, by name."""
    rows = (
        GroupMember.objects.filter(
            group_id__in=list(group_ids),
            removed_at__isnull=True,
            organization__isnull=False,
        )
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )
    found: dict[int, dict[int, Organization]] = {}
    for member in rows:
        found.setdefault(member.group_id, {})[member.organization_id] = (
            member.organization
        )
    return {group_id: list(orgs.values()) for group_id, orgs in found.items()}


def list_organization_ids_in_group(group: WorkingGroup) -> set[int]:
    return set(
        GroupMember.objects.filter(
            group=group, removed_at__isnull=True, organization__isnull=False
        ).values_list("organization_id", flat=True)
    )


def list_staff_candidates(group: WorkingGroup) -> dict[str, list[User]]:
    """City staff who can be added to a group, without its current members:
    active department staff (the need's department apart, to come first) and
    active coordinators, who join as facilitators."""
    present = GroupMember.objects.filter(group=group, removed_at__isnull=True).values(
        "user_id"
    )
    staff = (
        User.objects.filter(is_active=True, department__isnull=False)
        .exclude(pk__in=present)
        .select_related("department")
    )
    coordinators = (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=COORDINATORS_GROUP) | Q(is_superuser=True))
        .exclude(pk__in=present)
        .distinct()
    )
    need_department = group.need.department_id

    def by_name(users):
        return sorted(users, key=lambda u: (str(u).casefold(), u.pk))

    staff = list(staff)
    return {
        "same_department": by_name(
            u for u in staff if u.department_id == need_department
        ),
        "other_departments": sorted(
            (u for u in staff if u.department_id != need_department),
            key=lambda u: (str(u.department), str(u).casefold(), u.pk),
        ),
        "coordinators": by_name(coordinators),
    }


def list_public_groups_of_need(need) -> list[WorkingGroup]:
    """The groups shown on a need page: only once the need is public."""
    if not need.live:
        return []
    return list(
        WorkingGroup.objects.filter(need=need)
        .select_related("need")
        .order_by("created_at", "pk")
    )


def list_needs_without_group():
    """Published needs still open to a working group (not closed) that have no
    active group: where a coordinator may want to form one."""
    return (
        NeedPage.objects.live()
        .exclude(stage=Stage.CLOSED)
        .exclude(working_groups__status=GroupStatus.ACTIVE)
        .select_related("department")
        .order_by("-first_published_at", "-pk")
    )


# Reads for the member-facing workspace pages ---------------------------------


def list_my_groups(user: User) -> QuerySet[WorkingGroup]:
    """The groups a person is a member of now, each with `member_count`."""

    ids = list_groups_of(user).values("pk")
    return (
        WorkingGroup.objects.filter(pk__in=ids)
        .select_related("need")
        .annotate(
            member_count=Count(
                "members", filter=Q(members__removed_at__isnull=True), distinct=True
            )
        )
        .order_by("-created_at")
    )


def list_joinable_groups(user: User) -> list[WorkingGroup]:
    """Open groups a person with an organisation could ask to join, each with
    `pending_request` (their organisation's unanswered request, or None)."""
    organization = get_organization_of(user)
    if organization is None:
        return []
    mine = list_groups_of(user).values("pk")
    pending = {
        r.group_id: r
        for r in JoinRequest.objects.filter(
            organization=organization, status=JoinRequestStatus.PENDING
        )
    }
    groups = list(list_open_groups().exclude(pk__in=mine).order_by("-created_at"))
    for group in groups:
        group.pending_request = pending.get(group.pk)
    return groups


def get_notes(group: WorkingGroup):

    return Notes.objects.filter(group=group).select_related("updated_by").first()


def list_notes_versions(group: WorkingGroup):

    return NotesVersion.objects.filter(notes__group=group).select_related("author")


def get_notes_version(group: WorkingGroup, version: int):
    return list_notes_versions(group).filter(version=version).first()


def list_meetings(group: WorkingGroup, *, now=None) -> tuple[list, list]:
    """(upcoming, past): upcoming soonest first, past latest first."""

    now = now or timezone.now()
    meetings = Meeting.objects.filter(group=group).select_related("created_by")
    upcoming = list(meetings.filter(starts_at__gte=now).order_by("starts_at"))
    past = list(meetings.filter(starts_at__lt=now).order_by("-starts_at"))
    return upcoming, past


def list_files(group: WorkingGroup):

    return WorkspaceFile.objects.filter(group=group).select_related("uploaded_by")
