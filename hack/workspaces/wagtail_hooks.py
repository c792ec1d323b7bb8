"""Links from the Wagtail admin to the working-group pages on the site.

Groups are managed on the public site (phone first, the same pages for every
role); the admin only points there: a menu item for coordinators, and a button
on each live need that is not closed to form a working group on it. URLs are
reversed lazily so that they follow the language of the person looking.
"""

from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from hack.accounts.roles import is_coordinator
from hack.needs.choices import Stage
from hack.needs.models import NeedPage

from . import selectors


class CoordinatorMenuItem(MenuItem):
    def is_shown(self, request):
        return is_coordinator(request.user)


@hooks.register("register_admin_menu_item")
def register_working_groups_menu_item():
    return CoordinatorMenuItem(
        _("Working groups"),
        reverse_lazy("workspaces:manage-list"),
        name="working-groups",
        icon_name="group",
        order=270,
    )


def _group_button(page, user, priority) -> Button | None:
    """“Form a working group” on a live need that is not closed, for the
    coordinators; nothing for anyone else."""
    specific = page.specific_deferred
    if not (
        isinstance(specific, NeedPage)
        and specific.live
        and specific.stage != Stage.CLOSED
        and selectors.can_form_group(user)
    ):
        return None
    return Button(
        _("Form a working group"),
        reverse("workspaces:group-create", kwargs={"need_pk": page.pk}),
        icon_name="group",
        priority=priority,
    )


@hooks.register("register_page_listing_more_buttons")
def working_group_listing_button(page, user, next_url=None):
    if button := _group_button(page, user, priority=48):
        yield button


@hooks.register("register_page_header_buttons")
def working_group_header_button(page, user, view_name, next_url=None):
    if button := _group_button(page, user, priority=48):
        yield button
