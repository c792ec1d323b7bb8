from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button

from hack.accounts.models import Department

from . import admin_views
from .models import NeedPage
from .selectors import can_edit_need
from .services import set_up_department_needs, sync_need_department


@hooks.register("register_admin_urls")
def register_need_admin_urls():
    return [
        path(
            "needs/<int:pk>/stage/", admin_views.change_stage, name="needs_change_stage"
        ),
    ]


def _stage_button(page, user, priority):
    specific = page.specific_deferred
    if (
        isinstance(specific, NeedPage)
        and specific.live
        and can_edit_need(user, specific)
    ):
        return Button(
            _("Change stage"),
            reverse("needs_change_stage", args=[page.pk]),
            icon_name="arrow-right",
            priority=priority,
        )
    return None


@hooks.register("register_page_listing_more_buttons")
def need_listing_buttons(page, user, next_url=None):
    if button := _stage_button(page, user, priority=45):
        yield button


@hooks.register("register_page_header_buttons")
def need_header_buttons(page, user, view_name, next_url=None):
    if button := _stage_button(page, user, priority=45):
        yield button


@hooks.register("register_log_actions")
def register_need_log_actions(actions):
    actions.register_action(
        "needs.stage_changed", _("Change stage"), _("Stage changed")
    )


@hooks.register("after_create_snippet")
def give_new_department_its_folder(request, instance):
    # Coordinators create departments as snippets; each needs its folder and group.
    if isinstance(instance, Department):
        set_up_department_needs(department=instance)


@hooks.register("after_move_page")
def need_follows_its_new_folder(request, page):
    if isinstance(page.specific_deferred, NeedPage):
        sync_need_department(need=page)


@hooks.register("after_copy_page")
def copied_need_follows_its_folder(request, page, new_page):
    if isinstance(new_page.specific_deferred, NeedPage):
        sync_need_department(need=new_page)
