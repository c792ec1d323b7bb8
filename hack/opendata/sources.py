"""The datasets of the `hack` apps: published needs, published seeds and the
participation figures. Case studies are registered by `cms` (cms/opendata.py)."""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hack.accounts.models import OrganizationType
from hack.needs.choices import Field, Specificity, Stage
from hack.needs.models import NeedPage
from hack.needs.selectors import list_published_needs
from hack.participation import periods as fiscal
from hack.participation import selectors as participation
from hack.participation.periods import Period, PeriodState
from hack.participation.selectors import (
    FUNNEL_STEPS,
    FunnelRow,
    PeriodParticipants,
)
from hack.seeds.choices import Maturity
from hack.seeds.models import SeedPage, SeedTag
from hack.seeds.selectors import list_published_seeds

from .datasets import (
    Dataset,
    choice_filter,
    columns,
    date_filter,
    id_filter,
    register,
    text_filter,
)
from .serialize import (
    coded_schema,
    date_schema,
    datetime_schema,
    integer,
    iso_date,
    iso_datetime,
    labels,
    labels_schema,
    obj,
    organization,
    organization_schema,
    page_url,
    string,
    url_schema,
)

# Filters shared by the page datasets -------------------------------------------


def published_since_filter():
    return date_filter(
        "published_since",
        description=_("Only items first published on or after this date (JST)."),
        apply=lambda rows, day: rows.filter(first_published_at__date__gte=day),
    )


def updated_since_filter(*, extra_lookup: str | None = None):
    def apply(rows, day):
        condition = Q(last_published_at__date__gte=day)
        if extra_lookup:
            condition |= Q(**{f"{extra_lookup}__date__gte": day})
        return rows.filter(condition)

    description = (
        _("Only needs published again or moved to another stage on or after this date.")
        if extra_lookup
        else _("Only items last published on or after this date (JST).")
    )
    return date_filter("updated_since", description=description, apply=apply)


def page_dates(page) -> dict:
    return {
        "first_published_at": iso_datetime(page.first_published_at),
        "last_published_at": iso_datetime(page.last_published_at),
    }


def page_dates_schema() -> dict:
    return {
        "first_published_at": datetime_schema(nullable=True),
        "last_published_at": datetime_schema(nullable=True),
    }


# Needs ---------------------------------------------------------------------------


def serialize_needs(needs: list[NeedPage], request) -> list[dict]:
    rows = []
    for need in needs:
        department = need.department
        rows.append(
            {
                "id": need.pk,
                "title": need.title,
                "summary": need.summary,
                "current_situation": need.current_situation,
                "pain_points": need.pain_points,
                "desired_outcome": need.desired_outcome,
                "constraints": need.constraints,
                "field": need.field,
                "field_label": labels(Field, need.field),
                "specificity": need.specificity,
                "specificity_label": labels(Specificity, need.specificity),
                "stage": need.stage,
                "stage_label": labels(Stage, need.stage),
                "department": (
                    {
                        "id": department.pk,
                        "bureau": department.bureau,
                        "section": department.section,
                        "name": str(department),
                    }
                    if department
                    else None
                ),
                **page_dates(need),
                "stage_changed_at": iso_datetime(need.stage_changed_at),
                "url": page_url(request, need),
            }
        )
    return rows


def need_schema() -> dict:
    return obj(
        {
            "id": integer(),
            "title": string(),
            "summary": string(),
            "current_situation": string(),
            "pain_points": string(),
            "desired_outcome": string(),
            "constraints": string(),
            "field": coded_schema(Field),
            "field_label": labels_schema(),
            "specificity": coded_schema(Specificity),
            "specificity_label": labels_schema(),
            "stage": coded_schema(Stage),
            "stage_label": labels_schema(),
            "department": obj(
                {
                    "id": integer(),
                    "bureau": string(),
                    "section": string(),
                    "name": string(),
                },
                nullable=True,
            ),
            **page_dates_schema(),
            "stage_changed_at": datetime_schema(nullable=True),
            "url": url_schema(nullable=True),
        }
    )


