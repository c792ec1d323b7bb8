"""Links from the Wagtail admin to the front-end curation pages.

Curation lives on the public site (phone first, the same pages for every role);
the admin only points there. URLs are reversed lazily so that they follow the
language of the person looking at the menu.
"""

from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from hack.accounts.roles import is_coordinator, is_department_staff
from hack.needs.models import NeedPage

from .similar import register_wagtail_hooks as register_similar_hooks


class CoordinatorMenuItem(MenuItem):
    def is_shown(self, request):
        return is_coordinator(request.user)


class DepartmentStaffMenuItem(MenuItem):
    def is_shown(self, request):
        return is_department_staff(request.user) and not is_coordinator(request.user)


@hooks.register("register_admin_menu_item")
def register_matching_queue_menu_item():
    return CoordinatorMenuItem(
        _("Matching queue"),
        reverse_lazy("matching:queue"),
        name="matching-queue",
        icon_name="list-ul",
        order=250,
    )


@hooks.register("register_admin_menu_item")
def register_curated_matches_menu_item():
    return DepartmentStaffMenuItem(
        _("Seeds curated for our needs"),
        reverse_lazy("matching:department-need-list"),
        name="curated-matches",
        icon_name="list-ul",
        order=250,
    )


@hooks.register("register_page_header_buttons")
def need_matches_header_button(page, user, view_name, next_url=None):
    if isinstance(page.specific_deferred, NeedPage) and is_coordinator(user):
        yield Button(
            _("Curate matches"),
            reverse("matching:need-matches", kwargs={"pk": page.pk}),
            icon_name="list-ul",
            priority=46,
        )


# The need editor shows similar published needs while staff write (similar.py).
register_similar_hooks()
