"""Links from the Wagtail admin to the idea call pages on the site.

Calls are managed on the public site (phone first, the same pages for every
role); the admin only points there: a menu item, and a button on each live need
for the people who may open or manage its call. URLs are reversed lazily so that
they follow the language of the person looking at the menu.
"""

from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from hack.accounts.roles import is_city_staff
from hack.needs.models import NeedPage

from . import selectors
from .models import IdeaCall


class CityStaffMenuItem(MenuItem):
    def is_shown(self, request):
        return is_city_staff(request.user)


@hooks.register("register_admin_menu_item")
def register_idea_calls_menu_item():
    return CityStaffMenuItem(
        _("Idea calls"),
        reverse_lazy("calls:call-list"),
        name="idea-calls",
        icon_name="doc-full-inverse",
        order=260,
    )


def _call_button(page, user, priority) -> Button | None:
    """“Open an idea call” on a live need without an open or upcoming call,
    “Manage the idea call” on one that has it; nothing for anyone else."""
    specific = page.specific_deferred
    if not (
        isinstance(specific, NeedPage)
        and specific.live
        and selectors.can_manage_call(user, specific)
    ):
        return None
    current = (
        IdeaCall.objects.filter(need_id=page.pk, closes_at__gt=timezone.now())
        .order_by("opens_at")
        .only("pk")
        .first()
    )
    if current is not None:
        return Button(
            _("Manage the idea call"),
            reverse("calls:call-manage", kwargs={"pk": current.pk}),
            icon_name="doc-full-inverse",
            priority=priority,
        )
    return Button(
        _("Open an idea call"),
        reverse("calls:call-create", kwargs={"need_pk": page.pk}),
        icon_name="doc-full-inverse",
        priority=priority,
    )


@hooks.register("register_page_listing_more_buttons")
def idea_call_listing_button(page, user, next_url=None):
    if button := _call_button(page, user, priority=47):
        yield button


@hooks.register("register_page_header_buttons")
def idea_call_header_button(page, user, view_name, next_url=None):
    if button := _call_button(page, user, priority=47):
        yield button
