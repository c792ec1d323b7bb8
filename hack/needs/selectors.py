"""Reads of needs for views and for other apps."""

from urllib.parse import urlencode

from django.db.models import Q, QuerySet

from hack.accounts.models import Department, User
from hack.accounts.roles import is_coordinator

from .forms import NeedFilterForm
from .models import DepartmentNeedsPage, NeedIndexPage, NeedPage


class NeedFilters:
    def __init__(self, form: NeedFilterForm):
        self.form = form
        # An invalid value drops only its own filter, not the others.
        form.is_valid()
        self.values = form.cleaned_data

    def querystring(self) -> str:
        return urlencode({k: v for k, v in self.values.items() if v})


def list_published_needs() -> QuerySet[NeedPage]:
    """The only need queryset the public ever sees: live and not privacy-restricted."""
    return (
        NeedPage.objects.live()
        .public()
        .select_related("department")
        .order_by("-first_published_at", "-pk")
    )


def filter_published_needs(params) -> tuple[QuerySet[NeedPage], NeedFilters]:
    filters = NeedFilters(NeedFilterForm(params))
    needs = list_published_needs()
    for name in ("field", "stage", "specificity"):
        if value := filters.values.get(name):
            needs = needs.filter(**{name: value})
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
