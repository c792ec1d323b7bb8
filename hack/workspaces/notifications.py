"""What the workspaces app tells people. Params hold names, titles and ISO
times; times are formatted in each reader's language when shown."""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from hack.notifications.kinds import EmailCategory, NotificationKind, register_kind

register_kind(
    NotificationKind(
        code="workspace.member_added",
        title=_("You were added to the working group “%(group)s”"),
        email_template="workspaces/email/member_added",
        category=EmailCategory.WORKING_GROUPS,
    )
)
register_kind(
    NotificationKind(
        code="workspace.join_requested",
        title=_("%(organization)s asks to join the working group “%(group)s”"),
        email_template="workspaces/email/join_requested",
        category=EmailCategory.WORKING_GROUPS,
    )
)
register_kind(
    NotificationKind(
        code="workspace.join_declined",
        title=_("Your request to join “%(group)s” was declined"),
        email_template="workspaces/email/join_declined",
        category=EmailCategory.WORKING_GROUPS,
    )
)


def _meeting_when(params: dict) -> dict:
    """`when` from the stored `starts_at`, in the reader's language (city
    time). Notifications stored before `starts_at` existed keep their `when`."""
    starts_at = parse_datetime(str(params.get("starts_at") or ""))
    if starts_at is None:
        return params
    when = date_format(timezone.localtime(starts_at), "DATETIME_FORMAT")
    return {**params, "when": when}


register_kind(
    NotificationKind(
        code="workspace.meeting_scheduled",
        title=_("A meeting of “%(group)s” on %(when)s"),
        email_template="workspaces/email/meeting_scheduled",
        category=EmailCategory.WORKING_GROUPS,
        localize=_meeting_when,
    )
)
