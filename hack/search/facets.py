"""The facets search offers, with the labels of their values.

A facet's value is a code stored per entry (`SearchEntry.facets`), except for
live facets, which are looked up when the search runs because they change with
time rather than with content (an idea call opens and closes by the clock).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hack.accounts.models import OrganizationType
from hack.matching.match_types import MatchType
from hack.needs.choices import SPECIFICITY_SHORT_LABELS, Field, Stage
from hack.seeds.choices import Maturity


@dataclass(frozen=True)
class Facet:
    name: str
    label: str | Promise
    # The values in display order with their labels; "kind" is filled from
    # the registered sources.
    choices: Callable[[], list[tuple[str, str | Promise]]]
    live: bool = False

    def labels(self) -> dict[str, str | Promise]:
        return dict(self.choices())


def _kinds():
    from .sources import all_sources

    return [(source.kind, source.label) for source in all_sources()]


FACETS = (
    Facet("kind", _("Kind"), _kinds),
    Facet("field", _("Field"), lambda: list(Field.choices)),
    Facet("stage", _("Status"), lambda: list(Stage.choices)),
    Facet(
        "open_call",
        _("Idea call"),
        lambda: [("open", _("Accepting ideas now"))],
        live=True,
    ),
    Facet(
        "specificity", _("Specificity"), lambda: list(SPECIFICITY_SHORT_LABELS.items())
    ),
    Facet("maturity", _("Maturity"), lambda: list(Maturity.choices)),
    Facet("org_type", _("Organisation type"), lambda: list(OrganizationType.choices)),
    Facet(
        "match_type",
        _("Matching type"),
        lambda: [(str(value), label) for value, label in MatchType.choices],
    ),
)
FACETS_BY_NAME = {facet.name: facet for facet in FACETS}
STORED_FACETS = tuple(f.name for f in FACETS if not f.live)
LIVE_FACETS = tuple(f.name for f in FACETS if f.live)


def live_facet_pages() -> dict[str, dict[str, set[int]]]:
    """For each live facet, value → the page ids that have it right now."""
    from hack.calls.selectors import list_open_calls

    return {
        "open_call": {"open": set(list_open_calls().values_list("need_id", flat=True))}
    }
