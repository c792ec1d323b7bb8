"""Writes for idea calls, questions, proposals and reviews.

Each function checks who may do it and whether the call's dates allow it, writes
inside one transaction (a refused write leaves nothing half-saved) and sends
notifications through hack.notifications, which delivers email after commit.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hack.accounts.models import User
from hack.accounts.roles import get_organization_of, list_active_members
from hack.core.uploads import UploadKind, sniff_mime_type, validate_upload
from hack.notifications.services import announce, notify

from . import selectors
from .models import (
    DECISIONS,
    DEFAULT_TERMS,
    MAX_ATTACHMENTS,
    MAX_CALL_DOCUMENTS,
    AccessKind,
    CallDocument,
    CallQuestion,
    IdeaCall,
    Proposal,
    ProposalAccess,
    ProposalAttachment,
    ProposalStatus,
    ProposalStatusChange,
    Review,
    ReviewScore,
    RubricCriterion,
)

DEFAULT_CRITERIA = (
    "課題の理解",  # understanding of the problem
    "実現可能性",  # feasibility
    "新規性",  # novelty
    "費用",  # cost
    "継続性",  # continuity
)
REMINDER_BEFORE_CLOSING = timedelta(hours=48)
ATTACHMENT_UPLOAD = UploadKind(
    label="PDF, Word, Excel, PowerPoint, JPEG, PNG, WebP",
    mime_types=frozenset(
        {
            "application/pdf",
            "application/msword",
            "application/vnd.ms-excel",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "image/jpeg",
            "image/png",
            "image/webp",
        }
    ),
)
PROPOSAL_TEXT_FIELDS = ("title", "public_summary", "summary_is_public", "body")


def _deadline(call: IdeaCall) -> str:
    return date_format(timezone.localtime(call.closes_at), "DATETIME_FORMAT")


# Idea calls --------------------------------------------------------------


def _check_call_dates(opens_at, closes_at) -> None:
    if closes_at <= opens_at:
        raise ValidationError(
            {"closes_at": _("The closing date must be after the opening date.")}
        )


def _set_criteria(call: IdeaCall, labels) -> None:
    labels = [label.strip() for label in labels if label.strip()] or list(
        DEFAULT_CRITERIA
    )
    if len(labels) != len(set(labels)):
        raise ValidationError({"criteria": _("Each criterion may appear only once.")})
    existing = {c.label: c for c in call.criteria.all()}
    for position, label in enumerate(labels):
        criterion = existing.pop(label, None) or RubricCriterion(call=call, label=label)
        criterion.position = position
        criterion.save()
    # A criterion already scored stays: removing it would rewrite reviews.
    for criterion in existing.values():
        if ReviewScore.objects.filter(criterion=criterion).exists():
            raise ValidationError(
                {
                    "criteria": _(
                        "“%(label)s” has scores already and cannot be removed."
                    )
                    % {"label": criterion.label}
                }
            )
        criterion.delete()


def _add_call_documents(call: IdeaCall, files) -> None:
    files = list(files or [])
    if call.documents.count() + len(files) > MAX_CALL_DOCUMENTS:
        raise ValidationError(
            {
                "documents": _("A call can have at most %(count)s documents.")
                % {"count": MAX_CALL_DOCUMENTS}
            }
        )
    for upload in files:
        try:
            validate_upload(upload, ATTACHMENT_UPLOAD)
        except ValidationError as error:
            raise ValidationError({"documents": error.messages}) from error
        CallDocument.objects.create(
            call=call,
            file=upload,
            original_name=upload.name[:255],
            content_type=sniff_mime_type(upload) or "application/octet-stream",
            size=upload.size,
        )


@transaction.atomic
def open_idea_call(
    *,
    need,
    by: User,
    opens_at,
    closes_at,
    what_we_want: str,
    review_criteria: str = "",
    terms: str = "",
    criteria=(),
    documents=(),
) -> IdeaCall:
    if not selectors.can_manage_call(by, need):
        raise PermissionDenied(
            _("Only the department in charge or a coordinator can open a call.")
        )
    if not need.live:
        raise ValidationError(_("A call can be opened only on a published need."))
    _check_call_dates(opens_at, closes_at)
    if closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("The closing date is in the past.")})
    if IdeaCall.objects.filter(need=need, closes_at__gt=timezone.now()).exists():
        raise ValidationError(
            _("This need already has an open or upcoming call. Edit that one.")
        )
    call = IdeaCall.objects.create(
        need=need,
        opens_at=opens_at,
        closes_at=closes_at,
        what_we_want=what_we_want,
        review_criteria=review_criteria,
        terms=terms or str(DEFAULT_TERMS),
        created_by=by,
    )
    _set_criteria(call, criteria)
    _add_call_documents(call, documents)
    if call.opens_at <= timezone.now():
        _start_call(call, by=by)
    return call


@transaction.atomic
def update_idea_call(
    *, call: IdeaCall, by: User, documents=(), criteria=None, **fields
) -> IdeaCall:
    call = IdeaCall.objects.select_for_update().get(pk=call.pk)
    if not selectors.can_manage_call(by, call.need):
        raise PermissionDenied(_("You cannot edit this call."))
    if call.is_closed:
        raise ValidationError(_("The call has closed; it can no longer be changed."))
    for name in ("opens_at", "closes_at", "what_we_want", "review_criteria", "terms"):
        if name in fields:
            setattr(call, name, fields[name])
    _check_call_dates(call.opens_at, call.closes_at)
    if call.closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("The closing date is in the past.")})
    call.save()
    if criteria is not None:
        _set_criteria(call, criteria)
    _add_call_documents(call, documents)
    if call.announced_at is None and call.opens_at <= timezone.now():
        _start_call(call, by=by)
    return call


def _start_call(call: IdeaCall, *, by: User | None) -> None:
    """Once a call opens: the need moves to “open for ideas” and subscribers hear."""
    from hack.needs.choices import Stage
    from hack.needs.services import change_need_stage

    need = call.need
    if need.stage == Stage.PUBLISHED and by is not None:
        change_need_stage(need=need, to=Stage.OPEN_FOR_IDEAS, by=by)
    elif need.stage == Stage.PUBLISHED:
        # The schedule has no user; the move is still recorded as a stage change.
        from hack.needs.models import NeedStageChange

        NeedStageChange.objects.create(
            need=need, from_stage=need.stage, to_stage=Stage.OPEN_FOR_IDEAS
        )
        need.stage = Stage.OPEN_FOR_IDEAS
        need.stage_changed_at = timezone.now()
        need.save(update_fields=["stage", "stage_changed_at"], clean=False)
    call.announced_at = timezone.now()
    call.save(update_fields=["announced_at"])
    if selectors.list_public_calls().filter(pk=call.pk).exists():
        announce(
            key=f"call:{call.pk}",
            kind="call",
            title=need.title,
            summary=call.what_we_want[:400],
            url=need.url or "/",
            field=need.field,
            department_id=need.department_id,
            published_at=call.opens_at,
        )


@transaction.atomic
def remove_call_document(*, document: CallDocument, by: User) -> None:
    if not selectors.can_manage_call(by, document.call.need):
        raise PermissionDenied(_("You cannot edit this call."))
    if document.call.is_closed:
        raise ValidationError(_("The call has closed; it can no longer be changed."))
    name, storage = document.file.name, document.file.storage
    document.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: storage.delete(name))


def run_call_schedule(*, now=None) -> dict:
    """The periodic job: open calls whose time has come and remind drafters 48
    hours before a call closes. Idempotent: each step is recorded on the call."""
    now = now or timezone.now()
    opened = reminded = 0
    for call in IdeaCall.objects.filter(
        announced_at__isnull=True, opens_at__lte=now, closes_at__gt=now
    ):
        with transaction.atomic():
            _start_call(call, by=None)
        opened += 1
    for call in IdeaCall.objects.filter(
        reminder_sent_at__isnull=True,
        opens_at__lte=now,
        closes_at__gt=now,
        closes_at__lte=now + REMINDER_BEFORE_CLOSING,
    ).select_related("need"):
        with transaction.atomic():
            drafters = list(selectors.list_drafters_of(call))
            for proposal in call.proposals.filter(status=ProposalStatus.DRAFT):
                members = [
                    user
                    for user in drafters
                    if user.memberships.filter(
                        organization_id=proposal.organization_id
                    ).exists()
                ]
                notify(
                    recipients=members,
                    kind="call.closing_soon",
                    params={"need": call.need.title, "deadline": _deadline(call)},
                    url=_proposal_path(proposal),
                )
            call.reminder_sent_at = now
            call.save(update_fields=["reminder_sent_at"])
        reminded += 1
    return {"opened": opened, "reminded": reminded}


# Questions ---------------------------------------------------------------


@transaction.atomic
def ask_question(*, call: IdeaCall, by: User, question: str) -> CallQuestion:
    organization = get_organization_of(by)
    if organization is None:
        raise PermissionDenied(
            _("Questions are asked by members of a registered organisation.")
        )
    if not call.is_open:
        raise ValidationError(
            _("Questions can be asked only while the call is open (until %(date)s).")
            % {"date": _deadline(call)}
        )
    question = question.strip()
    if not question:
        raise ValidationError({"question": _("Write your question.")})
    asked = CallQuestion.objects.create(
        call=call, asked_by=by, organization=organization, question=question
    )
    need = call.need
    notify(
        recipients=selectors.list_department_staff(call),
        kind="question.asked",
        params={"need": need.title},
        url=_call_manage_path(call),
    )
    return asked


@transaction.atomic
def answer_question(*, question: CallQuestion, by: User, answer: str) -> CallQuestion:
    question = CallQuestion.objects.select_for_update().get(pk=question.pk)
    call = question.call
    if not selectors.can_manage_call(by, call.need):
        raise PermissionDenied(_("Only the department in charge answers questions."))
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Write an answer.")})
    first_answer = question.answered_at is None
    question.answer = answer
    question.answered_by = by
    question.answered_at = question.answered_at or timezone.now()
    question.save()
    if question.asked_by_id and first_answer:
        notify(
            recipients=[question.asked_by],
            kind="question.answered",
            params={"need": call.need.title},
            url=(call.need.url or "/") + "#call-questions",
        )
    return question


# Proposals ---------------------------------------------------------------


def _proposal_path(proposal: Proposal) -> str:
    from django.urls import reverse

    return reverse("calls:proposal-detail", kwargs={"pk": proposal.pk})


def _call_manage_path(call: IdeaCall) -> str:
    from django.urls import reverse

    return reverse("calls:call-manage", kwargs={"pk": call.pk})


def _require_member(proposal: Proposal, by: User) -> None:
    if not selectors.is_proposal_member(by, proposal):
        raise PermissionDenied(_("Only your organisation can change this proposal."))


def _require_open(call: IdeaCall) -> None:
    if call.is_closed:
        raise ValidationError(
            _(
                "The call closed on %(date)s. Proposals to it can no longer be "
                "started, changed, submitted or withdrawn."
            )
            % {"date": _deadline(call)}
        )
    if not call.is_open:
        raise ValidationError(_("The call has not opened yet."))


def _lock_for_member(proposal: Proposal, by: User) -> Proposal:
    """The proposal, locked for this change, once its organisation's member may
    change it: the call must still be open."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    _require_member(proposal, by)
    _require_open(proposal.call)
    return proposal


