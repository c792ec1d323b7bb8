"""Working groups (ワーキンググループ) around one need, and their workspace: chat
messages, the shared notes with their versions, meetings, files, the activity
timeline and who is connected now.

Plain models pointing at the need page; the rules live in services.py (writes)
and selectors.py (who may see what). Nothing here broadcasts: realtime.py does,
after commit.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hack.calls.models import get_private_storage, random_file_name
from hack.core.models import BoundedTextField

MESSAGE_MAX_LENGTH = 4000
NOTES_MAX_LENGTH = 100_000
MAX_FILES_PER_GROUP = 50


class GroupStage(models.TextChoices):
    """The design-thinking stages a group moves through, in order."""

    # A context of their own: "Prototype" is also a seed's maturity (試作段階).
    EMPATHISE = "empathise", pgettext_lazy("design thinking stage", "Empathise")
    DEFINE = "define", pgettext_lazy("design thinking stage", "Define")
    IDEATE = "ideate", pgettext_lazy("design thinking stage", "Ideate")
    PROTOTYPE = "prototype", pgettext_lazy("design thinking stage", "Prototype")
    TEST = "test", pgettext_lazy("design thinking stage", "Test")


class GroupStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    PILOT = "pilot", _("Became a pilot")


class WorkingGroup(models.Model):
    need = models.ForeignKey(
        "needs.NeedPage",
        verbose_name=_("need"),
        on_delete=models.PROTECT,
        related_name="working_groups",
    )
    title = models.CharField(_("name"), max_length=200)
    purpose = BoundedTextField(_("purpose"), max_length=4000, blank=True)
    stage = models.CharField(
        _("stage"), max_length=12, choices=GroupStage.choices, default="empathise"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=GroupStatus.choices, default="active"
    )
    accepts_requests = models.BooleanField(
        _("organisations may ask to join"), default=True
    )
    # Bumped under a row lock for every message: a gap-free order per group that
    # lets a reconnecting client ask for exactly what it missed.
    last_message_seq = models.PositiveBigIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("formed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("formed at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status == GroupStatus.ACTIVE


class MemberRole(models.TextChoices):
    FACILITATOR = "facilitator", _("Facilitator")
    DEPARTMENT = "department", _("Department")
    ORGANIZATION = "organization", _("Organisation member")


class GroupMember(models.Model):
    """One person in one group. Removing sets removed_at: the row stays for the
    history, and every permission check looks only at rows without it."""

    group = models.ForeignKey(
        WorkingGroup, on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=12, choices=MemberRole.choices)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("working group member")
        verbose_name_plural = _("working group members")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(removed_at__isnull=True),
                name="one_active_membership_per_group",
            )
        ]

    def __str__(self):
        return f"{self.user} @ {self.group}"


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class JoinRequest(models.Model):
    group = models.ForeignKey(
        WorkingGroup, on_delete=models.CASCADE, related_name="join_requests"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    message = BoundedTextField(_("message"), max_length=2000, blank=True)
    status = models.CharField(
        max_length=10,
        choices=JoinRequestStatus.choices,
        default=JoinRequestStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = BoundedTextField(_("reason"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("request to join")
        verbose_name_plural = _("requests to join")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "organization"],
                condition=Q(status="pending"),
                name="one_pending_request_per_organization",
            )
        ]

    def __str__(self):
        return f"{self.organization} → {self.group} ({self.status})"


class ActivityVerb(models.TextChoices):
    FORMED = "formed", _("formed the group")
    MEMBER_ADDED = "member_added", _("added a member")
    MEMBER_REMOVED = "member_removed", _("removed a member")
    MEMBER_LEFT = "member_left", _("left the group")
    JOIN_REQUESTED = "join_requested", _("asked to join")
    JOIN_ACCEPTED = "join_accepted", _("accepted a request to join")
    JOIN_DECLINED = "join_declined", _("declined a request to join")
    STAGE_CHANGED = "stage_changed", _("moved the group to a new stage")
    NOTES_SAVED = "notes_saved", _("saved the notes")
    MEETING_SCHEDULED = "meeting_scheduled", _("scheduled a meeting")
    MINUTES_RECORDED = "minutes_recorded", _("recorded the minutes")
    FILE_ADDED = "file_added", _("added a file")
    FILE_REMOVED = "file_removed", _("removed a file")
    CLOSED = "closed", _("closed the group")
    BECAME_PILOT = "became_pilot", _("turned the group into a pilot")


class Activity(models.Model):
    """The group's timeline. `params` holds names at the time and codes (stage,
    role), never confidential text; hack/workspaces/activity.py words it."""

    group = models.ForeignKey(
        WorkingGroup, on_delete=models.CASCADE, related_name="activities"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verb = models.CharField(max_length=20, choices=ActivityVerb.choices)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.group_id}: {self.verb}"


class Message(models.Model):
    group = models.ForeignKey(
        WorkingGroup, on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveBigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = BoundedTextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    # Sent by the browser with each post, so a post retried after a network drop
    # is stored once.
    client_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["group", "seq"], name="unique_message_seq"),
            models.UniqueConstraint(
                fields=["group", "author", "client_id"],
                condition=~Q(client_id=""),
                name="unique_message_client_id",
            ),
        ]

    def __str__(self):
        return f"{self.group_id} #{self.seq}"


class NotesFormat(models.TextChoices):
    PLAIN = "plain", _("Plain text")
    MARKDOWN = "markdown", _("Markdown")


class Notes(models.Model):
    """The group's shared document; every save is a new NotesVersion."""

    group = models.OneToOneField(
        WorkingGroup, on_delete=models.CASCADE, related_name="notes"
    )
    body = BoundedTextField(_("notes"), max_length=NOTES_MAX_LENGTH, blank=True)
    format = models.CharField(
        _("format"), max_length=10, choices=NotesFormat.choices, default="markdown"
    )
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notes")
        verbose_name_plural = _("notes")

    def __str__(self):
        return f"{self.group} v{self.version}"


class NotesVersion(models.Model):
    notes = models.ForeignKey(Notes, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    body = BoundedTextField(max_length=NOTES_MAX_LENGTH, blank=True)
    format = models.CharField(max_length=10, choices=NotesFormat.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    merged = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["notes", "version"], name="unique_notes_version"
            )
        ]

    def __str__(self):
        return f"{self.notes_id} v{self.version}"


class Meeting(models.Model):
    group = models.ForeignKey(
        WorkingGroup, on_delete=models.CASCADE, related_name="meetings"
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online meeting link"), blank=True)
    agenda = BoundedTextField(_("agenda"), max_length=10_000, blank=True)
    minutes = BoundedTextField(_("minutes"), max_length=50_000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at"]

    def __str__(self):
        return self.title


def workspace_file_path(instance, filename):
    return random_file_name("workspaces", filename)


class WorkspaceFile(models.Model):
    group = models.ForeignKey(
        WorkingGroup, on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(
        upload_to=workspace_file_path, storage=get_private_storage, max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.original_name


class Connection(models.Model):
    """One open websocket, for presence. Rows are refreshed by a heartbeat and
    count only while fresh, so a server that dies leaves no ghost behind."""

    group = models.ForeignKey(
        WorkingGroup, on_delete=models.CASCADE, related_name="connections"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.channel_name
