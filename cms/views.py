"""The one cms page outside Wagtail: drafting a case study from a pilot."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from hack.pilots import selectors as pilot_selectors

from .pilot_case_studies import draft_case_study_from_pilot


@login_required
@require_POST
def pilot_case_study(request, pk):
    """Coordinators only (PermissionDenied from the service is a 403). A second
    click opens the same draft in the Wagtail editor."""
    pilot = pilot_selectors.get_pilot(pk)
    if pilot is None or not pilot_selectors.can_read_pilot(request.user, pilot):
        raise Http404
    try:
        page = draft_case_study_from_pilot(pilot=pilot, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("pilots:pilot-detail", args=[pilot.pk]))
    return redirect(reverse("wagtailadmin_pages:edit", args=[page.pk]))
