"""Idea calls (アイデア募集) on published needs, the questions asked about them, the
confidential proposals (提案) organisations send, and their review.

These are relations, not content: plain models pointing at the Wagtail pages.
Every read and write goes through selectors.py and services.py, which hold the
confidentiality rules; nothing here decides who may see what.
"""

import os
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from hack.core.models import BoundedTextField

MAX_ATTACHMENTS = 5
MAX_CALL_DOCUMENTS = 5
DEFAULT_TERMS = _(
    "Proposals are read only by the department in charge of this need and the "
    "coordinators of YOKOHAMA Hack!. Sending a proposal does not commit the city "
    "to a contract or a pilot. Do not include personal data of third parties."
)


class PrivateStorage(FileSystemStorage):
    """Files that must never be reachable by URL: proposal attachments and call
    documents. They live outside MEDIA_ROOT (PRIVATE_MEDIA_ROOT) and are served
    only by views that check permission."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL; use the download view.")


def get_private_storage() -> PrivateStorage:
    return PrivateStorage()


def random_file_name(prefix: str, filename: str) -> str:
    # The stored name says nothing about the proposal or the original file.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"{prefix}/{uuid.uuid4().hex}{suffix}"


def call_document_path(instance, filename):
    return random_file_name("calls", filename)


def attachment_path(instance, filename):
    return random_file_name("proposals", filename)


class CallStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Opens soon")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class IdeaCall(models.Model):
    need = models.ForeignKey(
        "needs.NeedPage",
        verbose_name=_("need"),
        on_delete=models.PROTECT,
        related_name="idea_calls",
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    what_we_want = BoundedTextField(
        _("what we want proposed"),
        max_length=4000,
        help_text=_("What the department hopes to receive: scope, budget, timing."),
    )
    review_criteria = BoundedTextField(
        _("how proposals are reviewed"),
        max_length=2000,
        blank=True,
        help_text=_("Shown publicly with the call."),
    )
    terms = BoundedTextField(_("terms of the call"), max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Set by the call schedule (services.run_call_schedule) once done, so each
    # announcement and reminder goes out once.
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("idea call")
        verbose_name_plural = _("idea calls")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="idea_call_closes_after_opening",
            )
        ]

    def __str__(self):
        return f"{self.need.title} ({self.closes_at:%Y-%m-%d})"

    def status_at(self, moment=None) -> str:
        moment = moment or timezone.now()
        if moment < self.opens_at:
            return CallStatus.SCHEDULED
        if moment < self.closes_at:
            return CallStatus.OPEN
        return CallStatus.CLOSED

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def is_open(self) -> bool:
        return self.status == CallStatus.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == CallStatus.CLOSED

    def get_status_display(self) -> str:
        return CallStatus(self.status).label


class CallDocument(models.Model):
    """A public document attached to a call (specification, data, forms)."""

    call = models.ForeignKey(
        IdeaCall, on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField(upload_to=call_document_path, storage=get_private_storage)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.original_name


class RubricCriterion(models.Model):
    call = models.ForeignKey(
        IdeaCall, on_delete=models.CASCADE, related_name="criteria"
    )
    label = models.CharField(_("criterion"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.label


class CallQuestion(models.Model):
    """Public Q&A: the question becomes public once answered; who asked never does."""

    call = models.ForeignKey(
        IdeaCall, on_delete=models.CASCADE, related_name="questions"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    question = BoundedTextField(_("question"), max_length=2000)
    answer = BoundedTextField(_("answer"), max_length=4000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.question[:40]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    INVITED = "invited", _("Invited to a working group")
    DECLINED = "declined", _("Declined")


# What reviewers see: a proposal the organisation has sent and not taken back.
REVIEWABLE_STATUSES = (
    ProposalStatus.SUBMITTED,
    ProposalStatus.SHORTLISTED,
    ProposalStatus.INVITED,
    ProposalStatus.DECLINED,
)
DECISIONS = (
    ProposalStatus.SHORTLISTED,
    ProposalStatus.INVITED,
    ProposalStatus.DECLINED,
)


class Proposal(models.Model):
    call = models.ForeignKey(
        IdeaCall, on_delete=models.PROTECT, related_name="proposals"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="proposals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    public_summary = BoundedTextField(
        _("short public summary"),
        max_length=400,
        blank=True,
        help_text=_("Two or three sentences. Public only if you agree below."),
    )
    summary_is_public = models.BooleanField(
        _("publish the short summary"),
        default=False,
        help_text=_(
            "If ticked, the title and short summary may be shown publicly with "
            "the call. The proposal itself always stays confidential."
        ),
    )
    body = BoundedTextField(
        _("proposal"),
        max_length=20000,
        blank=True,
        help_text=_(
            "Confidential: read only by your organisation, the department in "
            "charge and the coordinators."
        ),
    )
    seeds = models.ManyToManyField(
        "seeds.SeedPage",
        verbose_name=_("seeds it builds on"),
        blank=True,
        related_name="proposals",
    )
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_message = BoundedTextField(max_length=4000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            # One proposal per organisation and call; a withdrawn one is reopened.
            models.UniqueConstraint(
                fields=["call", "organization"], name="one_proposal_per_call"
            )
        ]

    def __str__(self):
        return self.title or str(_("Untitled proposal"))

    @cached_property
    def need(self):
        return self.call.need

    @property
    def is_reviewable(self) -> bool:
        return self.status in REVIEWABLE_STATUSES


class ProposalAttachment(models.Model):
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, storage=get_private_storage)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.original_name


class ProposalStatusChange(models.Model):
    """The record of every status move, with the message sent to the proposer."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=ProposalStatus.choices)
    to_status = models.CharField(max_length=20, choices=ProposalStatus.choices)
    message = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.proposal_id}: {self.from_status} → {self.to_status}"


class AccessKind(models.TextChoices):
    VIEW = "view", _("Read the proposal")
    DOWNLOAD = "download", _("Downloaded an attachment")


class ProposalAccess(models.Model):
    """Every read of a proposal by city staff: who, when, what."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="accesses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=AccessKind.choices)
    attachment_name = models.CharField(max_length=255, blank=True)
    accessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-accessed_at", "-pk"]

    def __str__(self):
        return f"{self.user_id} {self.kind} {self.proposal_id} {self.accessed_at}"


class Review(models.Model):
    """One reviewer's independent scoring of one proposal, or their conflict."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    conflict_of_interest = models.BooleanField(default=False)
    conflict_note = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "reviewer"], name="one_review_per_reviewer"
            )
        ]

    def __str__(self):
        return f"{self.reviewer_id} → {self.proposal_id}"


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        RubricCriterion, on_delete=models.CASCADE, related_name="+"
    )
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion"], name="one_score_per_criterion"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5),
                name="score_between_1_and_5",
            ),
        ]

    def __str__(self):
        return f"{self.criterion_id}: {self.score}"