@transaction.atomic
def start_proposal(*, call: IdeaCall, by: User) -> Proposal:
    """The organisation's proposal to the call: the existing one, or a new draft."""
    organization = get_organization_of(by)
    if organization is None:
        raise PermissionDenied(
            _("Proposals are written by members of a registered organisation.")
        )
    existing = selectors.get_proposal_of(organization, call)
    if existing is not None:
        return existing
    if not selectors.list_public_calls().filter(pk=call.pk).exists():
        raise PermissionDenied(_("This call is not public."))
    _require_open(call)
    return Proposal.objects.create(call=call, organization=organization, created_by=by)


def _clean_seeds(proposal: Proposal, seeds):
    seeds = list(seeds)
    foreign = [s for s in seeds if s.organization_id != proposal.organization_id]
    if foreign:
        raise ValidationError({"seeds": _("Choose only your organisation's seeds.")})
    return seeds


@transaction.atomic
def save_proposal_draft(
    *, proposal: Proposal, by: User, data: dict, seeds=None
) -> Proposal:
    """Autosave and the edit form: keep what was typed while the call is open."""
    proposal = _lock_for_member(proposal, by)
    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED):
        raise ValidationError(
            _("A withdrawn proposal must be reopened before it is changed.")
        )
    for name in PROPOSAL_TEXT_FIELDS:
        if name in data:
            setattr(proposal, name, data[name])
    if data.get("accept_terms") and proposal.terms_accepted_at is None:
        proposal.terms_accepted_at = timezone.now()
    if proposal.status == ProposalStatus.SUBMITTED:
        _check_complete(proposal)
    proposal.full_clean(exclude=["call", "organization", "created_by", "seeds"])
    proposal.save()
    if seeds is not None:
        proposal.seeds.set(_clean_seeds(proposal, seeds))
    return proposal


