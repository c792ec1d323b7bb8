"""Reads of needs for views and for other apps."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from hack.accounts.models import Department, User
from hack.accounts.roles import is_coordinator
from hack.core.filters import ListFilters

from .forms import NeedFilterForm
from .models import DepartmentNeedsPage, NeedIndexPage, NeedPage


def list_published_needs() -> QuerySet[NeedPage]:
    """The only need queryset the public ever sees: live and not privacy-restricted."""
    return (
        NeedPage.objects.live()
        .public()
        .select_related("department")
        .order_by("-first_published_at", "-pk")
    )


def filter_published_needs(params) -> tuple[QuerySet[NeedPage], ListFilters]:
    filters = ListFilters(NeedFilterForm(params))
    needs = list_published_needs()
    for name in ("field", "stage", "specificity"):
        if value := filters.values.get(name):
            needs = needs.filter(**{name: value})
    if filters.values.get("open_call"):
        # Through the reverse relation only: needs does not import the calls app.
        now = timezone.now()
        needs = needs.filter(
            pk__in=NeedPage.objects.filter(
                idea_calls__opens_at__lte=now, idea_calls__closes_at__gt=now
            ).values("pk")
        )
    if query := filters.values.get("q"):
        # Substring match works for Japanese, which has no spaces between words;
        # tokenised search with facets is the search issue's job.
        needs = needs.filter(
            Q(title__icontains=query)
            | Q(summary__icontains=query)
            | Q(current_situation__icontains=query)
            | Q(pain_points__icontains=query)
            | Q(desired_outcome__icontains=query)
        )
    return needs, filters


def get_need_index() -> NeedIndexPage | None:
    return NeedIndexPage.objects.first()


def get_department_folder(department: Department) -> DepartmentNeedsPage | None:
    return DepartmentNeedsPage.objects.filter(department=department).first()


def can_edit_need(user: User, need: NeedPage) -> bool:
    if is_coordinator(user):
        return True
    return (
        user.is_authenticated
        and user.department_id is not None
        and user.department_id == need.department_id
    )
