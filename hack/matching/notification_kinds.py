"""The in-app notifications matching sends (registered from MatchingConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from hack.notifications.kinds import EmailCategory, NotificationKind, register_kind

register_kind(
    NotificationKind(
        code="match.idea_call_invitation",
        title=_("Invitation to the idea call “%(need)s” for your seed “%(seed)s”"),
        email_template="matching/email/call_invitation",
        category=EmailCategory.PROPOSALS,
    )
)
