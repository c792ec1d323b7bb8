"""The OpenAPI 3.0 document of the open-data API, served at /api/openapi.json.

Hand-written as a Python dict, but its paths, parameters, enums and row
schemas come from the dataset registry (datasets.py) and the models'
TextChoices, so the document cannot drift from what the views do;
tests/opendata/test_openapi.py checks that every URL pattern is in it and runs
schemathesis against it.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext

from .datasets import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    MAX_TEXT_PARAMETER,
    Dataset,
    list_datasets,
)
from .serialize import integer, license_info, obj, string, url_schema

OPENAPI_VERSION = "3.0.3"
API_VERSION = "1.0.0"
ERROR_CODES = [
    "invalid_integer",
    "out_of_range",
    "invalid_choice",
    "invalid_date",
    "invalid_text",
    "too_long",
    "not_found",
    "method_not_allowed",
    "rate_limited",
]
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def dataset_links(request) -> list[dict]:
    """What the /api/v1/ index and the /api/ page list for each dataset."""
    links = []
    for dataset in list_datasets():
        list_url = reverse("opendata:dataset-list", kwargs={"dataset": dataset.name})
        csv_url = reverse("opendata:dataset-csv", kwargs={"dataset": dataset.name})
        links.append(
            {
                "name": dataset.name,
                "title": str(dataset.title),
                "description": str(dataset.description),
                "url": request.build_absolute_uri(list_url),
                "csv_url": request.build_absolute_uri(csv_url),
                "filters": [item.name for item in dataset.filters],
            }
        )
    return links


def _license_schema() -> dict:
    return obj(
        {"name": string(), "url": url_schema(), "attribution": string()},
        description=gettext(
            "The licence of the data and the attribution to show when reusing it."
        ),
    )


def _error_schema() -> dict:
    return {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "enum": ERROR_CODES},
                    "message": string(
                        description=gettext("In the language of the request.")
                    ),
                    "parameter": string(
                        description=gettext("The query parameter at fault, if any.")
                    ),
                },
                "required": ["code", "message"],
                "additionalProperties": False,
            },
            "license": _ref("License"),
        },
        "required": ["error", "license"],
        "additionalProperties": False,
    }


def _headers(*names: str) -> dict:
    known = {
        "Link": {
            "description": gettext(
                'The licence (rel="license") and this document (rel="describedby").'
            ),
            "schema": {"type": "string"},
        },
        "X-RateLimit-Limit": {
            "description": gettext("Requests allowed per minute and client address."),
            "schema": {"type": "integer"},
        },
        "X-RateLimit-Remaining": {
            "description": gettext("Requests left in the current minute."),
            "schema": {"type": "integer"},
        },
        "X-RateLimit-Reset": {
            "description": gettext("Seconds until the current minute ends."),
            "schema": {"type": "integer"},
        },
        "Retry-After": {
            "description": gettext("Seconds to wait before the next request."),
            "schema": {"type": "integer"},
            "required": True,
        },
        "Content-Disposition": {
            "description": gettext("The name to save the file as (attachment)."),
            "schema": {"type": "string"},
            "required": True,
        },
        "Access-Control-Allow-Origin": {
            "description": gettext("Any web page may read the open data (CORS)."),
            "schema": {"type": "string", "enum": ["*"]},
            "required": True,
        },
    }
    common = ("Link", "Access-Control-Allow-Origin", *RATE_HEADERS)
    return {name: known[name] for name in (*common, *names)}


def _json(schema: dict, description: str, *header_names: str) -> dict:
    return {
        "description": description,
        "headers": _headers(*header_names),
        "content": {"application/json": {"schema": schema}},
    }


def _error_responses(*, not_found: bool = False, bad_request: bool = True) -> dict:
    responses = {}
    if bad_request:
        responses["400"] = {"$ref": "#/components/responses/BadRequest"}
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    responses["429"] = {"$ref": "#/components/responses/TooManyRequests"}
    return responses


def _pagination_parameters() -> list[dict]:
    return [
        {
            "name": "page",
            "in": "query",
            "required": False,
            # `?field=` is "no filter", as a blank form field sends it.
            "allowEmptyValue": True,
            "description": gettext(
                "Page number, from 1. A page past the end is not an error: it "
                "returns an empty results list (200)."
            ),
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        },
        {
            "name": "per_page",
            "in": "query",
            "required": False,
            # `?field=` is "no filter", as a blank form field sends it.
            "allowEmptyValue": True,
            "description": gettext("Items per page (at most %(maximum)s).")
            % {"maximum": MAX_PER_PAGE},
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PER_PAGE,
                "default": DEFAULT_PER_PAGE,
            },
        },
    ]


def _filter_parameters(dataset: Dataset) -> list[dict]:
    return [
        {
            "name": item.name,
            "in": "query",
            "required": False,
            # `?field=` is "no filter", as a blank form field sends it.
            "allowEmptyValue": True,
            "description": str(item.description),
            "schema": item.schema(),
        }
        for item in dataset.filters
    ]


def _list_schema(dataset: Dataset) -> dict:
    properties = {
        "count": integer(minimum=0),
        "page": integer(minimum=1),
        "per_page": integer(minimum=1),
        "pages": integer(minimum=0),
        "next": url_schema(nullable=True),
        "previous": url_schema(nullable=True),
        "results": {"type": "array", "items": _ref(f"{_camel(dataset.name)}Item")},
    }
    if dataset.summary_schema is not None:
        properties["summary"] = dataset.summary_schema()
    properties["license"] = _ref("License")
    return obj(properties)


def _dataset_paths(dataset: Dataset) -> dict:
    name = dataset.name
    title = str(dataset.title)
    camel = _camel(name)
    paths = {
        f"/v1/{name}/": {
            "get": {
                "operationId": f"list_{name.replace('-', '_')}",
                "tags": [name],
                "summary": gettext("%(dataset)s: list") % {"dataset": title},
                "description": str(dataset.description),
                "parameters": _pagination_parameters() + _filter_parameters(dataset),
                "responses": {
                    "200": _json(_ref(f"{camel}List"), title),
                    **_error_responses(),
                },
            }
        },
        f"/v1/{name}.csv": {
            "get": {
                "operationId": f"download_{name.replace('-', '_')}_csv",
                "tags": [name],
                "summary": gettext("%(dataset)s: CSV download") % {"dataset": title},
                "description": gettext(
                    "The whole list with the same filters, without pages: UTF-8 "
                    "with a byte order mark (for Excel), a header row, one row per "
                    "item. Columns: %(columns)s."
                )
                % {"columns": ", ".join(c.header for c in dataset.csv_columns)},
                "parameters": _filter_parameters(dataset),
                "responses": {
                    "200": {
                        "description": gettext("CSV file"),
                        "headers": _headers("Content-Disposition"),
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    **_error_responses(),
                },
            }
        },
    }
    if dataset.detail:
        paths[f"/v1/{name}/{{id}}/"] = {
            "get": {
                "operationId": f"get_{name.replace('-', '_')}_item",
                "tags": [name],
                "summary": gettext("%(dataset)s: one item") % {"dataset": title},
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "description": gettext("The item's id."),
                        "schema": {"type": "integer", "minimum": 1},
                    }
                ],
                "responses": {
                    "200": _json(
                        obj(
                            {"result": _ref(f"{camel}Item"), "license": _ref("License")}
                        ),
                        title,
                    ),
                    **_error_responses(not_found=True, bad_request=False),
                },
            }
        }
    return paths


def build_document(request) -> dict:
    api_root = request.build_absolute_uri(reverse("opendata:home")).rstrip("/")
    licence = license_info()
    datasets = list_datasets()
    schemas = {"License": _license_schema(), "Error": _error_schema()}
    paths = {
        "/": {
            "get": {
                "operationId": "home",
                "summary": gettext("About the open data (HTML page)"),
                "responses": {
                    "200": {
                        "description": gettext("HTML page"),
                        "headers": _headers(),
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                    **_error_responses(bad_request=False),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": gettext("This document"),
                "responses": {
                    "200": {
                        "description": gettext("OpenAPI document"),
                        "headers": _headers(),
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **_error_responses(bad_request=False),
                },
            }
        },
        "/v1/": {
            "get": {
                "operationId": "list_datasets",
                "summary": gettext("The datasets"),
                "responses": {
                    "200": _json(_ref("DatasetIndex"), gettext("The datasets")),
                    **_error_responses(bad_request=False),
                },
            }
        },
    }
    schemas["DatasetIndex"] = obj(
        {
            "datasets": {
                "type": "array",
                "items": obj(
                    {
                        "name": {
                            "type": "string",
                            "enum": [dataset.name for dataset in datasets],
                        },
                        "title": string(),
                        "description": string(),
                        "url": url_schema(),
                        "csv_url": url_schema(),
                        "filters": {"type": "array", "items": string()},
                    }
                ),
            },
            "openapi": url_schema(),
            "license": _ref("License"),
        }
    )
    for dataset in datasets:
        camel = _camel(dataset.name)
        schemas[f"{camel}Item"] = dataset.item_schema()
        schemas[f"{camel}List"] = _list_schema(dataset)
        paths.update(_dataset_paths(dataset))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": gettext("YOKOHAMA Hack! open data"),
            "version": API_VERSION,
            "description": gettext(
                "Published needs, seeds, case studies and participation figures of "
                "YOKOHAMA Hack!, the City of Yokohama's open innovation platform. "
                "Read-only; JSON lists with filters and pages, and CSV downloads. "
                "Errors are JSON: 400 for a malformed parameter, 404 for an unknown "
                "id, 429 over %(limit)s requests a minute per client address. "
                "Text filters take at most %(max_text)s characters. Attribution: "
                "%(attribution)s."
            )
            % {
                "limit": settings.OPENDATA_RATE_LIMIT_PER_MINUTE,
                "max_text": MAX_TEXT_PARAMETER,
                "attribution": licence["attribution"],
            },
            "license": {"name": licence["name"], "url": licence["url"]},
            "x-attribution": licence["attribution"],
        },
        "servers": [{"url": api_root}],
        "tags": [
            {"name": dataset.name, "description": str(dataset.title)}
            for dataset in datasets
        ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                "BadRequest": _json(
                    _ref("Error"), gettext("A malformed or unknown parameter value")
                ),
                "NotFound": _json(_ref("Error"), gettext("No such item")),
                "TooManyRequests": _json(
                    _ref("Error"), gettext("Rate limit exceeded"), "Retry-After"
                ),
            },
        },
    }
