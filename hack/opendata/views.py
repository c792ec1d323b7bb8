"""The read-only open-data API (オープンデータ): JSON lists with filters and
pages, one item by id, CSV downloads and the OpenAPI document.

Every response carries the licence (JSON: a top-level `license` object; all
responses: a `Link: <…>; rel="license"` header), CORS for any origin and the
rate-limit headers. Bad input is a 400 JSON error naming the parameter, never
a 500; a page past the end is an empty `results` list (200).
"""

import csv
import io
import math
from functools import wraps

from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt

from . import openapi, ratelimit
from .datasets import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    Dataset,
    ParameterError,
    get_dataset,
    parse_filters,
    parse_integer,
)
from .serialize import license_info

ALLOWED_METHODS = ("GET", "HEAD")
# Cells a spreadsheet would run as a formula: written with a leading apostrophe
# (OWASP's advice for CSV injection). Numbers are not text and stay as they are.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def json_response(data: dict, *, status: int = 200) -> JsonResponse:
    return JsonResponse(
        {**data, "license": license_info()},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def error_response(
    status: int, code: str, message: str, parameter: str | None = None
) -> JsonResponse:
    error = {"code": code, "message": message}
    if parameter:
        error["parameter"] = parameter
    return json_response({"error": error}, status=status)


def not_found(message: str | None = None) -> JsonResponse:
    return error_response(404, "not_found", message or gettext("Not found."))


def _link_header(request) -> str:
    links = [f'<{license_info()["url"]}>; rel="license"']
    document = request.build_absolute_uri(reverse("opendata:openapi"))
    links.append(f'<{document}>; rel="describedby"; type="application/json"')
    return ", ".join(links)


def api_view(view):
    """Rate limit, methods, errors and the headers every answer carries."""

    @csrf_exempt  # nothing here writes; a POST gets 405, not the CSRF page
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        # Unprefixed paths are Japanese on the site (i18n_patterns without a
        # default prefix), but the API has one address for every language: it
        # answers in the language asked for (Accept-Language, or the language
        # cookie the site's switcher sets), Japanese by default.
        language = translation.get_language_from_request(request)
        with translation.override(language):
            response = _answer(view, request, *args, **kwargs)
        response["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language",))
        return response

    return wrapper


def _answer(view, request, *args, **kwargs):
    allowance = ratelimit.take(ratelimit.client_of(request))
    if allowance.exceeded:
        response = error_response(
            429,
            "rate_limited",
            gettext(
                "Too many requests: at most %(limit)s a minute. "
                "Try again in %(seconds)s seconds."
            )
            % {"limit": allowance.limit, "seconds": allowance.reset_in},
        )
        response["Retry-After"] = str(allowance.reset_in)
    elif request.method not in ALLOWED_METHODS:
        response = error_response(
            405,
            "method_not_allowed",
            gettext("This API is read-only: use GET or HEAD."),
        )
        response["Allow"] = ", ".join(ALLOWED_METHODS)
    else:
        try:
            response = view(request, *args, **kwargs)
        except ParameterError as error:
            response = error_response(400, error.code, error.message, error.parameter)
    if allowance.limit:
        response["X-RateLimit-Limit"] = str(allowance.limit)
        response["X-RateLimit-Remaining"] = str(allowance.remaining)
        response["X-RateLimit-Reset"] = str(allowance.reset_in)
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = (
        "Link, Retry-After, Content-Disposition, "
        "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
    )
    response["Link"] = _link_header(request)
    return response


def _dataset_or_none(name: str, *, detail: bool = False) -> Dataset | None:
    dataset = get_dataset(name)
    if dataset is None or (detail and not dataset.detail):
        return None
    return dataset


def _unknown_dataset(name: str) -> JsonResponse:
    return not_found(gettext("There is no dataset “%(name)s”.") % {"name": name[:40]})


def _count(rows) -> int:
    return rows.count() if isinstance(rows, QuerySet) else len(rows)


def _page_url(request, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def parse_pagination(params) -> tuple[int, int]:
    page = params.get("page", "")
    per_page = params.get("per_page", "")
    return (
        parse_integer(page, parameter="page") if page else 1,
        (
            parse_integer(per_page, parameter="per_page", maximum=MAX_PER_PAGE)
            if per_page
            else DEFAULT_PER_PAGE
        ),
    )


# Views ---------------------------------------------------------------------------


@api_view
def home(request):
    """/api/: the human-readable page about the open data (HTML)."""
    return render(
        request,
        "opendata/index.html",
        {
            "datasets": openapi.dataset_links(request),
            "license": license_info(),
            "openapi_url": reverse("opendata:openapi"),
            "default_per_page": DEFAULT_PER_PAGE,
            "max_per_page": MAX_PER_PAGE,
        },
    )


@api_view
def dataset_index(request):
    """/api/v1/: the datasets, with the addresses of their lists and downloads."""
    return json_response(
        {
            "datasets": openapi.dataset_links(request),
            "openapi": request.build_absolute_uri(reverse("opendata:openapi")),
        }
    )


@api_view
def openapi_document(request):
    return JsonResponse(
        openapi.build_document(request), json_dumps_params={"ensure_ascii": False}
    )


@api_view
def dataset_list(request, dataset: str):
    found = _dataset_or_none(dataset)
    if found is None:
        return _unknown_dataset(dataset)
    page, per_page = parse_pagination(request.GET)
    rows = found.filtered(parse_filters(found, request.GET))
    count = _count(rows)
    pages = math.ceil(count / per_page)
    # A page past the end is empty, not an error: a harvester stops on it.
    objects = []
    if page <= pages:
        start = (page - 1) * per_page
        objects = list(rows[start : start + per_page])
    data = {
        "count": count,
        "page": page,
        "per_page": per_page,
        "pages": pages,
        "next": _page_url(request, page + 1) if page < pages else None,
        "previous": (
            _page_url(request, min(page - 1, pages)) if page > 1 and pages else None
        ),
        "results": found.serialize(objects, request),
    }
    if found.summary is not None:
        data["summary"] = found.summary(rows, request)
    return json_response(data)


@api_view
def dataset_detail(request, dataset: str, id: int):
    found = _dataset_or_none(dataset, detail=True)
    if found is None:
        return _unknown_dataset(dataset)
    item = found.get(id)
    if item is None:
        return not_found(
            gettext("Nothing published in “%(dataset)s” has the id %(id)s.")
            % {"dataset": found.name, "id": id}
        )
    return json_response({"result": found.serialize([item], request)[0]})


def _cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@api_view
def dataset_csv(request, dataset: str):
    """The whole list (filters apply, pages do not) as CSV: UTF-8 with a BOM, so
    Excel in Japan opens it without garbling, CRLF line ends, a header row."""
    found = _dataset_or_none(dataset)
    if found is None:
        return _unknown_dataset(dataset)
    rows = found.filtered(parse_filters(found, request.GET))
    items = found.serialize(list(rows), request)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in found.csv_columns])
    for item in items:
        writer.writerow([_cell(column.value(item)) for column in found.csv_columns])
    response = HttpResponse(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{found.name}.csv"'
    return response


@api_view
def unknown_path(request, rest: str):
    """Anything else under /api/ that ends with a slash: a JSON 404, so a
    client never has to parse the site's HTML error page."""
    return not_found()
