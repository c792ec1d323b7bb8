from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from hack.core.blocks import ContentStreamBlock
from hack.needs.selectors import list_published_needs
from hack.seeds.selectors import list_published_seeds

LATEST_COUNT = 6


class HomePage(Page):
    lead = models.TextField(_("lead"), blank=True, max_length=600)
    body = StreamField(ContentStreamBlock(), blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("lead"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["needs.NeedIndexPage", "seeds.SeedIndexPage", "cms.StandardPage"]
    max_count = 1
    template = "cms/home_page.html"
    search_fields = [*Page.search_fields, index.SearchField("lead")]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_needs"] = list_published_needs()[:LATEST_COUNT]
        context["latest_seeds"] = list_published_seeds()[:LATEST_COUNT]
        return context


class StandardPage(Page):
    """About, terms, accessibility statement and other plain pages."""

    lead = models.TextField(_("lead"), blank=True, max_length=600)
    body = StreamField(ContentStreamBlock(), blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("lead"), FieldPanel("body")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]
    template = "cms/standard_page.html"
    search_fields = [
        *Page.search_fields,
        index.SearchField("lead"),
        index.SearchField("body"),
    ]

    class Meta:
        verbose_name = _("standard page")
