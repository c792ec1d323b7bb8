"""What the matcher stores: embeddings per content version, and curated matches.

Matches are plain models pointing at the need and seed pages (STYLE.md,
convention 4): they are not content and must not travel in page revisions.
"""

import numpy as np
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hack.core.models import TimeStampedModel

from .match_types import MatchType, label_pair


class ContentKind(models.TextChoices):
    NEED = "need", _("Need")
    SEED = "seed", _("Seed")


class Embedding(models.Model):
    """The vectors of one version of a need's or seed's text under one model.

    A row is keyed by the text's hash, so publishing a version whose text did
    not change reuses the row instead of encoding again; `is_current` marks the
    row of the live version that takes part in matching.
    """

    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=ContentKind.choices)
    model_name = models.CharField(max_length=200)
    text_hash = models.CharField(max_length=64)
    revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    is_current = models.BooleanField(default=False)
    # The type the item asks for (need) or offers (seed); it follows fields
    # such as maturity that can change without the text changing.
    match_type = models.PositiveSmallIntegerField(choices=MatchType.choices)
    lang = models.CharField(max_length=8)
    truncated = models.BooleanField(
        default=False, help_text="The text was cut at MAX_TEXT_CHARS."
    )
    dim = models.PositiveSmallIntegerField()
    # float32, L2-normalised: one vector for the whole text, one per sentence.
    vector = models.BinaryField()
    sentences = models.JSONField(default=list)
    sentence_vectors = models.BinaryField()
    tokens = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["page", "model_name", "text_hash"],
                name="matching_embedding_unique_version",
            ),
        ]
        indexes = [models.Index(fields=["model_name", "kind", "is_current"])]

    def __str__(self):
        return f"{self.kind} {self.page_id} ({self.model_name})"

    def get_vector(self) -> np.ndarray:
        return np.frombuffer(bytes(self.vector), dtype=np.float32)

    def get_sentence_vectors(self) -> np.ndarray:
        return np.frombuffer(bytes(self.sentence_vectors), dtype=np.float32).reshape(
            -1, self.dim
        )


class MatchState(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Match(TimeStampedModel):
    """A need–seed pair the matcher suggested, and what a coordinator decided."""

    need = models.ForeignKey(
        "needs.NeedPage", on_delete=models.CASCADE, related_name="matches"
    )
    seed = models.ForeignKey(
        "seeds.SeedPage", on_delete=models.CASCADE, related_name="matches"
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=MatchState.choices,
        default=MatchState.SUGGESTED,
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    score = models.FloatField(_("score"), default=0.0)
    semantic = models.FloatField(default=0.0)
    lexical = models.FloatField(default=0.0)
    type_fit = models.FloatField(default=0.0)
    match_type = models.PositiveSmallIntegerField(
        _("matching type"), choices=MatchType.choices
    )
    type_reason = models.CharField(_("type reason"), max_length=300, blank=True)
    # Why, in plain words: [{"need": sentence, "seed": sentence, "similarity": f}]
    # and the shared key terms. Built when the pair is (re)scored.
    similar_sentences = models.JSONField(default=list, blank=True)
    shared_terms = models.JSONField(default=list, blank=True)
    reject_reason = models.TextField(_("reason for rejecting"), blank=True)
    note = models.TextField(_("coordinator note"), blank=True)
    # The text versions a rejection was about: a pair comes back only when
    # either text changes substantially.
    need_text_hash = models.CharField(max_length=64, blank=True)
    seed_text_hash = models.CharField(max_length=64, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["need", "seed"], name="matching_match_unique_pair"
            ),
        ]
        ordering = ["need", "-pinned", "rank"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")

    def __str__(self):
        return f"{self.need_id} ↔ {self.seed_id} ({self.state})"

    @property
    def type_reason_text(self) -> str:
        """The type reason in the reader's language; `type_reason` keeps the
        wording of the refresh that stored it, in whatever language that ran."""
        return label_pair(
            specificity=self.need.specificity,
            maturity=self.seed.maturity,
            deployments=self.seed.deployments,
        ).reason


class CurationAction(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    RESET = "reset", _("Back to suggested")
    PINNED = "pinned", _("Pinned")
    UNPINNED = "unpinned", _("Unpinned")
    NOTED = "noted", _("Note changed")
    INVITED_TO_CALL = "invited_to_call", _("Invited to the idea call")
    INVITED_TO_GROUP = "invited_to_group", _("Invited to a working group")
    RESURFACED = "resurfaced", _("Suggested again after a text change")


class CurationEvent(models.Model):
    """The log of every curation action (who, what, when, why)."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=CurationAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.match_id} {self.action}"
