"""Writes for working groups and their workspace.

Each function checks who may do it, writes inside one transaction and announces
the change with realtime.broadcast (after commit). Consumers, views and the demo
call these; nothing else writes the models.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hack.accounts.models import Organization, User
from hack.accounts.roles import (
    get_organization_of,
    is_coordinator,
)
from hack.accounts.roles import (
    list_active_members as list_organization_members,
)
from hack.calls.services import ATTACHMENT_UPLOAD  # same kinds as proposals
from hack.core.uploads import sniff_mime_type, validate_upload
from hack.needs.choices import Stage, allowed_next_stages
from hack.needs.models import NeedPage
from hack.needs.services import change_need_stage
from hack.notifications.services import notify

from . import realtime, selectors
from .merge import merge_texts
from .models import (
    MAX_FILES_PER_GROUP,
    MESSAGE_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    Activity,
    ActivityVerb,
    Connection,
    GroupMember,
    GroupStage,
    GroupStatus,
    JoinRequest,
    JoinRequestStatus,
    Meeting,
    MemberRole,
    Message,
    Notes,
    NotesFormat,
    NotesVersion,
    WorkingGroup,
    WorkspaceFile,
)


class NotesConflict(ValidationError):
    """Someone saved the notes meanwhile and changed the same lines."""

    def __init__(self, message: str, *, current: Notes):
        super().__init__(message, code="notes_conflict")
        self.current = current


def workspace_url(group: WorkingGroup) -> str:
    return reverse("workspaces:workspace", args=[group.pk])


def _display_name(user: User | None) -> str:
    """How members see each other: never the email (`User.public_name`)."""
    return user.public_name if user else ""


def _record(group: WorkingGroup, by: User | None, verb: str, **params) -> Activity:
    activity = Activity.objects.create(group=group, actor=by, verb=verb, params=params)
    realtime.broadcast(
        group.pk,
        {
            "type": "activity.created",
            "id": activity.pk,
            "verb": verb,
            "actor": _display_name(by),
            "params": params,
        },
    )
    return activity


def _require_manager(group: WorkingGroup, by: User) -> None:
    if not selectors.can_manage_group(by, group):
        raise PermissionDenied(
            _("Only the group's facilitators and coordinators can do this.")
        )


def _require_member(group: WorkingGroup, by: User) -> GroupMember:
    member = selectors.get_membership(by, group)
    if member is None or not by.is_active:
        raise PermissionDenied(_("You are not a member of this working group."))
    return member


def _require_active(group: WorkingGroup) -> None:
    _require_active_status(group.status)


def _require_active_status(status: str) -> None:
    if status != GroupStatus.ACTIVE:
        raise ValidationError(
            _("This working group is %(status)s: nothing more can be added.")
            % {"status": GroupStatus(status).label}
        )


def _lock(group: WorkingGroup) -> WorkingGroup:
    return WorkingGroup.objects.select_for_update().get(pk=group.pk)


def _clean_text(text: str | None) -> str:
    """Text from a websocket frame or a form, without the NUL characters
    PostgreSQL refuses to store (and nobody types)."""
    return (text or "").replace("\x00", "")


# Groups and members --------------------------------------------------------


@transaction.atomic
def form_working_group(
    *,
    need: NeedPage,
    by: User,
    title: str,
    purpose: str = "",
    accepts_requests: bool = True,
) -> WorkingGroup:
    """A coordinator forms a group around a published need and facilitates it.
    The need moves to the working-group stage if it has not passed it."""
    if not is_coordinator(by):
        raise PermissionDenied(_("Only coordinators can form a working group."))
    # The stage and publication as they are now, not as the caller read them.
    need = NeedPage.objects.get(pk=need.pk)
    if not need.live:
        raise ValidationError(_("A working group needs a published need."))
    if need.stage == Stage.CLOSED:
        raise ValidationError(_("This need is closed."))
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Give the group a name.")})
    group = WorkingGroup(
        need=need,
        title=title,
        purpose=purpose.strip(),
        accepts_requests=accepts_requests,
        created_by=by,
    )
    group.full_clean()
    group.save()
    Notes.objects.create(group=group)
    GroupMember.objects.create(
        group=group, user=by, role=MemberRole.FACILITATOR, added_by=by
    )
    _record(group, by, ActivityVerb.FORMED, title=group.title)
    if Stage.WORKING_GROUP in allowed_next_stages(need.stage):
        change_need_stage(need=need, to=Stage.WORKING_GROUP, by=by)
    return group


def _add(
    group: WorkingGroup,
    user: User,
    *,
    role: str,
    by: User,
    organization: Organization | None = None,
) -> GroupMember | None:
    """Add one person unless they are a member already (returns None then)."""
    if GroupMember.objects.filter(
        group=group, user=user, removed_at__isnull=True
    ).exists():
        return None
    member = GroupMember.objects.create(
        group=group, user=user, role=role, organization=organization, added_by=by
    )
    _record(
        group,
        by,
        ActivityVerb.MEMBER_ADDED,
        member=_display_name(user),
        role=str(role),
        organization=organization.name if organization else "",
    )
    notify(
        recipients=[user],
        kind="workspace.member_added",
        params={"group": group.title, "need": group.need.title},
        url=workspace_url(group),
    )
    return member


def _presence_changed(group_id: int) -> None:
    present = selectors.list_present_users(group_id)
    realtime.broadcast(
        group_id,
        {
            "type": "presence.changed",
            "present": [{"id": u.pk, "name": _display_name(u)} for u in present],
            "count": len(present),
            "members": selectors.count_members(group_id),
        },
    )


@transaction.atomic
def add_staff_member(
    *, group: WorkingGroup, user: User, by: User, facilitator: bool = False
) -> GroupMember:
    """Add city staff: a coordinator (facilitator) or department staff."""
    group = _lock(group)
    _require_manager(group, by)
    _require_active(group)
    if not user.is_active:
        raise ValidationError(_("%(name)s's account is not active.") % {"name": user})
    if facilitator:
        if not is_coordinator(user):
            raise ValidationError(_("Only coordinators can facilitate a group."))
        role = MemberRole.FACILITATOR
    else:
        if user.department_id is None:
            raise ValidationError(
                _("%(name)s is not department staff.") % {"name": user}
            )
        role = MemberRole.DEPARTMENT
    member = _add(group, user, role=role, by=by)
    if member is None:
        raise ValidationError(_("%(name)s is already a member.") % {"name": user})
    _presence_changed(group.pk)
    return member


@transaction.atomic
def add_organization(
    *, group: WorkingGroup, organization: Organization, by: User
) -> list[GroupMember]:
    """Invite an organisation: its active members join the group."""
    group = _lock(group)
    _require_manager(group, by)
    _require_active(group)
    people = list_organization_members(organization.pk)
    if not people:
        raise ValidationError(
            _("%(organization)s has no active members to add.")
            % {"organization": organization.name}
        )
    added = [
        member
        for user in people
        if (
            member := _add(
                group,
                user,
                role=MemberRole.ORGANIZATION,
                by=by,
                organization=organization,
            )
        )
    ]
    if not added:
        raise ValidationError(
            _("The members of %(organization)s are in the group already.")
            % {"organization": organization.name}
        )
    JoinRequest.objects.filter(
        group=group, organization=organization, status=JoinRequestStatus.PENDING
    ).update(
        status=JoinRequestStatus.ACCEPTED, decided_by=by, decided_at=timezone.now()
    )
    _presence_changed(group.pk)
    return added


def _end_membership(member: GroupMember) -> None:
    member.removed_at = timezone.now()
    member.save(update_fields=["removed_at"])
    # Presence counts the person out at once; their sockets close on the
    # message below, and closing finds nothing left to delete.
    Connection.objects.filter(group_id=member.group_id, user_id=member.user_id).delete()
    realtime.tell_user(
        member.user_id, {"type": "membership.revoked", "group_id": member.group_id}
    )


def _is_last_facilitator(member: GroupMember) -> bool:
    """Removing or letting go of this member would leave the group without one."""
    return (
        member.role == MemberRole.FACILITATOR
        and not GroupMember.objects.filter(
            group_id=member.group_id,
            role=MemberRole.FACILITATOR,
            removed_at__isnull=True,
        )
        .exclude(pk=member.pk)
        .exists()
    )


@transaction.atomic
def remove_member(*, member: GroupMember, by: User) -> None:
    """Takes effect at once: the person's open sockets on the group close."""
    group = _lock(member.group)
    _require_manager(group, by)
    member = GroupMember.objects.select_for_update().get(pk=member.pk)
    if member.removed_at is not None:
        raise ValidationError(_("This person is no longer a member."))
    if _is_last_facilitator(member):
        raise ValidationError(_("A group needs at least one facilitator."))
    _end_membership(member)
    _record(group, by, ActivityVerb.MEMBER_REMOVED, member=_display_name(member.user))
    _presence_changed(group.pk)


