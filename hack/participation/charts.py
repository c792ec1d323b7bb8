"""Geometry of the server-rendered SVG charts.

The templates draw what these functions compute, so the charts need no
JavaScript. The SVG coordinate system is 360 units wide, the width of a small
phone: at that width a 11-unit label is 11 CSS pixels. The figures themselves
are always also in a table next to the chart, which is what screen readers read
(the SVG is aria-hidden).
"""

import math
from dataclasses import dataclass, field

from .selectors import FUNNEL_STEPS, FunnelRow, PeriodParticipants

WIDTH = 360
HEIGHT = 240
LEFT = 44  # room for the axis labels
RIGHT = 8
TOP = 20  # room for the value over the highest bar
BOTTOM = 40  # two lines of period names
TICKS = 4


def nice_ceiling(value: float, ticks: int = TICKS) -> int:
    """A round top for the axis at or above `value`: `ticks` whole steps of
    1, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten."""
    raw_step = max(value / ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    for factor in (1, 2, 2.5, 3, 4, 5, 6, 8, 10):
        step = factor * magnitude
        if step >= raw_step and step == int(step):
            return int(step) * ticks
    return int(10 * magnitude) * ticks  # not reached: factor 10 always fits


@dataclass
class Tick:
    y: float
    value: int

    @property
    def text(self) -> str:
        return f"{self.value:,}"


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    css_class: str = ""

    @property
    def text(self) -> str:
        return f"{self.value:,}"

    @property
    def label_y(self) -> float:
        return round(self.y - 4, 1)

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass
class Point:
    x: float
    y: float
    value: int


@dataclass
class Category:
    x: float  # centre
    label: str
    sublabel: str


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    baseline: int = HEIGHT - BOTTOM
    ticks: list[Tick] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    # The target line: runs of consecutive periods that have a target.
    lines: list[str] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def label_y(self) -> int:
        return self.baseline + 16

    @property
    def sublabel_y(self) -> int:
        return self.baseline + 31


def _axis(chart: Chart, top_value: int) -> float:
    """Draw the ticks and return the scale (units per participant)."""
    plot_height = chart.baseline - chart.top
    scale = plot_height / top_value
    chart.ticks = [
        Tick(y=round(chart.baseline - value * scale, 1), value=value)
        for value in (top_value * step // TICKS for step in range(TICKS + 1))
    ]
    return scale


def _bands(chart: Chart, count: int) -> float:
    return (chart.right - chart.left) / max(count, 1)


def cumulative_chart(rows: list[PeriodParticipants]) -> Chart:
    """Bars for the cumulative participants per period, a line for the
    cumulative target."""
    chart = Chart()
    highest = max(
        [row.cumulative or 0 for row in rows] + [row.target or 0 for row in rows]
    )
    scale = _axis(chart, nice_ceiling(highest))
    band = _bands(chart, len(rows))
    bar_width = round(min(band * 0.56, 40), 1)
    run: list[str] = []
    for index, row in enumerate(rows):
        centre = chart.left + band * (index + 0.5)
        chart.categories.append(
            Category(
                x=round(centre, 1),
                label=row.period.label,
                sublabel=str(row.period.fiscal_year),
            )
        )
        if row.cumulative is not None:
            height = row.cumulative * scale
            chart.bars.append(
                Bar(
                    x=round(centre - bar_width / 2, 1),
                    y=round(chart.baseline - height, 1),
                    width=bar_width,
                    height=round(height, 1),
                    value=row.cumulative,
                )
            )
        if row.target:
            point = Point(
                x=round(centre, 1),
                y=round(chart.baseline - row.target * scale, 1),
                value=row.target,
            )
            chart.points.append(point)
            run.append(f"{point.x},{point.y}")
        else:
            if len(run) > 1:
                chart.lines.append(" ".join(run))
            run = []
    if len(run) > 1:
        chart.lines.append(" ".join(run))
    return chart


def funnel_chart(rows: list[FunnelRow]) -> Chart:
    """Grouped bars: per period, one bar per step of the funnel."""
    chart = Chart()
    highest = max([max(row.values()) for row in rows] + [0])
    scale = _axis(chart, nice_ceiling(highest))
    band = _bands(chart, len(rows))
    group_width = band * 0.8
    bar_width = round(group_width / len(FUNNEL_STEPS), 1)
    for index, row in enumerate(rows):
        centre = chart.left + band * (index + 0.5)
        chart.categories.append(
            Category(
                x=round(centre, 1),
                label=row.period.label,
                sublabel=str(row.period.fiscal_year),
            )
        )
        start = centre - group_width / 2
        for position, step in enumerate(FUNNEL_STEPS):
            value = getattr(row, step)
            height = value * scale
            chart.bars.append(
                Bar(
                    x=round(start + position * bar_width, 1),
                    y=round(chart.baseline - height, 1),
                    width=bar_width,
                    height=round(height, 1),
                    value=value,
                    css_class=f"chart-series-{position + 1}",
                )
            )
    return chart