NEEDS = Dataset(
    name="needs",
    title=_("Needs"),
    description=_(
        "Published needs (ニーズ): problems of the city's departments that digital "
        "technology could solve."
    ),
    rows=list_published_needs,
    serialize=serialize_needs,
    item_schema=need_schema,
    filters=(
        choice_filter("field", Field, description=_("Field (code).")),
        choice_filter("stage", Stage, description=_("Stage (code).")),
        choice_filter("specificity", Specificity, description=_("Specificity (code).")),
        id_filter(
            "department",
            description=_("Department id (department.id in the results)."),
            lookup="department_id",
        ),
        published_since_filter(),
        updated_since_filter(extra_lookup="stage_changed_at"),
    ),
    csv_columns=columns(
        "id",
        "title",
        "summary",
        "current_situation",
        "pain_points",
        "desired_outcome",
        "constraints",
        "field",
        ("field_label_ja", "field_label.ja"),
        ("field_label_en", "field_label.en"),
        "specificity",
        ("specificity_label_ja", "specificity_label.ja"),
        ("specificity_label_en", "specificity_label.en"),
        "stage",
        ("stage_label_ja", "stage_label.ja"),
        ("stage_label_en", "stage_label.en"),
        ("department_id", "department.id"),
        ("department_name", "department.name"),
        "first_published_at",
        "last_published_at",
        "stage_changed_at",
        "url",
    ),
    position=10,
)


# Seeds ---------------------------------------------------------------------------


def serialize_seeds(seeds: list[SeedPage], request) -> list[dict]:
    # The seed's contact person, email and phone are for the coordinators and
    # the departments: never part of the open data.
    return [
        {
            "id": seed.pk,
            "title": seed.title,
            "summary": seed.summary,
            "description": seed.description,
            "tags": sorted(tag.name for tag in seed.tags.all()),
            "maturity": seed.maturity,
            "maturity_label": labels(Maturity, seed.maturity),
            "deployments": seed.deployments,
            "municipalities": seed.municipality_names,
            "organization": organization(request, seed.organization),
            **page_dates(seed),
            "url": page_url(request, seed),
        }
        for seed in seeds
    ]


def seed_schema() -> dict:
    return obj(
        {
            "id": integer(),
            "title": string(),
            "summary": string(),
            "description": string(),
            "tags": {"type": "array", "items": string()},
            "maturity": coded_schema(Maturity),
            "maturity_label": labels_schema(),
            "deployments": integer(minimum=0),
            "municipalities": {"type": "array", "items": string()},
            "organization": organization_schema(),
            **page_dates_schema(),
            "url": url_schema(nullable=True),
        }
    )


def with_tag(rows, name: str):
    tagged = SeedTag.objects.filter(tag__name__iexact=name).values("content_object_id")
    return rows.filter(pk__in=tagged)


SEEDS = Dataset(
    name="seeds",
    title=_("Seeds"),
    description=_(
        "Published seeds (シーズ): digital technologies and services offered by "
        "companies, universities and other organisations."
    ),
    rows=list_published_seeds,
    serialize=serialize_seeds,
    item_schema=seed_schema,
    filters=(
        choice_filter("maturity", Maturity, description=_("Maturity (code).")),
        choice_filter(
            "organization_type",
            OrganizationType,
            description=_("Organisation type (code)."),
            lookup="organization__org_type",
        ),
        text_filter(
            "tag",
            description=_("A technology tag (exact name, any letter case)."),
            apply=with_tag,
        ),
        published_since_filter(),
        updated_since_filter(),
    ),
    csv_columns=columns(
        "id",
        "title",
        "summary",
        "description",
        "tags",
        "maturity",
        ("maturity_label_ja", "maturity_label.ja"),
        ("maturity_label_en", "maturity_label.en"),
        "deployments",
        "municipalities",
        ("organization_id", "organization.id"),
        ("organization_name", "organization.name"),
        ("organization_type", "organization.type"),
        ("organization_type_label_ja", "organization.type_label.ja"),
        ("organization_type_label_en", "organization.type_label.en"),
        ("organization_url", "organization.url"),
        "first_published_at",
        "last_published_at",
        "url",
    ),
    position=20,
)


