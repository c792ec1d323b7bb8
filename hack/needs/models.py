from django.core.paginator import Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from hack.core.blocks import ContentStreamBlock
from hack.core.models import BoundedTextField

from .choices import SPECIFICITY_SHORT_LABELS, Field, Specificity, Stage

NEEDS_PER_PAGE = 12


class NeedIndexPage(Page):
    """/needs/: every published need, filterable."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["needs.DepartmentNeedsPage"]
    max_count = 1
    template = "needs/need_index_page.html"
    search_fields = Page.search_fields

    class Meta:
        verbose_name = _("needs index")

    def get_context(self, request, *args, **kwargs):
        from .selectors import filter_published_needs  # selectors import this module

        context = super().get_context(request, *args, **kwargs)
        needs, filters = filter_published_needs(request.GET)
        page = Paginator(needs, NEEDS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(needs=page, filters=filters, querystring=filters.querystring())
        return context


class DepartmentNeedsPage(Page):
    """One department's folder of needs: Wagtail's page permissions are set on it so
    that a department's staff create and edit only their own needs."""

    department = models.OneToOneField(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="needs_folder",
    )

    content_panels = [*Page.content_panels, FieldPanel("department")]
    parent_page_types = ["needs.NeedIndexPage"]
    subpage_types = ["needs.NeedPage"]
    template = "needs/department_needs_page.html"
    search_fields = Page.search_fields

    class Meta:
        verbose_name = _("department needs folder")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["needs"] = (
            NeedPage.objects.live()
            .public()
            .child_of(self)
            .order_by("-first_published_at")
        )
        return context


class NeedPage(Page):
    summary = BoundedTextField(
        _("summary"),
        max_length=400,
        help_text=_("Two or three sentences, shown in lists."),
    )
    current_situation = BoundedTextField(_("current situation"), max_length=4000)
    pain_points = BoundedTextField(_("what hurts"), max_length=4000)
    desired_outcome = BoundedTextField(_("desired outcome"), max_length=4000)
    constraints = BoundedTextField(_("constraints"), max_length=4000, blank=True)
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    specificity = models.CharField(
        _("specificity"), max_length=10, choices=Specificity.choices
    )
    stage = models.CharField(
        _("stage"),
        max_length=20,
        choices=Stage.choices,
        default=Stage.PUBLISHED,
        editable=False,
        help_text=_(
            "Changed with the “Change stage” action once the need is published."
        ),
    )
    stage_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="needs",
        null=True,
        editable=False,
    )
    body = StreamField(
        ContentStreamBlock(), verbose_name=_("details"), blank=True, use_json_field=True
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("current_situation"),
                FieldPanel("pain_points"),
                FieldPanel("desired_outcome"),
                FieldPanel("constraints"),
            ],
            heading=_("The problem"),
        ),
        MultiFieldPanel(
            [FieldPanel("field"), FieldPanel("specificity")],
            heading=_("Classification"),
        ),
        FieldPanel("body"),
        HelpPanel(
            content=_(
                "Save a draft, then submit it for coordinator approval "
                "(コーディネーター承認). A coordinator reviews and publishes the need."
            )
        ),
    ]
    parent_page_types = ["needs.DepartmentNeedsPage"]
    subpage_types: list[str] = []
    template = "needs/need_page.html"
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("current_situation"),
        index.SearchField("pain_points"),
        index.SearchField("desired_outcome"),
        index.SearchField("constraints"),
        index.FilterField("field"),
        index.FilterField("specificity"),
        index.FilterField("stage"),
        index.FilterField("department"),
    ]

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    @property
    def specificity_short(self) -> str:
        return SPECIFICITY_SHORT_LABELS.get(self.specificity, "")

    def save(self, *args, **kwargs):
        # The department follows the folder the need lives in.
        if self.department_id is None and self.depth and self.path:
            parent = self.get_parent()
            if parent is not None:
                self.department_id = getattr(parent.specific, "department_id", None)
        return super().save(*args, **kwargs)

    def with_content_json(self, content):
        # Stage and department are the need's operational state, not revisioned
        # content: publishing an old revision must not move a need back in time.
        obj = super().with_content_json(content)
        obj.stage = self.stage
        obj.stage_changed_at = self.stage_changed_at
        obj.department_id = self.department_id
        return obj


class NeedStageChange(models.Model):
    """The record of every lifecycle move of a need."""

    # A plain foreign key, not a ParentalKey: the log must not travel in revisions.
    need = models.ForeignKey(
        NeedPage, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(max_length=20, choices=Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    changed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at"]

    def __str__(self):
        return f"{self.need_id}: {self.from_stage} → {self.to_stage}"
