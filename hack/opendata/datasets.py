"""The open-data registry: each dataset says where its rows come from, how one
row looks (JSON and CSV), which filters it takes and its OpenAPI schema.

The views, the URL patterns, the CSV writer and the OpenAPI document are all
built from this registry, so a dataset is described in one place. Datasets of
`hack` apps are registered by this app (`sources.py`); `cms` registers its case
studies from `CmsConfig.ready()`, because no `hack` app imports `cms`.

Every dataset must read through its app's public selectors (`list_published_*`):
the API shows nothing the public site does not.
"""

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext

# The largest id PostgreSQL and SQLite store (bigint): beyond it, "not found".
MAX_ID = 2**63 - 1
MAX_TEXT_PARAMETER = 100
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


class ParameterError(Exception):
    """A query parameter the API cannot use: answered with 400, never 500."""

    def __init__(self, *, code: str, message: str, parameter: str):
        super().__init__(message)
        self.code = code
        self.message = message
        self.parameter = parameter


def shown(value: str) -> str:
    """A value echoed in an error message: short and printable."""
    return value if len(value) <= 40 else value[:40] + "…"


def parse_integer(
    text: str, *, parameter: str, minimum: int = 1, maximum: int | None = None
) -> int:
    """Plain ASCII digits only: no sign, spaces, decimals or full-width digits."""
    if not text.isascii() or not text.isdigit():
        if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
            raise ParameterError(
                code="out_of_range",
                message=gettext("Must be at least %(minimum)s.") % {"minimum": minimum},
                parameter=parameter,
            )
        raise ParameterError(
            code="invalid_integer",
            message=gettext("“%(value)s” is not a whole number.")
            % {"value": shown(text)},
            parameter=parameter,
        )
    if len(text) > 30:  # far beyond any id or page; int() of 5,000 digits fails
        value = MAX_ID + 1
    else:
        value = int(text)
    if value < minimum:
        raise ParameterError(
            code="out_of_range",
            message=gettext("Must be at least %(minimum)s.") % {"minimum": minimum},
            parameter=parameter,
        )
    if maximum is not None and value > maximum:
        raise ParameterError(
            code="out_of_range",
            message=gettext("Must be at most %(maximum)s.") % {"maximum": maximum},
            parameter=parameter,
        )
    return value


@dataclass(frozen=True)
class Filter:
    """One query parameter of a list. `parse` turns the text into a value or
    raises ParameterError; `apply` narrows the rows; `schema` is its OpenAPI
    schema, built when the document is (choices come from the TextChoices)."""

    name: str
    description: str | Promise
    schema: Callable[[], dict]
    parse: Callable[[str], Any]
    apply: Callable[[Any, Any], Any]


def choice_filter(
    name: str,
    choices,
    *,
    description: str | Promise,
    lookup: str | None = None,
) -> Filter:
    """A coded value of a TextChoices or IntegerChoices class."""
    integer = all(isinstance(value, int) for value in choices.values)

    def parse(text: str):
        allowed = [str(value) for value in choices.values]
        if text not in allowed:
            raise ParameterError(
                code="invalid_choice",
                message=gettext("Unknown value “%(value)s”. Allowed: %(allowed)s.")
                % {"value": shown(text), "allowed": ", ".join(allowed)},
                parameter=name,
            )
        return int(text) if integer else text

    def schema() -> dict:
        return {
            "type": "integer" if integer else "string",
            "enum": [value if integer else str(value) for value in choices.values],
        }

    return Filter(
        name=name,
        description=description,
        schema=schema,
        parse=parse,
        apply=lambda rows, value: rows.filter(**{lookup or name: value}),
    )


def id_filter(name: str, *, description: str | Promise, lookup: str) -> Filter:
    def parse(raw: str) -> int:
        return parse_integer(raw, parameter=name)

    return Filter(
        name=name,
        description=description,
        schema=lambda: {"type": "integer", "minimum": 1},
        parse=parse,
        # An id no row can have matches nothing, as any unknown id does.
        apply=lambda rows, value: (
            rows.filter(**{lookup: value}) if value <= MAX_ID else rows.none()
        ),
    )


