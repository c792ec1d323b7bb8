"""The JSON lists, one item by id, the CSV downloads, filters and pages, the
licence on every answer, and bad input answered with 400/404/405, never 500."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from hack.needs.models import NeedPage
from hack.seeds.models import SeedPage

from .helpers import BOM, get_json, read_csv, titles

pytestmark = pytest.mark.django_db

NEEDS = "/api/v1/needs/"
SEEDS = "/api/v1/seeds/"
CASES = "/api/v1/case-studies/"
PARTICIPATION = "/api/v1/participation/"
LISTS = (NEEDS, SEEDS, CASES, PARTICIPATION)
CSVS = tuple(url.rstrip("/") + ".csv" for url in LISTS)
LICENSE = {
    "name": "CC BY 4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "YOKOHAMA Hack!",
}


# Lists ---------------------------------------------------------------------------


def test_needs_list_shows_published_needs_with_their_public_fields(client, world):
    response, data = get_json(client, NEEDS)
    assert response.status_code == 200
    assert data["count"] == 3 and data["page"] == 1 and data["per_page"] == 20
    assert data["pages"] == 1 and data["next"] is None and data["previous"] is None
    assert titles(data) == {"PUBNEED 窓口", "PUBNEED2 救急", "LIVENEED-OLD 窓口"}
    row = next(r for r in data["results"] if r["id"] == world.need.pk)
    assert row["field"] == "counter"
    assert row["field_label"] == {"ja": "窓口・手続", "en": "Counters and procedures"}
    assert row["specificity"] == "medium" and row["stage"] == "published"
    assert set(row["stage_label"]) == {"ja", "en"}
    assert row["department"] == {
        "id": world.dept_x.pk,
        "bureau": "港南区役所",
        "section": "区政推進課",
        "name": "港南区役所 区政推進課",
    }
    assert row["pain_points"] == world.need.pain_points
    assert row["url"] == "http://testserver" + world.need.url
    assert row["first_published_at"].endswith("+09:00")


def test_the_newest_need_comes_first(client, world):
    _, data = get_json(client, NEEDS)
    published = [row["first_published_at"] for row in data["results"]]
    assert published == sorted(published, reverse=True)


def test_seeds_list_shows_organisation_tags_and_track_record(client, world):
    _, data = get_json(client, SEEDS)
    assert titles(data) == {"PUBSEED 見守り", "PUBSEED2 予約", "LIVESEED-OLD 見守り"}
    row = next(r for r in data["results"] if r["id"] == world.deployed_seed.pk)
    assert row["maturity"] == "deployed_elsewhere"
    assert row["deployments"] == 2
    assert row["municipalities"] == ["川崎市", "相模原市"]
    assert row["tags"] == ["予約"]
    assert row["organization"]["name"] == "一般社団法人ビー"
    assert row["organization"]["type"] == "npo"
    assert (
        row["organization"]["url"]
        == f"http://testserver/organizations/{world.org_b.pk}/"
    )
    assert row["url"] == "http://testserver" + world.deployed_seed.url


def test_case_studies_list_shows_outcomes_timeline_and_organisations(client, world):
    _, data = get_json(client, CASES)
    assert titles(data) == {"PUBCASE 窓口の混雑", "PUBCASE2 救急"}
    row = next(r for r in data["results"] if r["id"] == world.case.pk)
    assert row["matching_type"] == 3
    assert row["matching_type_label"]["en"] == "Type 3: ready-to-deploy service"
    assert row["need"] == {
        "id": world.need.pk,
        "title": "PUBNEED 窓口",
        "url": "http://testserver" + world.need.url,
    }
    assert [org["name"] for org in row["organizations"]] == [
        "一般社団法人ビー",
        "株式会社エー",
    ]
    assert row["other_participants"] == ["港南区役所", "市民ボランティア"]
    assert [step["stage"] for step in row["timeline"]] == [
        "need",
        "pilot",
        "implementation",
    ]
    assert row["timeline"][0]["date"] == "2022-06-06"
    time_measure = row["outcome_measures"][0]
    assert time_measure == {
        "label": "1 回の調査にかかる作業時間",
        "unit": "人時",
        "baseline": 3300.0,
        "target": 2475.0,
        "result": 1980.0,
        "direction": "lower",
        "measures_time": True,
        "achieved": True,
    }
    assert row["outcome_measures"][1]["baseline"] is None


def test_a_case_linked_to_an_unpublished_need_does_not_show_the_need(client, world):
    _, data = get_json(client, f"{CASES}{world.case_of_draft.pk}/")
    assert data["result"]["need"] is None


# One item ------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", ["needs", "seeds", "case-studies"])
def test_detail_of_a_published_item_equals_its_list_row(client, world, dataset):
    item = {"needs": world.need, "seeds": world.seed, "case-studies": world.case}[
        dataset
    ]
    _, listed = get_json(client, f"/api/v1/{dataset}/")
    response, data = get_json(client, f"/api/v1/{dataset}/{item.pk}/")
    assert response.status_code == 200
    assert data["result"] == next(r for r in listed["results"] if r["id"] == item.pk)
    assert data["license"] == LICENSE


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/needs/999999/",
        "/api/v1/needs/99999999999999999999999/",
        "/api/v1/seeds/0/",
        "/api/v1/nothing/",
        "/api/v1/nothing/1/",
        "/api/v1/nothing.csv",
        "/api/v1/participation/1/",
        "/api/v1/needs/abc/",
        "/api/v2/",
        "/api/v1/needs/1/extra/",
    ],
)
def test_unknown_addresses_are_json_404s(client, site, url):
    response, data = get_json(client, url)
    assert response.status_code == 404
    assert data["error"]["code"] == "not_found"
    assert data["license"] == LICENSE


def test_a_missing_trailing_slash_redirects(client, site):
    response = client.get("/api/v1/needs")
    assert response.status_code == 301 and response["Location"] == "/api/v1/needs/"


# CSV -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", CSVS)
def test_csv_is_utf8_with_a_bom_and_parses(client, world, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content[:3] == BOM
    name = url.rsplit("/", 1)[1]
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert (
        '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
        in (response["Link"])
    )
    rows = read_csv(response)
    assert rows
    # Every row has every column; CRLF line ends, as Excel expects.
    assert all(None not in row and len(row) == len(rows[0]) for row in rows)
    assert b"\r\n" in response.content


def test_csv_rows_are_the_json_rows_without_pages(client, world):
    _, data = get_json(client, NEEDS, per_page=1)
    rows = read_csv(client.get("/api/v1/needs.csv", {"per_page": 1, "page": 2}))
    assert len(rows) == data["count"] == 3
    first = next(row for row in rows if row["id"] == str(world.need.pk))
    assert first["title"] == "PUBNEED 窓口"
    assert first["field_label_ja"] == "窓口・手続"
    assert first["department_name"] == "港南区役所 区政推進課"
    assert first["url"] == "http://testserver" + world.need.url


def test_csv_lists_are_joined_and_nested_data_is_json(client, world):
    rows = read_csv(client.get("/api/v1/case-studies.csv"))
    row = next(row for row in rows if row["id"] == str(world.case.pk))
    assert row["organizations"] == "一般社団法人ビー; 株式会社エー"
    assert row["other_participants"] == "港南区役所; 市民ボランティア"
    assert '"label": "LiDAR の計測精度"' in row["outcome_measures"]
    seeds = read_csv(client.get("/api/v1/seeds.csv"))
    seed = next(row for row in seeds if row["id"] == str(world.seed.pk))
    assert seed["tags"] == "IoT; 見守り"
    assert seed["organization_name"] == "株式会社エー"


def test_csv_applies_the_filters(client, world):
    rows = read_csv(client.get("/api/v1/needs.csv", {"field": "health"}))
    assert [row["title"] for row in rows] == ["PUBNEED2 救急"]


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(
    client, world, coordinator, dept_x, staff_x
):
    from tests import factories

    factories.make_need(dept_x, staff_x, publish_by=coordinator, title="=HYPERLINK(1)")
    rows = read_csv(client.get("/api/v1/needs.csv"))
    assert "'=HYPERLINK(1)" in [row["title"] for row in rows]
    _, data = get_json(client, NEEDS)
    assert "=HYPERLINK(1)" in titles(data)  # JSON keeps the text as written


def test_csv_of_an_empty_list_has_the_header_row(client, site):
    response = client.get("/api/v1/seeds.csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header[:3] == ["id", "title", "summary"]
    assert read_csv(response) == []


# Filters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"field": "health"}, {"PUBNEED2 救急"}),
        ({"field": "counter"}, {"PUBNEED 窓口", "LIVENEED-OLD 窓口"}),
        ({"field": "education"}, set()),
        ({"stage": "open_for_ideas"}, {"PUBNEED2 救急"}),
        ({"specificity": "high"}, {"PUBNEED2 救急"}),
        ({"field": "counter", "specificity": "high"}, set()),
        ({"field": ""}, {"PUBNEED 窓口", "PUBNEED2 救急", "LIVENEED-OLD 窓口"}),
    ],
)
def test_needs_filters(client, world, params, expected):
    _, data = get_json(client, NEEDS, **params)
    assert titles(data) == expected
    assert data["count"] == len(expected)


def test_needs_filter_by_department(client, world):
    _, data = get_json(client, NEEDS, department=world.dept_y.pk)
    assert titles(data) == {"PUBNEED2 救急"}
    _, data = get_json(client, NEEDS, department=99999999)
    assert data["count"] == 0


def test_needs_filter_by_dates(client, world):
    long_ago = timezone.now() - timedelta(days=400)
    NeedPage.objects.filter(pk=world.need.pk).update(
        first_published_at=long_ago, last_published_at=long_ago
    )
    today = timezone.localdate().isoformat()
    _, data = get_json(client, NEEDS, published_since=today)
    assert titles(data) == {"PUBNEED2 救急", "LIVENEED-OLD 窓口"}
    _, data = get_json(client, NEEDS, updated_since=today)
    assert titles(data) == {"PUBNEED2 救急", "LIVENEED-OLD 窓口"}
    # A stage change counts as an update of a need.
    NeedPage.objects.filter(pk=world.need.pk).update(stage_changed_at=timezone.now())
    _, data = get_json(client, NEEDS, updated_since=today)
    assert "PUBNEED 窓口" in titles(data)
    _, data = get_json(client, NEEDS, published_since="2999-01-01")
    assert data["count"] == 0
    _, data = get_json(client, NEEDS, published_since="0001-01-01")
    assert data["count"] == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"maturity": "deployed_elsewhere"}, {"PUBSEED2 予約"}),
        ({"organization_type": "npo"}, {"PUBSEED2 予約"}),
        ({"organization_type": "company"}, {"PUBSEED 見守り", "LIVESEED-OLD 見守り"}),
        ({"tag": "iot"}, {"PUBSEED 見守り", "LIVESEED-OLD 見守り"}),
        ({"tag": "予約"}, {"PUBSEED2 予約"}),
        ({"tag": "DRAFTTAG"}, set()),
        ({"tag": "no such tag"}, set()),
    ],
)
def test_seeds_filters(client, world, params, expected):
    _, data = get_json(client, SEEDS, **params)
    assert titles(data) == expected


def test_seeds_filter_by_dates(client, world):
    long_ago = timezone.now() - timedelta(days=400)
    SeedPage.objects.filter(pk=world.seed.pk).update(
        first_published_at=long_ago, last_published_at=long_ago
    )
    today = timezone.localdate().isoformat()
    _, data = get_json(client, SEEDS, published_since=today)
    assert "PUBSEED 見守り" not in titles(data) and data["count"] == 2
    _, data = get_json(client, SEEDS, updated_since=today)
    assert data["count"] == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"field": "health"}, {"PUBCASE2 救急"}),
        ({"matching_type": "3"}, {"PUBCASE 窓口の混雑"}),
        ({"matching_type": "2"}, set()),
        ({"field": "counter", "matching_type": "3"}, {"PUBCASE 窓口の混雑"}),
    ],
)
def test_case_study_filters(client, world, params, expected):
    _, data = get_json(client, CASES, **params)
    assert titles(data) == expected


# Pages ---------------------------------------------------------------------------


def test_pages_walk_through_the_list(client, world):
    response, first = get_json(client, NEEDS, per_page=2, field="")
    assert first["count"] == 3 and first["pages"] == 2 and len(first["results"]) == 2
    assert first["previous"] is None
    assert first["next"].startswith("http://testserver/api/v1/needs/?")
    assert "per_page=2" in first["next"] and "page=2" in first["next"]
    _, second = get_json(client, first["next"].removeprefix("http://testserver"))
    assert second["page"] == 2 and len(second["results"]) == 1
    assert second["next"] is None
    assert "page=1" in second["previous"]
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert len(set(seen)) == 3


def test_a_page_past_the_end_is_an_empty_list(client, world):
    response, data = get_json(client, NEEDS, page=7, per_page=2)
    assert response.status_code == 200
    assert data["results"] == [] and data["count"] == 3 and data["pages"] == 2
    assert data["next"] is None and "page=2" in data["previous"]
    for digits in (40, 5000):  # beyond any int the database takes, or int() reads
        response, huge = get_json(client, NEEDS, page="9" * digits)
        assert response.status_code == 200 and huge["results"] == []


def test_an_empty_dataset_has_no_pages(client, site):
    _, data = get_json(client, SEEDS)
    assert data == {
        "count": 0,
        "page": 1,
        "per_page": 20,
        "pages": 0,
        "next": None,
        "previous": None,
        "results": [],
        "license": LICENSE,
    }


def test_per_page_up_to_the_maximum(client, world):
    _, data = get_json(client, NEEDS, per_page=100)
    assert data["per_page"] == 100 and data["pages"] == 1


# Bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "parameter", "code"),
    [
        (NEEDS, {"page": "abc"}, "page", "invalid_integer"),
        (NEEDS, {"page": "0"}, "page", "out_of_range"),
        (NEEDS, {"page": "-1"}, "page", "out_of_range"),
        (NEEDS, {"page": "1.5"}, "page", "invalid_integer"),
        (NEEDS, {"page": " 1"}, "page", "invalid_integer"),
        (NEEDS, {"page": "１"}, "page", "invalid_integer"),
        (NEEDS, {"per_page": "100000"}, "per_page", "out_of_range"),
        (NEEDS, {"per_page": "0"}, "per_page", "out_of_range"),
        (NEEDS, {"per_page": "9" * 50}, "per_page", "out_of_range"),
        (NEEDS, {"field": "xyz"}, "field", "invalid_choice"),
        (NEEDS, {"field": "COUNTER"}, "field", "invalid_choice"),
        (NEEDS, {"stage": "draft"}, "stage", "invalid_choice"),
        (NEEDS, {"specificity": "\x00"}, "specificity", "invalid_choice"),
        (NEEDS, {"department": "konan"}, "department", "invalid_integer"),
        (NEEDS, {"department": "0"}, "department", "out_of_range"),
        (NEEDS, {"published_since": "2024-13-01"}, "published_since", "invalid_date"),
        (NEEDS, {"published_since": "yesterday"}, "published_since", "invalid_date"),
        (NEEDS, {"published_since": "2024-02-30"}, "published_since", "invalid_date"),
        (NEEDS, {"updated_since": "2024-1-1"}, "updated_since", "invalid_date"),
        (NEEDS, {"updated_since": "20240101"}, "updated_since", "invalid_date"),
        (
            NEEDS,
            {"updated_since": "２０２４-０１-０１"},
            "updated_since",
            "invalid_date",
        ),
        (SEEDS, {"maturity": "mature"}, "maturity", "invalid_choice"),
        (SEEDS, {"organization_type": "x"}, "organization_type", "invalid_choice"),
        (SEEDS, {"tag": "IoT\x00"}, "tag", "invalid_text"),
        (SEEDS, {"tag": "x" * 101}, "tag", "too_long"),
        (CASES, {"matching_type": "4"}, "matching_type", "invalid_choice"),
        (CASES, {"matching_type": "one"}, "matching_type", "invalid_choice"),
        (CASES, {"field": "xyz"}, "field", "invalid_choice"),
        (PARTICIPATION, {"page": "abc"}, "page", "invalid_integer"),
        ("/api/v1/needs.csv", {"field": "xyz"}, "field", "invalid_choice"),
        ("/api/v1/seeds.csv", {"published_since": "x"}, "published_since", None),
    ],
)
def test_malformed_parameters_are_400_naming_the_parameter(
    client, site, url, params, parameter, code
):
    with translation.override("en"):
        response, data = get_json(client, url, **params)
    assert response.status_code == 400
    assert data["error"]["parameter"] == parameter
    if code:
        assert data["error"]["code"] == code
    assert data["error"]["message"]
    assert data["license"] == LICENSE


def test_error_messages_follow_the_request_language(client, site):
    english = client.get(NEEDS, {"field": "xyz"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["error"]["message"].startswith("Unknown value “xyz”. Allowed: ")
    japanese = client.get(NEEDS, {"field": "xyz"}, HTTP_ACCEPT_LANGUAGE="ja")
    assert japanese["Content-Language"] == "ja"
    with translation.override("ja"):
        expected = gettext("Unknown value “%(value)s”. Allowed: %(allowed)s.")
    prefix = expected.split("%(value)s")[0]
    assert japanese.json()["error"]["message"].startswith(prefix)
    # Without Accept-Language: Japanese, the site's language.
    default = client.get(NEEDS, {"field": "xyz"})
    assert default["Content-Language"] == "ja"
    assert default.json() == japanese.json()


def test_the_language_cookie_of_the_site_switcher_counts(client, site):
    client.cookies["django_language"] = "en"
    response = client.get(NEEDS, {"page": "abc"})
    assert response["Content-Language"] == "en"
    assert response.json()["error"]["message"] == "“abc” is not a whole number."


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_only_get_and_head_are_allowed(client, site, method):
    response = getattr(client, method)(NEEDS)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_head_answers_like_get(client, site):
    response = client.head(NEEDS)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


# Licence, CORS, language -----------------------------------------------------------


@pytest.mark.parametrize(
    "url", [*LISTS, "/api/v1/", "/api/v1/needs/?page=abc", "/api/v1/needs/0/"]
)
def test_every_json_answer_carries_the_licence_and_cors(client, world, url):
    response = client.get(url)
    assert response.json()["license"] == LICENSE
    assert response["Access-Control-Allow-Origin"] == "*"
    assert 'rel="license"' in response["Link"]


@pytest.mark.parametrize("url", [*LISTS, *CSVS, "/api/", "/api/openapi.json"])
def test_every_answer_links_the_licence(client, world, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Link"].startswith(
        '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    )
    assert response["Access-Control-Allow-Origin"] == "*"


@override_settings(
    OPENDATA_LICENSE_NAME="CC0 1.0",
    OPENDATA_LICENSE_URL="https://creativecommons.org/publicdomain/zero/1.0/",
    OPENDATA_ATTRIBUTION="横浜市",
)
def test_the_licence_comes_from_the_settings_at_request_time(client, world):
    data = client.get(NEEDS).json()
    assert data["license"] == {
        "name": "CC0 1.0",
        "url": "https://creativecommons.org/publicdomain/zero/1.0/",
        "attribution": "横浜市",
    }
    csv_response = client.get("/api/v1/needs.csv")
    assert csv_response["Link"].startswith(
        '<https://creativecommons.org/publicdomain/zero/1.0/>; rel="license"'
    )
    document = client.get("/api/openapi.json").json()
    assert document["info"]["license"]["name"] == "CC0 1.0"


def test_labels_are_in_both_languages_whatever_the_request_language(client, world):
    english = client.get(NEEDS, HTTP_ACCEPT_LANGUAGE="en").json()
    japanese = client.get(NEEDS, HTTP_ACCEPT_LANGUAGE="ja").json()
    assert english["results"] == japanese["results"]


def test_the_dataset_index_lists_every_dataset(client, world):
    _, data = get_json(client, "/api/v1/")
    names = [dataset["name"] for dataset in data["datasets"]]
    assert names == ["needs", "seeds", "case-studies", "participation"]
    needs = data["datasets"][0]
    assert needs["url"] == "http://testserver/api/v1/needs/"
    assert needs["csv_url"] == "http://testserver/api/v1/needs.csv"
    assert data["openapi"] == "http://testserver/api/openapi.json"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_html_page_links_every_download(client, world, language):
    response = client.get("/api/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    for url in CSVS:
        assert f"http://testserver{url}" in html
    assert "/api/openapi.json" in html
    assert "https://creativecommons.org/licenses/by/4.0/" in html


@pytest.mark.parametrize("dataset", ["needs", "seeds", "case-studies"])
def test_a_list_takes_the_same_queries_whatever_its_length(
    client, world, coordinator, staff_x, dept_x, org_a, member_a, dataset
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories
    from tests.cms.pages import TIMELINE, make_case

    url = f"/api/v1/{dataset}/"
    client.get(url)  # warm Wagtail's per-request site caches alike
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(3):
        factories.make_need(dept_x, staff_x, publish_by=coordinator)
        factories.make_seed(org_a, member_a, publish_by=coordinator)
        make_case(organizations=[org_a], timeline=TIMELINE, need=world.need)
    with CaptureQueriesContext(connection) as after:
        data = client.get(url).json()
    assert data["count"] >= 5
    assert len(after) == len(before)
