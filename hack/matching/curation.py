"""What coordinators do with suggestions: accept, reject, pin, annotate, invite.

Every action checks that the actor is a coordinator, writes inside one
transaction, logs a CurationEvent (who, what, why) and sends its emails only
after the transaction commits. A service reads the match again under a row
lock, so two coordinators clicking at once cannot both accept (and notify).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hack.accounts.models import User
from hack.accounts.roles import is_coordinator, list_active_members
from hack.calls.selectors import get_current_call
from hack.needs.choices import Stage
from hack.needs.selectors import list_published_needs
from hack.notifications.services import notify
from hack.seeds.selectors import list_published_seeds

from . import notifications
from .encoders import get_encoder
from .models import CurationAction, CurationEvent, Embedding, Match, MatchState


def _require_coordinator(user: User) -> None:
    if not is_coordinator(user):
        raise PermissionDenied(_("Only coordinators curate matches."))


def _locked(match: Match) -> Match:
    # Lock the match row only, not the joined pages that editors may be saving.
    return (
        Match.objects.select_for_update(of=("self",))
        .select_related("need", "seed")
        .get(pk=match.pk)
    )


def _log(match: Match, action: str, by: User, reason: str = "") -> CurationEvent:
    return CurationEvent.objects.create(
        match=match, action=action, actor=by, reason=reason
    )


def _after_commit(function, *args, **kwargs) -> None:
    # robust: a mail server that is down must not turn a saved decision into an
    # error page; Django logs the failure. (A closure, not functools.partial:
    # Django's log line reads the callback's __qualname__.)
    def callback():
        function(*args, **kwargs)

    callback.__qualname__ = function.__qualname__
    transaction.on_commit(callback, robust=True)


def _require_published_pair(match: Match) -> None:
    if not list_published_needs().filter(pk=match.need_id).exists():
        raise ValidationError(_("The need is no longer published."))
    if not list_published_seeds().filter(pk=match.seed_id).exists():
        raise ValidationError(_("The seed is no longer published."))


def _require_accepted(match: Match) -> None:
    if match.state != MatchState.ACCEPTED:
        raise ValidationError(_("Accept the match before inviting the organisation."))


def current_text_hash(page_id: int) -> str:
    """The hash of the text version that takes part in matching now.

    A rejection remembers it: the pair comes back only when either text moves
    substantially away from this version (suggestions.changed_substantially).
    """
    embeddings = Embedding.objects.filter(
        page_id=page_id, model_name=get_encoder().name
    )
    embedding = (
        embeddings.filter(is_current=True).first()
        # Unpublished since: the last version that was matched.
        or embeddings.order_by("-updated_at", "-pk").first()
    )
    return embedding.text_hash if embedding else ""


@transaction.atomic
def accept_match(*, match: Match, by: User) -> Match:
    """Accept a suggestion; the organisation and the department are told by email."""
    _require_coordinator(by)
    match = _locked(match)
    if match.state == MatchState.ACCEPTED:
        raise ValidationError(_("This match is already accepted."))
    _require_published_pair(match)
    match.state = MatchState.ACCEPTED
    match.reject_reason = ""
    match.decided_by = by
    match.decided_at = timezone.now()
    match.save()
    _log(match, CurationAction.ACCEPTED, by)
    _after_commit(notifications.send_match_accepted, match.pk)
    return match


@transaction.atomic
def reject_match(*, match: Match, by: User, reason: str) -> Match:
    """Reject a suggestion for a reason; it stays away until a text changes."""
    _require_coordinator(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Write why this seed does not fit the need.")}
        )
    match = _locked(match)
    if match.state == MatchState.REJECTED:
        raise ValidationError(_("This match is already rejected."))
    match.state = MatchState.REJECTED
    match.reject_reason = reason
    # A rejected pair is out of the queue: a pin would keep it in view.
    match.pinned = False
    match.need_text_hash = current_text_hash(match.need_id)
    match.seed_text_hash = current_text_hash(match.seed_id)
    match.decided_by = by
    match.decided_at = timezone.now()
    match.save()
    _log(match, CurationAction.REJECTED, by, reason)
    return match


@transaction.atomic
def reset_match(*, match: Match, by: User, reason: str = "") -> Match:
    """Undo an acceptance or a rejection: the pair is a plain suggestion again."""
    _require_coordinator(by)
    match = _locked(match)
    if match.state == MatchState.SUGGESTED:
        raise ValidationError(_("This match is not decided yet."))
    match.state = MatchState.SUGGESTED
    match.reject_reason = ""
    match.need_text_hash = ""
    match.seed_text_hash = ""
    match.decided_by = None
    match.decided_at = None
    match.save()
    _log(match, CurationAction.RESET, by, (reason or "").strip())
    return match


@transaction.atomic
def pin_match(*, match: Match, by: User) -> Match:
    """Keep the pair in the queue even when it drops out of the top suggestions."""
    _require_coordinator(by)
    match = _locked(match)
    if match.pinned:
        raise ValidationError(_("This match is already pinned."))
    if match.state == MatchState.REJECTED:
        raise ValidationError(
            _("A rejected match cannot be pinned. Put it back to suggested first.")
        )
    match.pinned = True
    match.save(update_fields=["pinned", "updated_at"])
    _log(match, CurationAction.PINNED, by)
    return match


@transaction.atomic
def unpin_match(*, match: Match, by: User) -> Match:
    _require_coordinator(by)
    match = _locked(match)
    if not match.pinned:
        raise ValidationError(_("This match is not pinned."))
    match.pinned = False
    match.save(update_fields=["pinned", "updated_at"])
    _log(match, CurationAction.UNPINNED, by)
    return match


@transaction.atomic
def set_match_note(*, match: Match, by: User, note: str) -> Match:
    """A coordinators-only note; the log keeps every version of it."""
    _require_coordinator(by)
    match = _locked(match)
    note = (note or "").strip()
    if note == match.note:
        return match
    match.note = note
    match.save(update_fields=["note", "updated_at"])
    _log(match, CurationAction.NOTED, by, note)
    return match


@transaction.atomic
def invite_to_idea_call(*, match: Match, by: User, message: str = "") -> Match:
    """Invite the seed's organisation to answer the need's open idea call: each
    member gets an in-app notification and an email linking the call."""
    _require_coordinator(by)
    match = _locked(match)
    _require_accepted(match)
    _require_published_pair(match)
    call = get_current_call(match.need)
    if call is None or not call.is_open:
        raise ValidationError(
            _("The need has no open idea call. Open an idea call first.")
        )
    message = (message or "").strip()
    _log(match, CurationAction.INVITED_TO_CALL, by, message)
    need, seed = match.need, match.seed
    notify(
        recipients=list_active_members(seed.organization_id),
        kind="match.idea_call_invitation",
        params={
            "need": need.title,
            "seed": seed.title,
            "department": str(need.department or ""),
            "deadline": date_format(
                timezone.localtime(call.closes_at), "DATETIME_FORMAT"
            ),
            "coordinator": str(by),
            "message": message,
        },
        url=(need.url or "/") + "#idea-call",
    )
    return match


@transaction.atomic
def invite_to_working_group(*, match: Match, by: User, message: str = "") -> Match:
    """Propose a working group on the need to the organisation and the department.

    Working groups come with their own issue; until then both sides receive an
    email saying the coordinator proposes one.
    """
    _require_coordinator(by)
    match = _locked(match)
    _require_accepted(match)
    _require_published_pair(match)
    if match.need.stage == Stage.CLOSED:
        raise ValidationError(_("The need is closed."))
    message = (message or "").strip()
    _log(match, CurationAction.INVITED_TO_GROUP, by, message)
    _after_commit(
        notifications.send_working_group_proposal,
        match.pk,
        actor_id=by.pk,
        message=message,
    )
    return match
