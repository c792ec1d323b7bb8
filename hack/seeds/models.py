from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Page
from wagtail.search import index

from hack.core.models import BoundedTextField

from .choices import Maturity

SEEDS_PER_PAGE = 12
MAX_TAGS = 10


class SeedIndexPage(Page):
    """/seeds/: every published seed, filterable."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["seeds.SeedPage"]
    max_count = 1
    template = "seeds/seed_index_page.html"
    search_fields = Page.search_fields

    class Meta:
        verbose_name = _("seeds index")

    def get_context(self, request, *args, **kwargs):
        from .selectors import filter_published_seeds  # selectors import this module

        context = super().get_context(request, *args, **kwargs)
        seeds, filters = filter_published_seeds(request.GET)
        page = Paginator(seeds, SEEDS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(seeds=page, filters=filters, querystring=filters.querystring())
        return context


class SeedTag(TaggedItemBase):
    content_object = ParentalKey(
        "seeds.SeedPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class SeedPage(Page):
    """A technology or service an organisation offers. Written from the front-end
    form by the organisation's members, approved and published by a coordinator."""

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="seeds",
    )
    summary = BoundedTextField(
        _("summary"),
        max_length=400,
        help_text=_("Two or three sentences, shown in lists."),
    )
    description = BoundedTextField(_("description"), max_length=6000)
    tags = ClusterTaggableManager(
        verbose_name=_("technology tags"), through=SeedTag, blank=True
    )
    maturity = models.CharField(_("maturity"), max_length=20, choices=Maturity.choices)
    deployments = models.PositiveIntegerField(
        _("municipalities already using it"),
        default=0,
        help_text=_("How many other municipalities use it today."),
    )
    municipalities = BoundedTextField(
        _("names of those municipalities"),
        blank=True,
        max_length=2000,
        help_text=_("One per line, e.g. 川崎市."),
    )
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    image_alt = models.CharField(_("image description"), max_length=200, blank=True)
    brochure = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("brochure"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("organization", read_only=True),
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("tags"),
        MultiFieldPanel(
            [
                FieldPanel("maturity"),
                FieldPanel("deployments"),
                FieldPanel("municipalities"),
            ],
            heading=_("Track record"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("contact_name"),
                FieldPanel("contact_email"),
                FieldPanel("contact_phone"),
            ],
            heading=_("Contact"),
        ),
        FieldPanel("image"),
        FieldPanel("image_alt"),
        FieldPanel("brochure"),
    ]
    parent_page_types = ["seeds.SeedIndexPage"]
    subpage_types: list[str] = []
    template = "seeds/seed_page.html"
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("description"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("maturity"),
        index.FilterField("organization"),
    ]

    class Meta:
        verbose_name = _("seed")
        verbose_name_plural = _("seeds")

    @property
    def municipality_names(self) -> list[str]:
        return [
            name.strip()
            for line in self.municipalities.splitlines()
            for name in line.replace("、", ",").split(",")
            if name.strip()
        ]

    def clean(self):
        super().clean()
        errors = {}
        deployed = self.maturity == Maturity.DEPLOYED_ELSEWHERE
        if deployed and not self.deployments:
            errors["deployments"] = _(
                "A service deployed in other municipalities needs the number of "
                "municipalities using it (1 or more)."
            )
        if not deployed and self.deployments:
            errors["maturity"] = _(
                "If other municipalities already use it, choose “Deployed in other "
                "municipalities” as the maturity."
            )
        if len(self.municipality_names) > self.deployments:
            errors["municipalities"] = _(
                "More municipality names (%(names)d) than the number of municipalities "
                "using it (%(count)d)."
            ) % {"names": len(self.municipality_names), "count": self.deployments}
        if len(self.tags.all()) > MAX_TAGS:
            errors["tags"] = _("Up to %(max)d tags.") % {"max": MAX_TAGS}
        if self.image_id and not self.image_alt:
            errors["image_alt"] = _(
                "Describe the image for people using a screen reader."
            )
        if errors:
            raise ValidationError(errors)

    def with_content_json(self, content):
        # The owning organisation is fixed at creation; no revision can move a seed.
        obj = super().with_content_json(content)
        obj.organization_id = self.organization_id
        return obj
