"""What kinds of notification exist, registered by the apps that send them.

A kind names its in-app title (a lazy gettext string with %(name)s placeholders
filled from the notification's params when it is shown, so each viewer reads it
in their own language), its email templates and the email category a user can
turn off. Apps register their kinds at import time (e.g. in their
`notifications.py`, imported from `AppConfig.ready()`), so this module imports
nothing from them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailCategory(models.TextChoices):
    """What a user can turn off for email; in-app notifications always stay."""

    PROPOSALS = "proposals", _("My proposals")
    QUESTIONS = "questions", _("Questions I asked")
    REVIEWS = "reviews", _("Proposals to review")
    REMINDERS = "reminders", _("Deadline reminders")
    SUBSCRIPTIONS = "subscriptions", _("New needs and idea calls")
    WORKING_GROUPS = "working_groups", _("Working groups")


@dataclass(frozen=True)
class NotificationKind:
    code: str  # dotted, e.g. "proposal.status_changed"
    title: str  # lazy gettext with %(name)s placeholders filled from params
    email_template: str  # prefix of <prefix>_subject.txt and <prefix>_message.txt
    category: str  # an EmailCategory value
    # Params as the reader sees them, called in the reader's language when the
    # title or email is rendered: stored params keep codes and ISO times, and
    # this formats them (a date in Japanese for one recipient, English for
    # another).
    localize: Callable[[dict], dict] | None = None


_registry: dict[str, NotificationKind] = {}


def register_kind(kind: NotificationKind) -> NotificationKind:
    """Register a kind; registering the same code again keeps the first one."""
    if kind.category not in EmailCategory.values:
        raise ValueError(f"unknown email category {kind.category!r} for {kind.code}")
    return _registry.setdefault(kind.code, kind)


def get_kind(code: str) -> NotificationKind:
    """The registered kind; LookupError names the code when it is unknown."""
    try:
        return _registry[code]
    except KeyError:
        raise LookupError(f"unknown notification kind {code!r}") from None


class _Params(dict):
    """Params for a title: a missing name renders empty instead of failing."""

    def __missing__(self, key):
        return ""


def shown_params(kind: NotificationKind, params: dict) -> dict:
    """`params` made readable in the current language (see `localize`)."""
    params = dict(params or {})
    return kind.localize(params) if kind.localize else params


def render_title(code: str, params: dict) -> str:
    """The kind's title in the current language, filled from `params`."""
    try:
        kind = get_kind(code)
    except LookupError:
        return code
    try:
        return str(kind.title) % _Params(shown_params(kind, params))
    except (TypeError, ValueError):
        return str(kind.title)


# The kinds this app sends itself: subscriptions to new needs and idea calls.
NEW_NEED = register_kind(
    NotificationKind(
        code="subscription.new_need",
        title=_("New need: %(title)s"),
        email_template="notifications/email/new_need",
        category=EmailCategory.SUBSCRIPTIONS,
    )
)
NEW_CALL = register_kind(
    NotificationKind(
        code="subscription.new_call",
        title=_("New idea call: %(title)s"),
        email_template="notifications/email/new_call",
        category=EmailCategory.SUBSCRIPTIONS,
    )
)
