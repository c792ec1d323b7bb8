"""Build case studies and columns as a coordinator does in the Wagtail admin: add
the page under its index, save a revision, publish it (or leave it a draft)."""

import itertools
from datetime import date
from decimal import Decimal

from cms.models import (
    CaseStudyIndexPage,
    CaseStudyPage,
    ColumnIndexPage,
    ColumnPage,
    Direction,
    OutcomeMeasure,
    TimelineEntry,
    TimelineStage,
)
from hack.matching.match_types import MatchType
from hack.needs.choices import Field

_counter = itertools.count(1)


def make_case(
    *,
    publish: bool = True,
    organizations=(),
    timeline=(),
    measures=(),
    **fields,
) -> CaseStudyPage:
    number = next(_counter)
    fields.setdefault("title", f"事例 {number}")
    fields.setdefault("slug", f"case-{number}")
    fields.setdefault("summary", "窓口の待ち時間を短くした事例です。")
    fields.setdefault("field", Field.COUNTER)
    fields.setdefault("matching_type", MatchType.SOLUTION_TECHNOLOGY)
    page = CaseStudyPage(**fields)
    page.organizations = list(organizations)
    page.timeline_entries = [TimelineEntry(**entry) for entry in timeline]
    page.outcome_measures = [OutcomeMeasure(**measure) for measure in measures]
    index = CaseStudyIndexPage.objects.get()
    if not publish:
        page.live = False
    index.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return CaseStudyPage.objects.get(pk=page.pk)


def make_column(*, publish: bool = True, **fields) -> ColumnPage:
    number = next(_counter)
    fields.setdefault("title", f"コラム {number}")
    fields.setdefault("slug", f"column-{number}")
    fields.setdefault("lead", "実証に参加した企業に聞きました。")
    page = ColumnPage(**fields)
    if not publish:
        page.live = False
    ColumnIndexPage.objects.get().add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return ColumnPage.objects.get(pk=page.pk)


TIME_MEASURE = {
    "label": "1 回の調査にかかる作業時間",
    "unit": "人時",
    "baseline": Decimal(3300),
    "target": Decimal(2475),
    "result": Decimal(1980),
    "direction": Direction.LOWER,
    "measures_time": True,
}
ACCURACY_MEASURE = {
    "label": "LiDAR の計測精度",
    "unit": "%",
    "target": Decimal(95),
    "result": Decimal("97.2"),
    "direction": Direction.HIGHER,
}
MISSED_MEASURE = {
    "label": "カメラ AI の計測精度",
    "unit": "%",
    "target": Decimal(90),
    "result": Decimal("88.5"),
    "direction": Direction.HIGHER,
}
TIMELINE = [
    {"stage": TimelineStage.PILOT, "date": date(2022, 11, 14), "description": "実証"},
    {"stage": TimelineStage.NEED, "date": date(2022, 6, 6), "description": "公開"},
    {
        "stage": TimelineStage.IMPLEMENTATION,
        "date": date(2023, 4, 3),
        "description": "導入",
    },
]
