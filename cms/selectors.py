"""Reads for the editorial pages: published case studies and columns, and the
participation figures on the home page."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hack.accounts.models import Organization, User
from hack.core.filters import ListFilters
from hack.needs.choices import Stage
from hack.needs.selectors import list_published_needs

from .forms import CaseStudyFilterForm
from .models import CaseStudyPage, ColumnPage


def list_published_case_studies() -> QuerySet[CaseStudyPage]:
    """Live, public case studies, newest first."""
    return (
        CaseStudyPage.objects.live()
        .public()
        .prefetch_related("organizations")
        .order_by("-first_published_at", "-pk")
    )


def filter_published_case_studies(
    params,
) -> tuple[QuerySet[CaseStudyPage], ListFilters]:
    """An invalid field or matching type drops only that filter (never a 500)."""
    filters = ListFilters(CaseStudyFilterForm(params))
    cases = list_published_case_studies()
    for name in ("field", "matching_type"):
        if (value := filters.values.get(name)) not in (None, ""):
            cases = cases.filter(**{name: value})
    return cases, filters


def list_published_columns() -> QuerySet[ColumnPage]:
    return ColumnPage.objects.live().public().order_by("-date", "-pk")


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    value: int


def count_registered_people() -> int:
    """Active users who verified an email address.

    Email verification is mandatory, so an unverified sign-up cannot use the site
    yet and is not a participant; city staff and coordinators count, because the
    strategy's participant target counts everyone taking part.
    """
    verified = EmailAddress.objects.filter(verified=True).values("user_id")
    return User.objects.filter(is_active=True, pk__in=verified).count()


def site_figures() -> list[Figure]:
    """The live participation figures, in the order the home page shows them."""
    # hack.calls depends on needs; importing it lazily keeps cms importable on its
    # own and the dependency visible here.
    from hack.calls.selectors import count_open_calls, count_submitted_proposals

    needs = list_published_needs()
    return [
        Figure(
            "organisations",
            _("Organisations registered"),
            Organization.objects.count(),
        ),
        Figure("people", _("People registered"), count_registered_people()),
        Figure("needs", _("Needs published"), needs.count()),
        Figure("open_calls", _("Open idea calls"), count_open_calls()),
        Figure("proposals", _("Proposals submitted"), count_submitted_proposals()),
        Figure(
            "pilots",
            _("Pilot projects"),
            needs.filter(stage__in=[Stage.PILOT, Stage.IMPLEMENTED]).count(),
        ),
        Figure(
            "implemented",
            _("Solutions implemented"),
            needs.filter(stage=Stage.IMPLEMENTED).count(),
        ),
    ]
