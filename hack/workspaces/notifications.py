"""What the workspaces app tells people. Params hold names and titles only."""

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
register_kind(
    NotificationKind(
        code="workspace.meeting_scheduled",
        title=_("A meeting of “%(group)s” on %(when)s"),
        email_template="workspaces/email/meeting_scheduled",
        category=EmailCategory.WORKING_GROUPS,
    )
)