@transaction.atomic
def leave_group(*, group: WorkingGroup, by: User) -> None:
    group = _lock(group)
    member = _require_member(group, by)
    if _is_last_facilitator(member):
        raise ValidationError(
            _("You are the group's only facilitator: add another one before leaving.")
        )
    _end_membership(member)
    _record(group, by, ActivityVerb.MEMBER_LEFT)
    _presence_changed(group.pk)


@transaction.atomic
def request_to_join(*, group: WorkingGroup, by: User, message: str = "") -> JoinRequest:
    organization = get_organization_of(by)
    if organization is None:
        raise PermissionDenied(_("Only members of an organisation can ask to join."))
    group = _lock(group)
    _require_active(group)
    if not group.accepts_requests or not group.need.live:
        raise ValidationError(_("This working group does not take requests to join."))
    if selectors.is_active_member(by.pk, group.pk):
        raise ValidationError(_("You are already a member of this group."))
    if selectors.get_pending_request(group, organization):
        raise ValidationError(
            _("Your organisation has already asked to join; a coordinator will answer.")
        )
    request = JoinRequest(
        group=group, organization=organization, requested_by=by, message=message.strip()
    )
    request.full_clean()
    request.save()
    _record(group, by, ActivityVerb.JOIN_REQUESTED, organization=organization.name)
    managers = [
        m.user
        for m in selectors.list_active_members(group).filter(
            role=MemberRole.FACILITATOR
        )
    ]
    notify(
        recipients=managers,
        kind="workspace.join_requested",
        params={"group": group.title, "organization": organization.name},
        url=reverse("workspaces:group-manage", args=[group.pk]),
    )
    return request


