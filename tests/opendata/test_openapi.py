"""/api/openapi.json: a valid OpenAPI 3.0 document that covers every route,
derives its enums from the models' choices and carries the licence."""

import re

import pytest
import schemathesis
from werkzeug.test import Client as WsgiClient

from hack.accounts.models import OrganizationType
from hack.matching.match_types import MatchType
from hack.needs.choices import Field, Specificity, Stage
from hack.opendata import urls
from hack.opendata.datasets import get_dataset, list_datasets
from hack.seeds.choices import Maturity

from .helpers import wsgi_app

pytestmark = pytest.mark.django_db

DOCUMENT = "/api/openapi.json"
# The catch-all answers a JSON 404 for addresses that are not in the API.
UNDOCUMENTED = {"not-found"}


@pytest.fixture
def document(client, site):
    # In English: the assertions below read the descriptions.
    response = client.get(DOCUMENT, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.json()


def test_schemathesis_loads_a_valid_document(site):
    schema = schemathesis.openapi.from_wsgi(DOCUMENT, wsgi_app)
    schema.validate()  # against the OpenAPI 3.0 meta-schema
    assert schema.raw_schema["openapi"].startswith("3.0")
    for result in schema.get_all_operations():
        result.ok()  # every operation resolves


def documented_paths(pattern) -> set[str]:
    """The document's paths for one Django route: "v1/<slug:dataset>/<int:id>/"
    → "/v1/needs/{id}/", for every dataset it serves."""
    route = str(pattern.pattern)
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    if "{dataset}" not in route:
        return {"/" + route}
    paths = set()
    for dataset in list_datasets():
        if "{id}" in route and not dataset.detail:
            continue
        paths.add("/" + route.replace("{dataset}", dataset.name))
    return paths


def test_every_url_pattern_is_in_the_document(document):
    expected = set()
    for pattern in urls.urlpatterns:
        if pattern.name in UNDOCUMENTED:
            continue
        expected |= documented_paths(pattern)
    assert expected <= set(document["paths"]), expected - set(document["paths"])
    assert set(document["paths"]) == expected
    assert len(expected) == 3 + 3 * 3 + 2


def test_every_documented_path_answers(client, document):
    base = document["servers"][0]["url"].removeprefix("http://testserver")
    for path in document["paths"]:
        response = client.get(base + path.replace("{id}", "999999"))
        assert response.status_code in (200, 404), path
        if response.status_code == 404:
            assert "{id}" in path


def test_the_licence_is_in_the_info(document, settings):
    assert document["info"]["license"] == {
        "name": settings.OPENDATA_LICENSE_NAME,
        "url": settings.OPENDATA_LICENSE_URL,
    }
    assert document["info"]["x-attribution"] == settings.OPENDATA_ATTRIBUTION
    assert document["components"]["schemas"]["License"]["required"] == [
        "name",
        "url",
        "attribution",
    ]


def parameters(document, path) -> dict:
    return {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}


@pytest.mark.parametrize(
    ("path", "name", "choices"),
    [
        ("/v1/needs/", "field", Field),
        ("/v1/needs/", "stage", Stage),
        ("/v1/needs/", "specificity", Specificity),
        ("/v1/needs.csv", "field", Field),
        ("/v1/seeds/", "maturity", Maturity),
        ("/v1/seeds/", "organization_type", OrganizationType),
        ("/v1/case-studies/", "field", Field),
        ("/v1/case-studies/", "matching_type", MatchType),
    ],
)
def test_coded_filters_have_the_models_choices_as_enums(document, path, name, choices):
    assert parameters(document, path)[name]["schema"]["enum"] == list(choices.values)


def test_item_schemas_use_the_same_enums(document):
    schemas = document["components"]["schemas"]
    need = schemas["NeedsItem"]["properties"]
    assert need["field"]["enum"] == list(Field.values)
    assert need["stage"]["enum"] == list(Stage.values)
    case = schemas["CaseStudiesItem"]["properties"]
    assert case["matching_type"]["enum"] == [1, 2, 3]


def test_each_list_documents_its_filters_and_pages(document):
    for dataset in list_datasets():
        names = set(parameters(document, f"/v1/{dataset.name}/"))
        filters = {item.name for item in dataset.filters}
        assert names == {"page", "per_page"} | filters
        assert set(parameters(document, f"/v1/{dataset.name}.csv")) == filters
    per_page = parameters(document, "/v1/needs/")["per_page"]["schema"]
    assert per_page == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}


def test_errors_and_the_page_past_the_end_are_documented(document):
    needs = document["paths"]["/v1/needs/"]["get"]
    assert set(needs["responses"]) == {"200", "400", "429"}
    assert (
        "empty results list"
        in parameters(document, "/v1/needs/")["page"]["description"]
    )
    detail = document["paths"]["/v1/needs/{id}/"]["get"]
    assert set(detail["responses"]) == {"200", "404", "429"}
    too_many = document["components"]["responses"]["TooManyRequests"]
    assert too_many["headers"]["Retry-After"]["required"] is True
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert {"rate_limited", "not_found", "invalid_choice"} <= set(
        error["properties"]["code"]["enum"]
    )
    csv = document["paths"]["/v1/needs.csv"]["get"]["responses"]["200"]
    assert "text/csv" in csv["content"]
    assert "Content-Disposition" in csv["headers"]


def test_item_schemas_are_closed(document):
    """A field added to a row without its schema fails the schemathesis run
    (additionalProperties: false) instead of being published unnoticed."""
    for dataset in list_datasets():
        schema = document["components"]["schemas"][
            "".join(p.capitalize() for p in dataset.name.split("-")) + "Item"
        ]
        assert schema["additionalProperties"] is False
        assert set(schema["required"]) == set(schema["properties"])


def test_real_answers_conform_to_the_document(world, settings):
    settings.OPENDATA_RATE_LIMIT_PER_MINUTE = 1_000_000
    schema = schemathesis.openapi.from_wsgi(DOCUMENT, wsgi_app)
    client = WsgiClient(wsgi_app)
    checked = 0
    for path, item in [
        ("/v1/needs/", None),
        ("/v1/needs/{id}/", world.need.pk),
        ("/v1/seeds/", None),
        ("/v1/seeds/{id}/", world.deployed_seed.pk),
        ("/v1/case-studies/", None),
        ("/v1/case-studies/{id}/", world.case.pk),
        ("/v1/participation/", None),
        ("/v1/", None),
    ]:
        url = "/api" + path.replace("{id}", str(item))
        response = client.get(url)
        assert response.status_code == 200
        schema[path]["GET"].validate_response(response)
        checked += 1
    bad = client.get("/api/v1/needs/?page=abc")
    schema["/v1/needs/"]["GET"].validate_response(bad)
    assert checked == 8


def test_the_document_is_in_the_request_language(client, site):
    english = client.get(DOCUMENT, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["tags"][0] == {"name": "needs", "description": "Needs"}
    japanese = client.get(DOCUMENT, HTTP_ACCEPT_LANGUAGE="ja").json()
    assert japanese["tags"][0]["description"] == "ニーズ"


def test_case_studies_are_registered_by_cms():
    dataset = get_dataset("case-studies")
    assert dataset is not None
    assert dataset.rows.__module__ == "cms.opendata"