def date_filter(
    name: str, *, description: str | Promise, apply: Callable[[Any, date], Any]
) -> Filter:
    """An ISO date (YYYY-MM-DD), compared with dates in the city's time zone."""

    def parse(text: str) -> date:
        value = None
        if ISO_DATE.fullmatch(text):
            try:
                value = date.fromisoformat(text)
            except ValueError:  # 2024-02-30
                value = None
        if value is None:
            raise ParameterError(
                code="invalid_date",
                message=gettext("“%(value)s” is not a date in the form YYYY-MM-DD.")
                % {"value": shown(text)},
                parameter=name,
            )
        return value

    return Filter(
        name=name,
        description=description,
        schema=lambda: {"type": "string", "format": "date"},
        parse=parse,
        apply=apply,
    )


def text_filter(
    name: str, *, description: str | Promise, apply: Callable[[Any, str], Any]
) -> Filter:
    def parse(text: str) -> str:
        if len(text) > MAX_TEXT_PARAMETER:
            raise ParameterError(
                code="too_long",
                message=gettext("At most %(maximum)s characters.")
                % {"maximum": MAX_TEXT_PARAMETER},
                parameter=name,
            )
        # PostgreSQL refuses NUL in text; other control characters are no tag.
        if any(ord(char) < 32 or char == "\ufffd" for char in text):
            raise ParameterError(
                code="invalid_text",
                message=gettext("This value contains characters that are not allowed."),
                parameter=name,
            )
        return text

    return Filter(
        name=name,
        description=description,
        schema=lambda: {"type": "string", "maxLength": MAX_TEXT_PARAMETER},
        parse=parse,
        apply=apply,
    )


@dataclass(frozen=True)
class Column:
    """One CSV column: its header and where its value is in a JSON row
    ("department.name"). Lists of words are joined with "; ", anything nested
    deeper is written as JSON."""

    header: str
    path: str = ""
    # Instead of a path: computed from the JSON row (e.g. names of a list).
    compute: Callable[[dict], Any] | None = None

    def value(self, row: dict) -> Any:
        value: Any = row
        if self.compute is not None:
            value = self.compute(row)
        else:
            for key in (self.path or self.header).split("."):
                value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return ""
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return "; ".join(value)
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False)
        return value


def columns(*specs: str | tuple[str, str] | Column) -> tuple[Column, ...]:
    """Columns from names ("title"), (header, path) pairs or Column objects."""
    return tuple(
        spec
        if isinstance(spec, Column)
        else Column(spec)
        if isinstance(spec, str)
        else Column(*spec)
        for spec in specs
    )


@dataclass(frozen=True)
class Dataset:
    """A public list, served as JSON (paginated), CSV (whole) and, when `detail`
    is set, one row by id.

    `rows()` returns the published rows (a QuerySet or a list) in a stable
    order; `serialize(objects, request)` turns a page of them into JSON rows
    (all at once, so it can fetch related data in a fixed number of queries);
    `item_schema()` is the OpenAPI schema of one row. `summary(rows, request)`
    adds dataset-wide figures next to `results`."""

    name: str
    title: str | Promise
    description: str | Promise
    rows: Callable[[], QuerySet | Sequence]
    serialize: Callable[[list, HttpRequest], list[dict]]
    item_schema: Callable[[], dict]
    csv_columns: tuple[Column, ...]
    filters: tuple[Filter, ...] = ()
    detail: bool = True
    summary: Callable[[Any, HttpRequest], dict] | None = None
    summary_schema: Callable[[], dict] | None = None
    position: int = 100

    def filtered(self, values: dict[str, Any]):
        rows = self.rows()
        for item in self.filters:
            if item.name in values:
                rows = item.apply(rows, values[item.name])
        return rows

    def get(self, pk: int):
        """One published row, or None."""
        if not self.detail or pk > MAX_ID:
            return None
        return self.rows().filter(pk=pk).first()


_registry: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    known = _registry.get(dataset.name)
    if known is not None and known is not dataset:
        raise ImproperlyConfigured(
            f"An open-data dataset named {dataset.name!r} is already registered."
        )
    _registry[dataset.name] = dataset
    return dataset


def get_dataset(name: str) -> Dataset | None:
    return _registry.get(name)


def list_datasets() -> list[Dataset]:
    return sorted(_registry.values(), key=lambda d: (d.position, d.name))


def parse_filters(dataset: Dataset, params: Iterable) -> dict[str, Any]:
    """The values of the dataset's filters present in the query; an empty
    value (`?field=`) means "no filter", as in the site's own filter forms."""
    values = {}
    for item in dataset.filters:
        raw = params.get(item.name)
        if raw is None or raw == "":
            continue
        values[item.name] = item.parse(raw)
    return values