def _check_complete(proposal: Proposal) -> None:
    errors = {}
    if not proposal.title.strip():
        errors["title"] = _("Give the proposal a title.")
    if not proposal.body.strip():
        errors["body"] = _("Write the proposal.")
    if proposal.terms_accepted_at is None:
        errors["accept_terms"] = _("Accept the terms of the call to submit.")
    if errors:
        raise ValidationError(errors)


def _change_status(
    proposal: Proposal, *, to: str, by: User, message: str = ""
) -> ProposalStatusChange:
    change = ProposalStatusChange.objects.create(
        proposal=proposal,
        from_status=proposal.status,
        to_status=to,
        changed_by=by,
        message=message,
    )
    proposal.status = to
    return change


def _tell_proposer(proposal: Proposal, *, message: str = "") -> None:
    notify(
        recipients=list_active_members(proposal.organization_id),
        kind="proposal.status_changed",
        params={
            "proposal": proposal.title or _("Untitled proposal"),
            "need": proposal.call.need.title,
            "status": proposal.status,
            "message": message,
        },
        url=_proposal_path(proposal),
    )


@transaction.atomic
def submit_proposal(*, proposal: Proposal, by: User) -> Proposal:
    proposal = _lock_for_member(proposal, by)
    if proposal.status != ProposalStatus.DRAFT:
        raise ValidationError(_("Only a draft can be submitted."))
    _check_complete(proposal)
    _change_status(proposal, to=ProposalStatus.SUBMITTED, by=by)
    proposal.submitted_at = timezone.now()
    proposal.save()
    _tell_proposer(proposal)
    call = proposal.call
    notify(
        recipients=selectors.list_department_staff(call),
        kind="proposal.submitted",
        params={"need": call.need.title, "organization": proposal.organization.name},
        url=_call_manage_path(call),
    )
    return proposal


