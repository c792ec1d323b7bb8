"""The three matching types (BRIEF.md): which kind of match a need–seed pair is.

A need's type follows from how specific it is; a seed's from how novel it is
(its maturity and track record). A suggestion is labelled with the type the
seed can offer, and the type fit says whether that is what the need is after.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

NEED_TYPE_BY_SPECIFICITY = {"low": 1, "medium": 2, "high": 3}
SEED_TYPE_BY_MATURITY = {
    "research": 1,
    "prototype": 1,
    "validated": 2,
    "deployed_elsewhere": 3,
}


class MatchType(models.IntegerChoices):
    CO_CREATION = 1, gettext_lazy("Type 1: co-creation partner")
    SOLUTION_TECHNOLOGY = 2, gettext_lazy("Type 2: solution technology")
    READY_TO_DEPLOY = 3, gettext_lazy("Type 3: ready-to-deploy service")


def need_type(specificity: str) -> int:
    return NEED_TYPE_BY_SPECIFICITY.get(specificity, 2)


def seed_type(maturity: str, deployments: int = 0) -> int:
    # A track record in other municipalities makes a seed ready to deploy,
    # whatever maturity its organisation chose.
    if deployments and deployments > 0:
        return 3
    return SEED_TYPE_BY_MATURITY.get(maturity, 2)


def type_fit(need_kind: int, seed_kind: int) -> float:
    """1 when the seed offers the type the need asks for, ½ one step off, 0 else."""
    return {0: 1.0, 1: 0.5}.get(abs(need_kind - seed_kind), 0.0)


@dataclass(frozen=True)
class TypeLabel:
    match_type: int
    fit: float
    reason: str


def _seed_evidence(maturity: str, deployments: int) -> str:
    if deployments and deployments > 0:
        return ngettext(
            "it already runs in %(count)d other municipality",
            "it already runs in %(count)d other municipalities",
            deployments,
        ) % {"count": deployments}
    return {
        "research": _("it is still being researched"),
        "prototype": _("it is a prototype"),
        "validated": _("it has been validated in demonstrations"),
        "deployed_elsewhere": _("it is said to run in other municipalities"),
    }.get(maturity, _("its maturity is not stated"))


def label_pair(*, specificity: str, maturity: str, deployments: int) -> TypeLabel:
    """The type of a pair and a one-line reason a department can read."""
    wanted = need_type(specificity)
    offered = seed_type(maturity, deployments)
    fit = type_fit(wanted, offered)
    evidence = _seed_evidence(maturity, deployments)
    offered_label = MatchType(offered).label
    if wanted == offered:
        reason = _(
            "%(type)s: %(evidence)s, which suits a need of %(specificity)s specificity."
        )
    else:
        reason = _(
            "%(type)s: %(evidence)s; a need of %(specificity)s specificity "
            "usually looks for %(wanted)s."
        )
    reason = reason % {
        "type": offered_label,
        "evidence": evidence,
        "specificity": _specificity_word(specificity),
        "wanted": MatchType(wanted).label,
    }
    return TypeLabel(match_type=offered, fit=fit, reason=reason)


def _specificity_word(specificity: str) -> str:
    return {"low": _("low"), "medium": _("medium"), "high": _("high")}.get(
        specificity, _("unknown")
    )
