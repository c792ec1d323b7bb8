"""Case studies and columns in site search (found by hack.search at startup)."""

from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hack.search.sources import SearchDocument, Source, register, stream_text

from .models import CaseStudyPage, ColumnPage
from .selectors import list_published_case_studies, list_published_columns


def _case_document(case: CaseStudyPage) -> SearchDocument:
    organisations = " ".join(o.name for o in case.organizations.all())
    return SearchDocument(
        title=case.title,
        body="\n".join([case.summary, organisations, stream_text(case.body)]),
        url=case.url or "",
        date=case.first_published_at,
        facets={"field": case.field, "match_type": str(case.matching_type)},
    )


def _column_document(column: ColumnPage) -> SearchDocument:
    return SearchDocument(
        title=column.title,
        body="\n".join([column.lead, stream_text(column.body)]),
        url=column.url or "",
        # A column is dated by its editor, not by when it was first published.
        date=timezone.make_aware(datetime.combine(column.date, time(9))),
        facets={},
    )


register(
    Source(
        "case",
        _("Case studies"),
        CaseStudyPage,
        list_published_case_studies,
        _case_document,
    )
)
register(
    Source("column", _("Columns"), ColumnPage, list_published_columns, _column_document)
)