@transaction.atomic
def withdraw_proposal(*, proposal: Proposal, by: User) -> Proposal:
    proposal = _lock_for_member(proposal, by)
    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED):
        raise ValidationError(_("This proposal cannot be withdrawn any more."))
    was_submitted = proposal.status == ProposalStatus.SUBMITTED
    _change_status(proposal, to=ProposalStatus.WITHDRAWN, by=by)
    proposal.save()
    if was_submitted:
        _tell_proposer(proposal)
    return proposal


@transaction.atomic
def reopen_proposal(*, proposal: Proposal, by: User) -> Proposal:
    proposal = _lock_for_member(proposal, by)
    if proposal.status != ProposalStatus.WITHDRAWN:
        raise ValidationError(_("Only a withdrawn proposal can be reopened."))
    _change_status(proposal, to=ProposalStatus.DRAFT, by=by)
    proposal.submitted_at = None
    proposal.save()
    return proposal


@transaction.atomic
def add_attachment(*, proposal: Proposal, by: User, upload) -> ProposalAttachment:
    proposal = _lock_for_member(proposal, by)
    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED):
        raise ValidationError(
            _("A withdrawn proposal must be reopened before it is changed.")
        )
    if proposal.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(
            {
                "attachment": _(
                    "A proposal can have at most %(count)s attachments. "
                    "Remove one first."
                )
                % {"count": MAX_ATTACHMENTS}
            }
        )
    try:
        validate_upload(upload, ATTACHMENT_UPLOAD)
    except ValidationError as error:
        raise ValidationError({"attachment": error.messages}) from error
    return ProposalAttachment.objects.create(
        proposal=proposal,
        file=upload,
        original_name=upload.name[:255],
        content_type=sniff_mime_type(upload) or "application/octet-stream",
        size=upload.size,
        uploaded_by=by,
    )


