"""The city's participation targets (参加者数の目標), one per period.

A period is one Japanese fiscal year (1 April to 31 March, Asia/Tokyo); the city
names them "1Q" (FY2022), "2Q" (FY2023) and so on. Each target is cumulative:
the number of distinct participants the platform should have reached by the end
of that fiscal year. The figures themselves are computed from recorded facts
(selectors.py); only the targets are stored.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

FIRST_FISCAL_YEAR = 2000
LAST_FISCAL_YEAR = 2100
MAX_TARGET = 10_000_000


class ParticipationTarget(models.Model):
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"),
        unique=True,
        validators=[
            MinValueValidator(FIRST_FISCAL_YEAR),
            MaxValueValidator(LAST_FISCAL_YEAR),
        ],
        help_text=_("The Japanese fiscal year, from 1 April to 31 March."),
    )
    label = models.CharField(
        _("period"),
        max_length=20,
        unique=True,
        help_text=_("The city's name for the period, e.g. 5Q."),
    )
    cumulative_target = models.PositiveIntegerField(
        _("cumulative target"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET)],
        help_text=_("Participants in total by the end of this period."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("participation target")
        verbose_name_plural = _("participation targets")
        ordering = ["fiscal_year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cumulative_target__gte=1),
                name="participation_target_positive",
            )
        ]

    def __str__(self):
        return f"{self.label} (FY{self.fiscal_year}): {self.cumulative_target}"