@transaction.atomic
def decide_join_request(
    *, request: JoinRequest, by: User, accept: bool, reason: str = ""
) -> JoinRequest:
    group = _lock(request.group)
    _require_manager(group, by)
    request = JoinRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != JoinRequestStatus.PENDING:
        raise ValidationError(_("This request has already been answered."))
    if accept:
        _require_active(group)
        people = list_organization_members(request.organization_id)
        for user in people:
            _add(
                group,
                user,
                role=MemberRole.ORGANIZATION,
                by=by,
                organization=request.organization,
            )
        _presence_changed(group.pk)
    else:
        notify(
            recipients=list_organization_members(request.organization_id),
            kind="workspace.join_declined",
            params={"group": group.title, "reason": reason.strip()},
            url=reverse("workspaces:group-list"),
        )
    request.status = (
        JoinRequestStatus.ACCEPTED if accept else JoinRequestStatus.DECLINED
    )
    request.decided_by = by
    request.decided_at = timezone.now()
    request.reason = reason.strip()
    request.full_clean()
    request.save()
    _record(
        group,
        by,
        ActivityVerb.JOIN_ACCEPTED if accept else ActivityVerb.JOIN_DECLINED,
        organization=request.organization.name,
    )
    return request


@transaction.atomic
def change_group_stage(*, group: WorkingGroup, to: str, by: User) -> WorkingGroup:
    """Design thinking loops: a group may go back to an earlier stage."""
    group = _lock(group)
    _require_manager(group, by)
    _require_active(group)
    if to not in GroupStage.values:
        raise ValidationError(_("Choose one of the stages."))
    if to == group.stage:
        return group
    previous = group.stage
    group.stage = to
    group.save(update_fields=["stage"])
    _record(
        group,
        by,
        ActivityVerb.STAGE_CHANGED,
        from_stage=str(previous),
        to_stage=str(to),
    )
    realtime.broadcast(
        group.pk, {"type": "group.changed", "stage": to, "status": group.status}
    )
    return group