@transaction.atomic
def remove_attachment(*, attachment: ProposalAttachment, by: User) -> None:
    proposal = attachment.proposal
    _require_member(proposal, by)
    _require_open(proposal.call)
    name = attachment.file.name
    attachment.delete()
    storage = attachment.file.storage
    transaction.on_commit(lambda: storage.delete(name))


def record_proposal_access(
    *, proposal: Proposal, by: User, kind: str = AccessKind.VIEW, attachment=None
) -> ProposalAccess | None:
    """Every read by city staff is kept; the organisation's own reads are not."""
    if selectors.is_proposal_member(by, proposal) or not selectors.is_city_reader(
        by, proposal
    ):
        return None
    return ProposalAccess.objects.create(
        proposal=proposal,
        user=by,
        kind=kind,
        attachment_name=attachment.original_name if attachment else "",
    )


# Review ------------------------------------------------------------------


def _require_reviewer(proposal: Proposal, by: User) -> None:
    if not selectors.is_city_reader(by, proposal):
        raise PermissionDenied(_("You cannot review this proposal."))


@transaction.atomic
def save_review(
    *, proposal: Proposal, by: User, scores: dict[int, tuple[int, str]]
) -> Review:
    """scores maps a criterion id to (score 1–5, comment); all criteria at once."""
    _require_reviewer(proposal, by)
    criteria = {c.pk: c for c in selectors.list_criteria(proposal.call)}
    errors = {}
    for criterion_id in criteria:
        if criterion_id not in scores:
            errors[f"score_{criterion_id}"] = _("Give a score from 1 to 5.")
    for criterion_id, (score, _comment) in scores.items():
        if criterion_id not in criteria:
            raise ValidationError(_("Unknown criterion."))
        if not isinstance(score, int) or not 1 <= score <= 5:
            errors[f"score_{criterion_id}"] = _(
                "A score is a whole number from 1 to 5."
            )
    if errors:
        raise ValidationError(errors)
    review, _created = Review.objects.select_for_update().get_or_create(
        proposal=proposal, reviewer=by
    )
    if review.conflict_of_interest:
        raise ValidationError(
            _("You declared a conflict of interest for this proposal.")
        )
    for criterion_id, (score, comment) in scores.items():
        ReviewScore.objects.update_or_create(
            review=review,
            criterion=criteria[criterion_id],
            defaults={"score": score, "comment": comment.strip()[:1000]},
        )
    review.save()
    return review


@transaction.atomic
def declare_conflict(*, proposal: Proposal, by: User, note: str = "") -> Review:
    """The reviewer steps aside; any scores they gave no longer count."""
    _require_reviewer(proposal, by)
    review, _created = Review.objects.select_for_update().get_or_create(
        proposal=proposal, reviewer=by
    )
    review.conflict_of_interest = True
    review.conflict_note = note.strip()[:400]
    review.save()
    review.scores.all().delete()
    return review


ALLOWED_DECISIONS = {
    ProposalStatus.SUBMITTED: set(DECISIONS),
    ProposalStatus.SHORTLISTED: {ProposalStatus.INVITED, ProposalStatus.DECLINED},
}


@transaction.atomic
def decide_proposal(
    *, proposal: Proposal, by: User, decision: str, message: str
) -> Proposal:
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    _require_reviewer(proposal, by)
    if selectors.has_declared_conflict(by, proposal):
        raise PermissionDenied(
            _("You declared a conflict of interest for this proposal.")
        )
    if decision not in ALLOWED_DECISIONS.get(proposal.status, set()):
        raise ValidationError(
            _("A proposal that is “%(status)s” cannot be given this decision.")
            % {"status": ProposalStatus(proposal.status).label}
        )
    message = message.strip()
    if not message:
        raise ValidationError({"message": _("Write a message to the proposer.")})
    _change_status(proposal, to=decision, by=by, message=message)
    proposal.decision_message = message
    proposal.decided_at = timezone.now()
    proposal.save()
    _tell_proposer(proposal, message=message)
    return proposal
