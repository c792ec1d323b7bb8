"""What the calls app tells people. Params hold no confidential text: only the
need's title, the proposal's title (its readers are the organisation itself and
the reviewers) and the decision message, which goes only to the proposer."""

from django.utils.translation import gettext_lazy as _

from hack.notifications.kinds import EmailCategory, NotificationKind, register_kind

register_kind(
    NotificationKind(
        code="proposal.status_changed",
        title=_("Your proposal “%(proposal)s” has a new status"),
        email_template="calls/email/proposal_status",
        category=EmailCategory.PROPOSALS,
    )
)
register_kind(
    NotificationKind(
        code="proposal.submitted",
        title=_("A new proposal to “%(need)s” from %(organization)s"),
        email_template="calls/email/proposal_submitted",
        category=EmailCategory.REVIEWS,
    )
)
register_kind(
    NotificationKind(
        code="question.asked",
        title=_("A new question about the idea call “%(need)s”"),
        email_template="calls/email/question_asked",
        category=EmailCategory.REVIEWS,
    )
)
register_kind(
    NotificationKind(
        code="question.answered",
        title=_("Your question about “%(need)s” was answered"),
        email_template="calls/email/question_answered",
        category=EmailCategory.QUESTIONS,
    )
)
register_kind(
    NotificationKind(
        code="call.closing_soon",
        title=_("The idea call “%(need)s” closes on %(deadline)s"),
        email_template="calls/email/call_closing_soon",
        category=EmailCategory.REMINDERS,
    )
)