@transaction.atomic
def close_group(*, group: WorkingGroup, by: User, reason: str = "") -> WorkingGroup:
    group = _lock(group)
    _require_manager(group, by)
    _require_active(group)
    group.status = GroupStatus.CLOSED
    group.closed_at = timezone.now()
    group.save(update_fields=["status", "closed_at"])
    _record(group, by, ActivityVerb.CLOSED, reason=reason.strip()[:500])
    realtime.broadcast(
        group.pk,
        {"type": "group.changed", "stage": group.stage, "status": group.status},
    )
    return group


def mark_group_as_pilot(
    *, group: WorkingGroup, by: User, pilot_title: str
) -> WorkingGroup:
    """The group's work goes on as a pilot (hack.pilots calls this inside its own
    transaction): the workspace becomes read-only, like a closed group."""
    group = _lock(group)
    _require_manager(group, by)
    _require_active(group)
    group.status = GroupStatus.PILOT
    group.closed_at = timezone.now()
    group.save(update_fields=["status", "closed_at"])
    _record(group, by, ActivityVerb.BECAME_PILOT, pilot=pilot_title)
    realtime.broadcast(
        group.pk,
        {"type": "group.changed", "stage": group.stage, "status": group.status},
    )
    return group


# Chat ------------------------------------------------------------------------


def message_payload(message: Message) -> dict:
    return {
        "seq": message.seq,
        "id": message.pk,
        "author_id": message.author_id,
        "author": _display_name(message.author),
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "client_id": message.client_id,
    }


def post_message(
    *,
    group: WorkingGroup,
    by: User,
    body: str,
    client_id: str = "",
    announce: bool = True,
) -> Message:
    """Store the message, then broadcast it. The group row is locked while the
    next seq is taken, so seqs commit in order and never leave a gap.
    `announce=False` is for the websocket consumer, which sends the event itself
    from the event loop once this has returned (realtime.send_event)."""
    body = _clean_text(body).strip()
    client_id = _clean_text(client_id)[:64]
    if not body:
        raise ValidationError({"body": _("Write a message first.")})
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _(
                    "A message can be at most %(limit)s characters "
                    "(this one has %(count)s)."
                )
                % {"limit": MESSAGE_MAX_LENGTH, "count": len(body)}
            }
        )
    try:
        with transaction.atomic():
            # Taking the seq locks the group's row until commit, so seqs
            # commit in order; a refusal below rolls the increment back.
            seq, status = _take_next_seq(group.pk)
            _require_active_status(status)
            _require_member(group, by)
            message = Message.objects.create(
                group_id=group.pk,
                seq=seq,
                author=by,
                body=body,
                client_id=client_id,
            )
    except IntegrityError:
        # A retry (the same client_id after a dropped connection): the whole
        # attempt, its seq included, was rolled back; the stored one stands.
        existing = Message.objects.filter(
            group_id=group.pk, author=by, client_id=client_id
        ).first()
        if client_id and existing:
            return existing
        raise
    if announce:
        realtime.broadcast(
            group.pk, {"type": "message.created", **message_payload(message)}
        )
    return message


