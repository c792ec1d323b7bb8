from datetime import date
from decimal import Decimal

from django.core.paginator import Paginator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from hack.core.blocks import ContentStreamBlock
from hack.core.models import BoundedTextField
from hack.matching.match_types import MatchType
from hack.needs.choices import Field
from hack.needs.selectors import list_published_needs
from hack.seeds.selectors import list_published_seeds

LATEST_COUNT = 6
LATEST_CASES_COUNT = 3
CASES_PER_PAGE = 12
COLUMNS_PER_PAGE = 12
# The strategy's "quarter value": a new service cuts the time people spend by at
# least 25% (BRIEF.md, targets the city set).
CITY_TIME_SAVING_EXPECTATION = Decimal(25)


class HomePage(Page):
    lead = models.TextField(_("lead"), blank=True, max_length=600)
    body = StreamField(ContentStreamBlock(), blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("lead"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "needs.NeedIndexPage",
        "seeds.SeedIndexPage",
        "cms.CaseStudyIndexPage",
        "cms.ColumnIndexPage",
        "cms.StandardPage",
    ]
    max_count = 1
    template = "cms/home_page.html"
    search_fields = [*Page.search_fields, index.SearchField("lead")]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from .selectors import list_published_case_studies, site_figures

        context = super().get_context(request, *args, **kwargs)
        context["figures"] = site_figures()
        context["latest_needs"] = list_published_needs()[:LATEST_COUNT]
        context["latest_seeds"] = list_published_seeds()[:LATEST_COUNT]
        context["latest_cases"] = list_published_case_studies()[:LATEST_CASES_COUNT]
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


# Case studies -------------------------------------------------------------------


class CaseStudyIndexPage(Page):
    """/cases/: every published case study, filterable by field and matching type."""

    intro = models.TextField(_("introduction"), blank=True, max_length=600)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CaseStudyPage"]
    max_count = 1
    template = "cms/case_study_index_page.html"
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = _("case studies index")

    def get_context(self, request, *args, **kwargs):
        from .selectors import filter_published_case_studies

        context = super().get_context(request, *args, **kwargs)
        cases, filters = filter_published_case_studies(request.GET)
        page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
        context.update(cases=page, filters=filters, querystring=filters.querystring())
        return context


class CaseStudyPage(Page):
    """A solved (or nearly solved) problem, told from need to implementation.

    The timeline and the outcome measures are inline models rather than StreamField
    blocks: both have a fixed shape (a stage from a fixed list with a date; numbers
    with a unit), they are read as data (the page computes whether a target was
    met, the list orders stages) and an editor fills in a row, not free layout. The
    free story goes in `body`.
    """

    summary = BoundedTextField(
        _("summary"),
        max_length=400,
        help_text=_("Two or three sentences, shown in lists and at the top."),
    )
    need = models.ForeignKey(
        "needs.NeedPage",
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_studies",
        help_text=_("The published need this case answered, if any."),
    )
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    matching_type = models.PositiveSmallIntegerField(
        _("matching type"), choices=MatchType.choices
    )
    organizations = ParentalManyToManyField(
        "accounts.Organization",
        verbose_name=_("participating organisations"),
        blank=True,
        related_name="case_studies",
    )
    other_participants = models.TextField(
        _("other participants"),
        blank=True,
        max_length=2000,
        help_text=_(
            "Departments and organisations not registered on the platform, "
            "one per line."
        ),
    )
    body = StreamField(
        ContentStreamBlock(), verbose_name=_("story"), blank=True, use_json_field=True
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("need"),
                FieldRowPanel([FieldPanel("field"), FieldPanel("matching_type")]),
            ],
            heading=_("Need and classification"),
        ),
        MultiFieldPanel(
            [FieldPanel("organizations"), FieldPanel("other_participants")],
            heading=_("Participants"),
        ),
        InlinePanel(
            "timeline_entries",
            heading=_("Timeline"),
            label=_("Step"),
            help_text=_(
                "From the need to the idea call, working group, pilot and "
                "implementation."
            ),
        ),
        InlinePanel(
            "outcome_measures",
            heading=_("Outcome measures"),
            label=_("Measure"),
            help_text=_(
                "Target against result. Tick “time spent” for a measure of the time "
                "people spend: the city expects new services to cut it by at least "
                "25%."
            ),
        ),
        FieldPanel("body"),
        HelpPanel(
            content=_(
                "Coordinators publish case studies. Only published needs are linked "
                "on the public page."
            )
        ),
    ]
    parent_page_types = ["cms.CaseStudyIndexPage"]
    subpage_types: list[str] = []
    template = "cms/case_study_page.html"
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("other_participants"),
        index.SearchField("body"),
        index.FilterField("field"),
        index.FilterField("matching_type"),
    ]

    class Meta:
        verbose_name = _("case study")
        verbose_name_plural = _("case studies")

    def get_context(self, request, *args, **kwargs):
        from .selectors import list_published_columns

        context = super().get_context(request, *args, **kwargs)
        # In previews the inline rows live in memory (modelcluster): sort in Python.
        timeline = sorted(
            self.timeline_entries.all(), key=lambda e: (e.date, e.sort_order or 0)
        )
        context.update(
            need=self.public_need,
            organizations=self.organizations.all(),
            other_participants=self.other_participant_names,
            timeline=timeline,
            measures=self.outcome_measures.all(),
            city_time_expectation=CITY_TIME_SAVING_EXPECTATION,
            columns=(
                list_published_columns().filter(related_case=self) if self.pk else []
            ),
        )
        return context

    @cached_property
    def public_need(self):
        """The linked need, only while it is live and public: a case must not leak
        the title of a need that was unpublished or never published."""
        if self.need_id is None:
            return None
        return list_published_needs().filter(pk=self.need_id).first()

    @property
    def other_participant_names(self) -> list[str]:
        return [
            line.strip()
            for line in self.other_participants.splitlines()
            if line.strip()
        ]

    @property
    def matching_type_short(self) -> str:
        return MatchType(self.matching_type).label if self.matching_type else ""


