"""The case-study dataset of the open-data API (hack.opendata).

It lives here because no `hack` app imports `cms`; CmsConfig.ready() registers
it. Rows come from `list_published_case_studies()` (live and public only), and
the linked need is shown only while it is itself published and public, as on
the case-study page.
"""

from django.utils.translation import gettext_lazy as _

from hack.matching.match_types import MatchType
from hack.needs.choices import Field
from hack.needs.selectors import list_published_needs
from hack.opendata.datasets import Column, Dataset, choice_filter, columns, register
from hack.opendata.serialize import (
    coded_schema,
    date_schema,
    iso_date,
    labels,
    labels_schema,
    obj,
    organization,
    organization_schema,
    page_url,
    string,
    url_schema,
)
from hack.opendata.sources import (
    page_dates,
    page_dates_schema,
    published_since_filter,
    updated_since_filter,
)

from .models import CaseStudyPage, Direction, TimelineStage
from .selectors import list_published_case_studies


def case_study_rows():
    return list_published_case_studies().prefetch_related(
        "timeline_entries", "outcome_measures"
    )


def _number(value):
    return None if value is None else float(value)


def serialize_case_studies(cases: list[CaseStudyPage], request) -> list[dict]:
    need_ids = {case.need_id for case in cases if case.need_id}
    needs = (
        {need.pk: need for need in list_published_needs().filter(pk__in=need_ids)}
        if need_ids
        else {}
    )
    rows = []
    for case in cases:
        need = needs.get(case.need_id)
        timeline = sorted(
            case.timeline_entries.all(), key=lambda e: (e.date, e.sort_order or 0)
        )
        rows.append(
            {
                "id": case.pk,
                "title": case.title,
                "summary": case.summary,
                "field": case.field,
                "field_label": labels(Field, case.field),
                "matching_type": case.matching_type,
                "matching_type_label": labels(MatchType, case.matching_type),
                "need": (
                    {
                        "id": need.pk,
                        "title": need.title,
                        "url": page_url(request, need),
                    }
                    if need
                    else None
                ),
                "organizations": [
                    organization(request, org) for org in case.organizations.all()
                ],
                "other_participants": case.other_participant_names,
                "timeline": [
                    {
                        "stage": entry.stage,
                        "stage_label": labels(TimelineStage, entry.stage),
                        "date": iso_date(entry.date),
                        "description": entry.description,
                    }
                    for entry in timeline
                ],
                "outcome_measures": [
                    {
                        "label": measure.label,
                        "unit": measure.unit,
                        "baseline": _number(measure.baseline),
                        "target": _number(measure.target),
                        "result": _number(measure.result),
                        "direction": measure.direction,
                        "measures_time": measure.measures_time,
                        "achieved": measure.achieved,
                    }
                    for measure in case.outcome_measures.all()
                ],
                **page_dates(case),
                "url": page_url(request, case),
            }
        )
    return rows


def _nullable_number() -> dict:
    return {"type": "number", "nullable": True}


def case_study_schema() -> dict:
    return obj(
        {
            "id": {"type": "integer"},
            "title": string(),
            "summary": string(),
            "field": coded_schema(Field),
            "field_label": labels_schema(),
            "matching_type": coded_schema(MatchType),
            "matching_type_label": labels_schema(),
            "need": obj(
                {"id": {"type": "integer"}, "title": string(), "url": url_schema()},
                nullable=True,
            ),
            "organizations": {"type": "array", "items": organization_schema()},
            "other_participants": {"type": "array", "items": string()},
            "timeline": {
                "type": "array",
                "items": obj(
                    {
                        "stage": coded_schema(TimelineStage),
                        "stage_label": labels_schema(),
                        "date": date_schema(),
                        "description": string(),
                    }
                ),
            },
            "outcome_measures": {
                "type": "array",
                "items": obj(
                    {
                        "label": string(),
                        "unit": string(),
                        "baseline": _nullable_number(),
                        "target": {"type": "number"},
                        "result": _nullable_number(),
                        "direction": coded_schema(Direction),
                        "measures_time": {"type": "boolean"},
                        "achieved": {"type": "boolean", "nullable": True},
                    }
                ),
            },
            **page_dates_schema(),
            "url": url_schema(nullable=True),
        }
    )


CASE_STUDIES = Dataset(
    name="case-studies",
    title=_("Case studies"),
    description=_(
        "Published case studies (事例): solved problems, with the organisations "
        "that took part, the timeline and the outcome measures."
    ),
    rows=case_study_rows,
    serialize=serialize_case_studies,
    item_schema=case_study_schema,
    filters=(
        choice_filter("field", Field, description=_("Field (code).")),
        choice_filter(
            "matching_type", MatchType, description=_("Matching type (1, 2 or 3).")
        ),
        published_since_filter(),
        updated_since_filter(),
    ),
    csv_columns=columns(
        "id",
        "title",
        "summary",
        "field",
        ("field_label_ja", "field_label.ja"),
        ("field_label_en", "field_label.en"),
        "matching_type",
        ("matching_type_label_ja", "matching_type_label.ja"),
        ("matching_type_label_en", "matching_type_label.en"),
        ("need_id", "need.id"),
        ("need_title", "need.title"),
        ("need_url", "need.url"),
        Column(
            "organizations",
            compute=lambda row: [org["name"] for org in row["organizations"]],
        ),
        "other_participants",
        "timeline",
        "outcome_measures",
        "first_published_at",
        "last_published_at",
        "url",
    ),
    position=30,
)


def register_case_studies() -> None:
    register(CASE_STUDIES)
