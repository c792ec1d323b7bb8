"""Parts of the Wagtail admin only coordinators may use."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.urls import path
from wagtail.admin.auth import require_admin_access
from wagtail.admin.urls import reports as wagtail_reports

from .roles import is_coordinator


def coordinators_only(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not is_coordinator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


# Wagtail's reports list pages across the whole tree (titles of other departments'
# drafts, for one), so they are for coordinators only. These patterns come before
# the admin's own in hack/urls.py.
reports_urlpatterns = [
    path(
        str(pattern.pattern), require_admin_access(coordinators_only(pattern.callback))
    )
    for pattern in wagtail_reports.urlpatterns
]