class TimelineStage(models.TextChoices):
    NEED = "need", _("Need published")
    IDEA_CALL = "idea_call", _("Idea call")
    WORKING_GROUP = "working_group", _("Working group")
    PILOT = "pilot", _("Pilot project")
    IMPLEMENTATION = "implementation", _("Implementation")


class TimelineEntry(Orderable):
    page = ParentalKey(
        CaseStudyPage, on_delete=models.CASCADE, related_name="timeline_entries"
    )
    stage = models.CharField(_("stage"), max_length=20, choices=TimelineStage.choices)
    date = models.DateField(_("date"))
    description = models.TextField(_("what happened"), blank=True, max_length=1000)

    panels = [
        FieldRowPanel([FieldPanel("stage"), FieldPanel("date")]),
        FieldPanel("description"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("timeline step")
        verbose_name_plural = _("timeline")


class Direction(models.TextChoices):
    LOWER = "lower", _("Lower is better")
    HIGHER = "higher", _("Higher is better")


def format_number(value: Decimal | None) -> str:
    """3300.00 → "3,300", 97.20 → "97.2": as many decimals as the value has."""
    if value is None:
        return ""
    return f"{value.normalize():,f}"


class OutcomeMeasure(Orderable):
    page = ParentalKey(
        CaseStudyPage, on_delete=models.CASCADE, related_name="outcome_measures"
    )
    label = models.CharField(_("measure"), max_length=200)
    unit = models.CharField(
        _("unit"), max_length=40, blank=True, help_text=_("e.g. %, hours, people")
    )
    baseline = models.DecimalField(
        _("baseline"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The value before the project."),
    )
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    result = models.DecimalField(
        _("result"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty while it is still being measured."),
    )
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=Direction.choices,
        default=Direction.HIGHER,
    )
    measures_time = models.BooleanField(
        _("time spent"),
        default=False,
        help_text=_(
            "The time people spend (lower is better): compared with the city's "
            "expectation of a cut of at least 25 per cent."
        ),
    )

    panels = [
        FieldRowPanel([FieldPanel("label"), FieldPanel("unit")]),
        FieldRowPanel(
            [FieldPanel("baseline"), FieldPanel("target"), FieldPanel("result")]
        ),
        FieldRowPanel([FieldPanel("direction"), FieldPanel("measures_time")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("outcome measure")
        verbose_name_plural = _("outcome measures")

    @property
    def baseline_display(self) -> str:
        return format_number(self.baseline)

    @property
    def target_display(self) -> str:
        return format_number(self.target)

    @property
    def result_display(self) -> str:
        return format_number(self.result)

    @property
    def achieved(self) -> bool | None:
        """True or False once there is a result; None while it is being measured."""
        if self.result is None or self.target is None:
            return None
        if self.direction == Direction.LOWER:
            return self.result <= self.target
        return self.result >= self.target

    @property
    def change_percent(self) -> Decimal | None:
        """The result against the baseline, in percent (negative: it went down)."""
        if self.result is None or not self.baseline:
            return None
        return (self.result - self.baseline) / self.baseline * 100

    @property
    def time_saved_percent(self) -> Decimal | None:
        if not self.measures_time or (change := self.change_percent) is None:
            return None
        return -change

    @property
    def meets_city_time_expectation(self) -> bool | None:
        if (saved := self.time_saved_percent) is None:
            return None
        return saved >= CITY_TIME_SAVING_EXPECTATION


# Columns --------------------------------------------------------------------------


class ColumnIndexPage(Page):
    """/columns/: articles and interviews, newest first."""

    intro = models.TextField(_("introduction"), blank=True, max_length=600)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ColumnPage"]
    max_count = 1
    template = "cms/column_index_page.html"
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = _("columns index")

    def get_context(self, request, *args, **kwargs):
        from .selectors import list_published_columns

        context = super().get_context(request, *args, **kwargs)
        page = Paginator(list_published_columns(), COLUMNS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        context["columns"] = page
        return context


class ColumnKind(models.TextChoices):
    ARTICLE = "article", _("Article")
    INTERVIEW = "interview", _("Interview")


class ColumnPage(Page):
    kind = models.CharField(
        _("kind"), max_length=20, choices=ColumnKind.choices, default=ColumnKind.ARTICLE
    )
    date = models.DateField(_("date"), default=date.today)
    lead = BoundedTextField(_("lead"), max_length=600)
    body = StreamField(ContentStreamBlock(), blank=True, use_json_field=True)
    related_case = models.ForeignKey(
        CaseStudyPage,
        verbose_name=_("related case study"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="columns",
    )

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("kind"), FieldPanel("date")]),
        FieldPanel("lead"),
        FieldPanel("body"),
        FieldPanel("related_case"),
    ]
    parent_page_types = ["cms.ColumnIndexPage"]
    subpage_types: list[str] = []
    template = "cms/column_page.html"
    search_fields = [
        *Page.search_fields,
        index.SearchField("lead"),
        index.SearchField("body"),
        index.FilterField("kind"),
        index.FilterField("date"),
    ]

    class Meta:
        verbose_name = _("column")
        verbose_name_plural = _("columns")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["related_case"] = self.public_related_case
        return context

    @cached_property
    def public_related_case(self):
        if self.related_case_id is None:
            return None
        from .selectors import list_published_case_studies

        return list_published_case_studies().filter(pk=self.related_case_id).first()
