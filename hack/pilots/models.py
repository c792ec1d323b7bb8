"""Pilot projects (実証プロジェクト): a working group or a shortlisted proposal put
to the test for a period, with goals measured against targets and milestones.

Plain models pointing at the need page, the group and the proposal; the rules
live in services.py (writes) and selectors.py (who may see what). Pilots are not
public: the need page shows only that one exists, its start and its status.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from hack.core.models import BoundedTextField

TITLE_MAX_LENGTH = 200
SUMMARY_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 1000
MAX_GOALS = 12
MAX_MILESTONES = 20


class PilotStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


# A pilot can still be changed in these statuses; finished and cancelled ones
# are the record.
OPEN_STATUSES = (PilotStatus.PLANNED, PilotStatus.RUNNING)


class GoalKind(models.TextChoices):
    TIME_SAVED = "time_saved", _("Time saved")
    COST = "cost", _("Cost")
    SATISFACTION = "satisfaction", _("Satisfaction")
    ACCURACY = "accuracy", _("Accuracy")
    OTHER = "other", _("Other")


class Pilot(models.Model):
    need = models.ForeignKey(
        "needs.NeedPage",
        verbose_name=_("need"),
        on_delete=models.PROTECT,
        related_name="pilots",
    )
    group = models.ForeignKey(
        "workspaces.WorkingGroup",
        verbose_name=_("working group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pilots",
    )
    proposal = models.ForeignKey(
        "calls.Proposal",
        verbose_name=_("proposal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pilots",
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    summary = BoundedTextField(_("summary"), max_length=SUMMARY_MAX_LENGTH, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="pilots",
    )
    organizations = models.ManyToManyField(
        "accounts.Organization",
        verbose_name=_("organisations"),
        blank=True,
        related_name="pilots",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PilotStatus.choices,
        default=PilotStatus.PLANNED,
    )
    results_summary = BoundedTextField(
        _("summary of the results"), max_length=SUMMARY_MAX_LENGTH, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The Wagtail case study drafted from this pilot. A plain id, not a foreign
    # key: hack apps never import cms (STYLE.md), and the page may be deleted.
    case_study_page_id = models.PositiveIntegerField(
        null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("pilot project")
        verbose_name_plural = _("pilot projects")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="pilot_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class PilotGoal(models.Model):
    """One measure of the pilot: a target, and the result once measured."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="goals")
    label = models.CharField(_("measure"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=15, choices=GoalKind.choices, default=GoalKind.OTHER
    )
    unit = models.CharField(
        _("unit"), max_length=40, blank=True, help_text=_("e.g. %, hours, people")
    )
    baseline = models.DecimalField(
        _("baseline"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The value before the pilot."),
    )
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    result = models.DecimalField(
        _("result"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    note = BoundedTextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.label

    @property
    def achieved(self) -> bool | None:
        """True or False once there is a result; None while it is being measured."""
        if self.result is None or self.target is None:
            return None
        if self.higher_is_better:
            return self.result >= self.target
        return self.result <= self.target

    @property
    def change_percent(self) -> Decimal | None:
        """The result against the baseline, in percent (negative: it went down)."""
        if self.result is None or not self.baseline:
            return None
        return (self.result - self.baseline) / self.baseline * 100


class Milestone(models.Model):
    pilot = models.ForeignKey(
        Pilot, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"))
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = BoundedTextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["order", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100),
                name="milestone_progress_at_most_100",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_done(self) -> bool:
        return self.progress >= 100
