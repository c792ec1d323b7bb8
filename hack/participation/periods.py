"""Fiscal years and periods in the city's calendar.

The Japanese fiscal year N runs from 1 April N to 31 March N+1, in Japan time
(Asia/Tokyo) whatever the server's or the request's time zone: something done at
23:30 on 31 March in Yokohama belongs to the year that ends that night.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import ExtractMonth, ExtractYear
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.translation import gettext as _

CITY_TIME_ZONE = ZoneInfo("Asia/Tokyo")
FISCAL_YEAR_START_MONTH = 4


def city_today() -> date:
    """Today in Yokohama. Tests replace this function to move the calendar."""
    return timezone.now().astimezone(CITY_TIME_ZONE).date()


def fiscal_year_of_date(day: date) -> int:
    return day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1


def fiscal_year_of(moment: datetime) -> int:
    """The fiscal year of an aware datetime, read in Japan time."""
    return fiscal_year_of_date(moment.astimezone(CITY_TIME_ZONE).date())


def current_fiscal_year() -> int:
    return fiscal_year_of_date(city_today())


def fiscal_year_start(fiscal_year: int) -> date:
    return date(fiscal_year, FISCAL_YEAR_START_MONTH, 1)


def fiscal_year_end(fiscal_year: int) -> date:
    """The last day of the fiscal year (31 March of the next calendar year)."""
    return fiscal_year_start(fiscal_year + 1) - timedelta(days=1)


def fiscal_year_start_moment(fiscal_year: int) -> datetime:
    return datetime.combine(
        fiscal_year_start(fiscal_year), time.min, tzinfo=CITY_TIME_ZONE
    )


def fiscal_year_expression(field: str):
    """The fiscal year of a datetime column, computed by the database in Japan
    time: one GROUP BY instead of reading every row."""
    return Case(
        When(
            LessThan(
                ExtractMonth(field, tzinfo=CITY_TIME_ZONE), FISCAL_YEAR_START_MONTH
            ),
            then=ExtractYear(field, tzinfo=CITY_TIME_ZONE) - Value(1),
        ),
        default=ExtractYear(field, tzinfo=CITY_TIME_ZONE),
        output_field=IntegerField(),
    )


def fiscal_year_label(fiscal_year: int) -> str:
    return _("FY%(year)s") % {"year": fiscal_year}


class PeriodState:
    PAST = "past"
    CURRENT = "current"
    FUTURE = "future"


@dataclass(frozen=True)
class Period:
    """One fiscal year shown in the figures; `target` is None when the city set
    no target for it (a year after the last period, before a coordinator adds
    it), and then `label` is empty."""

    fiscal_year: int
    label: str
    target: int | None
    state: str
    target_id: int | None = None

    @property
    def name(self) -> str:
        """“1Q (FY2022)”, or “FY2026” for a year without a period."""
        if self.label:
            return _("%(period)s (%(year)s)") % {
                "period": self.label,
                "year": fiscal_year_label(self.fiscal_year),
            }
        return fiscal_year_label(self.fiscal_year)

    @property
    def year_name(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def starts_on(self) -> date:
        return fiscal_year_start(self.fiscal_year)

    @property
    def ends_on(self) -> date:
        return fiscal_year_end(self.fiscal_year)

    @property
    def has_ended(self) -> bool:
        return self.state == PeriodState.PAST

    @property
    def has_started(self) -> bool:
        return self.state != PeriodState.FUTURE

    @property
    def is_current(self) -> bool:
        return self.state == PeriodState.CURRENT


def state_of(fiscal_year: int, current: int) -> str:
    if fiscal_year < current:
        return PeriodState.PAST
    if fiscal_year == current:
        return PeriodState.CURRENT
    return PeriodState.FUTURE