# Participation -------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodFigures:
    """One fiscal year of the participation figures."""

    period: Period
    participants: PeriodParticipants
    funnel: FunnelRow | None


def participation_rows() -> list[PeriodFigures]:
    """The same figures as the public /participation/ page, oldest period
    first; periods that have not started have no counts yet."""
    figures = participation.get_figures()
    funnel = {row.period.fiscal_year: row for row in figures.funnel}
    return [
        PeriodFigures(
            period=row.period,
            participants=row,
            funnel=funnel.get(row.period.fiscal_year),
        )
        for row in figures.participants
    ]


def serialize_periods(rows: list[PeriodFigures], request) -> list[dict]:
    return [
        {
            "fiscal_year": row.period.fiscal_year,
            "period": row.period.label or None,
            "starts_on": iso_date(row.period.starts_on),
            "ends_on": iso_date(row.period.ends_on),
            "state": row.period.state,
            "target": row.period.target,
            "new_participants": row.participants.new,
            "cumulative_participants": row.participants.cumulative,
            "percent_of_target": row.participants.percent,
            "funnel": (
                {step: getattr(row.funnel, step) for step in FUNNEL_STEPS}
                if row.funnel
                else None
            ),
        }
        for row in rows
    ]


def funnel_schema(*, nullable: bool = False) -> dict:
    return obj(
        {step: integer(minimum=0) for step in FUNNEL_STEPS},
        nullable=nullable,
        description=_(
            "Needs published, proposals submitted, working groups formed, needs "
            "that became pilot projects, needs implemented."
        ),
    )


def period_schema() -> dict:
    return obj(
        {
            "fiscal_year": integer(),
            "period": string(nullable=True),
            "starts_on": date_schema(),
            "ends_on": date_schema(),
            "state": {
                "type": "string",
                "enum": [PeriodState.PAST, PeriodState.CURRENT, PeriodState.FUTURE],
            },
            "target": integer(nullable=True),
            "new_participants": integer(nullable=True, minimum=0),
            "cumulative_participants": integer(nullable=True, minimum=0),
            "percent_of_target": integer(nullable=True, minimum=0),
            "funnel": funnel_schema(nullable=True),
        }
    )


def participation_summary(rows: list[PeriodFigures], request) -> dict:
    started = [row for row in rows if row.participants.cumulative is not None]
    return {
        "as_of": iso_date(fiscal.city_today()),
        "participants": started[-1].participants.cumulative if started else 0,
        "funnel": {
            step: sum(getattr(row.funnel, step) for row in rows if row.funnel)
            for step in FUNNEL_STEPS
        },
    }


def participation_summary_schema() -> dict:
    return obj(
        {
            "as_of": date_schema(),
            "participants": integer(minimum=0),
            "funnel": funnel_schema(),
        }
    )


PARTICIPATION = Dataset(
    name="participation",
    title=_("Participation figures"),
    description=_(
        "Participants (参加者数) per fiscal-year period against the city's "
        "cumulative targets, and the funnel from needs to implemented solutions."
    ),
    rows=participation_rows,
    serialize=serialize_periods,
    item_schema=period_schema,
    summary=participation_summary,
    summary_schema=participation_summary_schema,
    detail=False,
    csv_columns=columns(
        "fiscal_year",
        "period",
        "starts_on",
        "ends_on",
        "state",
        "target",
        "new_participants",
        "cumulative_participants",
        "percent_of_target",
        *((f"funnel_{step}", f"funnel.{step}") for step in FUNNEL_STEPS),
    ),
    position=40,
)


def register_datasets() -> None:
    for dataset in (NEEDS, SEEDS, PARTICIPATION):
        register(dataset)
