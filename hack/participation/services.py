"""Writes for the participation targets. Coordinators only.

The rules: a period that has ended keeps the target it had (the figures were
reported against it); a cumulative target never goes down from one period to
the next; each fiscal year and each period name appears once.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hack.accounts.models import User
from hack.accounts.roles import is_coordinator

from . import periods as fiscal
from .models import (
    FIRST_FISCAL_YEAR,
    LAST_FISCAL_YEAR,
    MAX_TARGET,
    ParticipationTarget,
)

# The city's four initial periods (also created by migration 0002).
INITIAL_TARGETS = (
    ("1Q", 2022, 250),
    ("2Q", 2023, 500),
    ("3Q", 2024, 750),
    ("4Q", 2025, 1000),
)
LABEL_MAX_LENGTH = 20


def _require_coordinator(by: User) -> None:
    if not is_coordinator(by):
        raise PermissionDenied(_("Only coordinators can change participation targets."))


def period_name(target: ParticipationTarget) -> str:
    return _("%(period)s (%(year)s)") % {
        "period": target.label,
        "year": fiscal.fiscal_year_label(target.fiscal_year),
    }


def _check_open(fiscal_year: int, *, name: str) -> None:
    if fiscal_year < fiscal.current_fiscal_year():
        raise ValidationError(
            _(
                "%(period)s has ended: its target is kept as the figures were "
                "reported against it and can no longer be changed."
            )
            % {"period": name},
            code="period_ended",
        )


def _check_value(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            {"cumulative_target": _("Enter a whole number of participants.")}
        )
    if not 1 <= value <= MAX_TARGET:
        raise ValidationError(
            {
                "cumulative_target": _("Enter a number from 1 to %(max)s.")
                % {"max": f"{MAX_TARGET:,}"}
            }
        )
    return value


def _check_order(
    value: int, fiscal_year: int, others: list[ParticipationTarget]
) -> None:
    """Cumulative targets never decrease from one period to the next."""
    earlier = [t for t in others if t.fiscal_year < fiscal_year]
    later = [t for t in others if t.fiscal_year > fiscal_year]
    if earlier and value < earlier[-1].cumulative_target:
        previous = earlier[-1]
        raise ValidationError(
            {
                "cumulative_target": _(
                    "A cumulative target cannot be lower than the one before it: "
                    "%(period)s has %(target)s. Enter %(target)s or more."
                )
                % {
                    "period": period_name(previous),
                    "target": f"{previous.cumulative_target:,}",
                }
            },
            code="decreasing",
        )
    if later and value > later[0].cumulative_target:
        following = later[0]
        raise ValidationError(
            {
                "cumulative_target": _(
                    "A cumulative target cannot be higher than the one after it: "
                    "%(period)s has %(target)s. Enter %(target)s or less, or raise "
                    "the later target first."
                )
                % {
                    "period": period_name(following),
                    "target": f"{following.cumulative_target:,}",
                }
            },
            code="decreasing",
        )


def _clean_label(label: str) -> str:
    label = (label or "").replace("\x00", "").strip()
    if not label:
        raise ValidationError({"label": _("Give the period a name, e.g. 5Q.")})
    if len(label) > LABEL_MAX_LENGTH:
        raise ValidationError(
            {"label": _("Up to %(max)d characters.") % {"max": LABEL_MAX_LENGTH}}
        )
    return label


def _locked_targets() -> list[ParticipationTarget]:
    """All targets, locked: two coordinators saving at once cannot together
    break the order."""
    return list(ParticipationTarget.objects.select_for_update().order_by("fiscal_year"))


@transaction.atomic
def update_participation_target(
    *, target: ParticipationTarget, by: User, cumulative_target: int
) -> ParticipationTarget:
    _require_coordinator(by)
    targets = _locked_targets()
    target = next((t for t in targets if t.pk == target.pk), None)
    if target is None:
        raise ValidationError(_("This period no longer exists."))
    _check_open(target.fiscal_year, name=period_name(target))
    value = _check_value(cumulative_target)
    others = [t for t in targets if t.pk != target.pk]
    _check_order(value, target.fiscal_year, others)
    target.cumulative_target = value
    target.updated_by = by
    target.save(update_fields=["cumulative_target", "updated_by", "updated_at"])
    return target


@transaction.atomic
def add_participation_target(
    *, by: User, fiscal_year: int, label: str, cumulative_target: int
) -> ParticipationTarget:
    """A coordinator adds a later period (the current fiscal year or after)."""
    _require_coordinator(by)
    targets = _locked_targets()
    if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int):
        raise ValidationError({"fiscal_year": _("Enter a year, e.g. 2026.")})
    if not FIRST_FISCAL_YEAR <= fiscal_year <= LAST_FISCAL_YEAR:
        raise ValidationError(
            {
                "fiscal_year": _("Enter a year from %(first)d to %(last)d.")
                % {"first": FIRST_FISCAL_YEAR, "last": LAST_FISCAL_YEAR}
            }
        )
    label = _clean_label(label)
    year_name = fiscal.fiscal_year_label(fiscal_year)
    if fiscal_year < fiscal.current_fiscal_year():
        raise ValidationError(
            {
                "fiscal_year": _(
                    "%(year)s has ended: targets can be added only for the current "
                    "fiscal year and later ones."
                )
                % {"year": year_name}
            },
            code="period_ended",
        )
    if any(t.fiscal_year == fiscal_year for t in targets):
        raise ValidationError(
            {
                "fiscal_year": _("%(year)s has a target already: edit it instead.")
                % {"year": year_name}
            }
        )
    if any(t.label == label for t in targets):
        raise ValidationError(
            {"label": _("Another period is called “%(label)s”.") % {"label": label}}
        )
    value = _check_value(cumulative_target)
    _check_order(value, fiscal_year, targets)
    try:
        with transaction.atomic():
            return ParticipationTarget.objects.create(
                fiscal_year=fiscal_year,
                label=label,
                cumulative_target=value,
                updated_by=by,
            )
    except IntegrityError as error:  # a concurrent insert of the same year
        raise ValidationError(
            _("Someone added this period meanwhile. Reload the page.")
        ) from error


def suggest_next_target(targets: list[ParticipationTarget]) -> dict:
    """What the “add a period” form proposes: the year after the last period
    (not before the current one), the next “nQ” name and the same step up."""
    current = fiscal.current_fiscal_year()
    if not targets:
        return {"fiscal_year": current, "label": "", "cumulative_target": None}
    last = targets[-1]
    step = (
        last.cumulative_target - targets[-2].cumulative_target
        if len(targets) > 1
        else 0
    )
    label = ""
    if last.label.endswith("Q") and last.label[:-1].isdigit():
        label = f"{int(last.label[:-1]) + 1}Q"
    return {
        "fiscal_year": max(last.fiscal_year + 1, current),
        "label": label,
        "cumulative_target": last.cumulative_target + max(step, 0) or None,
    }


@transaction.atomic
def ensure_initial_targets() -> list[ParticipationTarget]:
    """The city's four initial periods, when missing (after a flush)."""
    for label, year, value in INITIAL_TARGETS:
        if not ParticipationTarget.objects.filter(fiscal_year=year).exists():
            ParticipationTarget.objects.create(
                fiscal_year=year, label=label, cumulative_target=value
            )
    return list(ParticipationTarget.objects.order_by("fiscal_year"))


@transaction.atomic
def load_demo_targets() -> list[ParticipationTarget]:
    """For the demo loader: the four initial periods, and a target for every
    fiscal year up to the current one, so the public page shows a current target.
    Idempotent; a target a coordinator set is never changed."""
    targets = ensure_initial_targets()
    current = fiscal.current_fiscal_year()
    while targets[-1].fiscal_year < current:
        suggestion = suggest_next_target(targets)
        year = targets[-1].fiscal_year + 1
        label = suggestion["label"] or fiscal.fiscal_year_label(year)
        if ParticipationTarget.objects.filter(label=label).exists():
            label = f"FY{year}"
        targets.append(
            ParticipationTarget.objects.create(
                fiscal_year=year,
                label=label,
                cumulative_target=suggestion["cumulative_target"]
                or targets[-1].cumulative_target,
            )
        )
    return targets