def _take_next_seq(group_id: int) -> tuple[int, str]:
    """Add one to the group's last seq and return it with the group's status,
    in one statement that holds the row lock until the transaction ends (the
    busiest write of a workspace: one query instead of a locked read and a
    save)."""
    table = connection.ops.quote_name(WorkingGroup._meta.db_table)
    column = connection.ops.quote_name("last_message_seq")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = {column} + 1 "  # noqa: S608 - names only
            f"WHERE id = %s RETURNING {column}, status",
            [group_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise WorkingGroup.DoesNotExist(f"No working group {group_id}")
    return row[0], row[1]


def _check_notes_length(body: str, *, merged: bool = False) -> None:
    if len(body) <= NOTES_MAX_LENGTH:
        return
    if merged:
        message = _(
            "Together with the changes saved meanwhile, the notes would be longer "
            "than %(limit)s characters. Shorten them and save again."
        )
    else:
        message = _("The notes can be at most %(limit)s characters.")
    raise ValidationError({"body": message % {"limit": NOTES_MAX_LENGTH}})


@transaction.atomic
def save_notes(
    *, group: WorkingGroup, by: User, body: str, base_version: int, format: str
) -> tuple[Notes, bool]:
    """Save the notes written from `base_version`. If someone saved meanwhile,
    merge both edits; when they changed the same lines, refuse (NotesConflict)
    and let the person merge by hand — their text stays in the form.
    Returns the notes and whether a merge happened."""
    group = _lock(group)
    _require_member(group, by)
    _require_active(group)
    if format not in NotesFormat.values:
        raise ValidationError({"format": _("Choose plain text or Markdown.")})
    try:
        base_version = int(base_version)
    except (TypeError, ValueError):
        base_version = -1
    if base_version < 0:
        raise ValidationError(_("That version of the notes does not exist."))
    body = _clean_text(body).replace("\r\n", "\n").replace("\r", "\n")
    _check_notes_length(body)
    notes, _created = Notes.objects.select_for_update().get_or_create(group=group)
    merged = False
    if base_version != notes.version:
        base = (
            NotesVersion.objects.filter(notes=notes, version=base_version).first()
            if base_version
            else None
        )
        if base is None and base_version:
            raise ValidationError(_("That version of the notes does not exist."))
        result = merge_texts(base.body if base else "", body, notes.body)
        if result is None:
            raise NotesConflict(
                _(
                    "%(name)s saved the notes while you were editing and changed "
                    "the same lines. Your text is kept below: compare it with "
                    "version %(version)s and save again."
                )
                % {"name": _display_name(notes.updated_by), "version": notes.version},
                current=notes,
            )
        body, merged = result, result != body
        _check_notes_length(body, merged=True)
    if body == notes.body and format == notes.format:
        return notes, merged
    notes.version += 1
    notes.body = body
    notes.format = format
    notes.updated_by = by
    notes.save()
    NotesVersion.objects.create(
        notes=notes,
        version=notes.version,
        body=body,
        format=format,
        author=by,
        merged=merged,
    )
    _record(group, by, ActivityVerb.NOTES_SAVED, version=notes.version)
    realtime.broadcast(
        group.pk,
        {"type": "notes.saved", "version": notes.version, "by": _display_name(by)},
    )
    return notes, merged


# Meetings ------------------------------------------------------------------


def _meeting_changed(meeting: Meeting) -> None:
    realtime.broadcast(meeting.group_id, {"type": "meeting.changed", "id": meeting.pk})


@transaction.atomic
def schedule_meeting(
    *,
    group: WorkingGroup,
    by: User,
    title: str,
    starts_at,
    ends_at=None,
    place: str = "",
    online_url: str = "",
    agenda: str = "",
    now=None,
) -> Meeting:
    group = _lock(group)
    _require_member(group, by)
    _require_active(group)
    now = now or timezone.now()
    # A time without a zone is the city's local time (Asia/Tokyo).
    if starts_at is not None and timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if ends_at is not None and timezone.is_naive(ends_at):
        ends_at = timezone.make_aware(ends_at)
    title, place, online_url = (
        _clean_text(title).strip(),
        _clean_text(place).strip(),
        _clean_text(online_url).strip(),
    )
    errors = {}
    if not title:
        errors["title"] = _("Give the meeting a title.")
    if starts_at is None:
        errors["starts_at"] = _("Enter the date and time of the meeting.")
    elif starts_at < now:
        errors["starts_at"] = _(
            "The meeting would start in the past. Choose a later date and time."
        )
    elif ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("The meeting must end after it starts.")
    if not place and not online_url:
        errors["place"] = _("Give a place or an online meeting link.")
    if errors:
        raise ValidationError(errors)
    meeting = Meeting(
        group=group,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_url=online_url,
        agenda=_clean_text(agenda).strip(),
        created_by=by,
    )
    meeting.full_clean()
    meeting.save()
    _record(
        group,
        by,
        ActivityVerb.MEETING_SCHEDULED,
        meeting=meeting.title,
        when=meeting.starts_at.isoformat(),
    )
    _meeting_changed(meeting)
    others = [
        m.user for m in selectors.list_active_members(group) if m.user_id != by.pk
    ]
    notify(
        recipients=others,
        kind="workspace.meeting_scheduled",
        params={
            "group": group.title,
            "meeting": meeting.title,
            "starts_at": meeting.starts_at.isoformat(),
        },
        url=workspace_url(group) + "#meetings",
    )
    return meeting


@transaction.atomic
def record_minutes(*, meeting: Meeting, by: User, minutes: str) -> Meeting:
    group = _lock(meeting.group)
    _require_member(group, by)
    _require_active(group)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting.minutes = _clean_text(minutes).strip()
    meeting.full_clean()
    meeting.save(update_fields=["minutes"])
    _record(group, by, ActivityVerb.MINUTES_RECORDED, meeting=meeting.title)
    _meeting_changed(meeting)
    return meeting


# Files ---------------------------------------------------------------------


@transaction.atomic
def add_file(*, group: WorkingGroup, by: User, upload) -> WorkspaceFile:
    group = _lock(group)
    _require_member(group, by)
    _require_active(group)
    if group.files.count() >= MAX_FILES_PER_GROUP:
        raise ValidationError(
            {
                "file": _("A workspace can hold at most %(count)s files.")
                % {"count": MAX_FILES_PER_GROUP}
            }
        )
    try:
        validate_upload(upload, ATTACHMENT_UPLOAD)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    stored = WorkspaceFile.objects.create(
        group=group,
        file=upload,
        original_name=upload.name[:255],
        content_type=sniff_mime_type(upload) or "application/octet-stream",
        size=upload.size,
        uploaded_by=by,
    )
    _record(group, by, ActivityVerb.FILE_ADDED, file=stored.original_name)
    realtime.broadcast(group.pk, {"type": "file.changed", "id": stored.pk})
    return stored


@transaction.atomic
def remove_file(*, file: WorkspaceFile, by: User) -> None:
    group = _lock(file.group)
    _require_member(group, by)
    file = WorkspaceFile.objects.filter(pk=file.pk, group=group).first()
    if file is None:
        raise ValidationError(_("This file has already been removed."))
    if file.uploaded_by_id != by.pk and not selectors.can_manage_group(by, group):
        raise PermissionDenied(
            _("Only the person who added a file or a facilitator can remove it.")
        )
    name, storage, original = file.file.name, file.file.storage, file.original_name
    file.delete()
    transaction.on_commit(lambda: storage.delete(name))
    _record(group, by, ActivityVerb.FILE_REMOVED, file=original)
    realtime.broadcast(group.pk, {"type": "file.changed"})


# Presence --------------------------------------------------------------------


@transaction.atomic
def open_connection(*, group_id: int, user_id: int, channel_name: str) -> None:
    Connection.objects.update_or_create(
        channel_name=channel_name,
        defaults={
            "group_id": group_id,
            "user_id": user_id,
            "last_seen": timezone.now(),
        },
    )
    _presence_changed(group_id)


@transaction.atomic
def close_connection(*, channel_name: str) -> None:
    connection = Connection.objects.filter(channel_name=channel_name).first()
    if connection is None:
        return
    connection.delete()
    _presence_changed(connection.group_id)


def touch_connection(*, channel_name: str) -> None:
    Connection.objects.filter(channel_name=channel_name).update(
        last_seen=timezone.now()
    )


TOUCH_BATCH = 1000  # channel names per presence UPDATE


def touch_connections(channel_names: list[str]) -> int:
    """Presence for many sockets at once (a server process's monitor): one
    UPDATE per TOUCH_BATCH channel names. Returns how many rows were touched."""
    now, touched = timezone.now(), 0
    for start in range(0, len(channel_names), TOUCH_BATCH):
        touched += Connection.objects.filter(
            channel_name__in=channel_names[start : start + TOUCH_BATCH]
        ).update(last_seen=now)
    return touched


def forget_stale_connections(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Rows left by a server that died; presence ignores them already."""
    deleted, _details = Connection.objects.filter(
        last_seen__lt=timezone.now() - older_than
    ).delete()
    return deleted
