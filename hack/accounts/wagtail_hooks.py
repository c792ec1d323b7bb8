"""Coordinators manage departments and organisations in the Wagtail admin."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Department, Organization
from .roles import is_coordinator


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    menu_label = _("Departments")
    list_display = ["bureau", "section", "slug"]
    search_fields = ["bureau", "section"]
    panels = [FieldPanel("bureau"), FieldPanel("section"), FieldPanel("slug")]


class OrganizationViewSet(SnippetViewSet):
    model = Organization
    icon = "site"
    menu_label = _("Organisations")
    list_display = ["name", "org_type", "is_startup", "corporate_number"]
    list_filter = ["org_type", "is_startup"]
    search_fields = ["name"]
    panels = [
        FieldPanel("name"),
        FieldPanel("org_type"),
        FieldPanel("corporate_number"),
        FieldPanel("is_startup"),
        FieldPanel("website"),
        FieldPanel("description"),
    ]


class PlatformViewSetGroup(SnippetViewSetGroup):
    items = (DepartmentViewSet, OrganizationViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("Platform")
    menu_name = "platform"


register_snippet(PlatformViewSetGroup)


@hooks.register("construct_main_menu")
def reports_for_coordinators_only(request, menu_items):
    if not is_coordinator(request.user):
        menu_items[:] = [item for item in menu_items if item.name != "reports"]
