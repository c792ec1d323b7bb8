"""/search/ and /search/suggest/: what people see, and bad input never a 500."""

import pytest
from django.utils import translation

from hack.search import engine
from tests import factories
from tests.cms.pages import make_column

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _refresh_at_once(monkeypatch):
    monkeypatch.setattr(engine, "REFRESH_SECONDS", 0.0)


@pytest.fixture
def content(site, coordinator, indexing):
    department = factories.make_department()
    staff = factories.make_staff(department)
    organization = factories.make_organization()
    member = factories.make_member(organization)
    need = indexing(
        factories.make_need,
        department,
        staff,
        publish_by=coordinator,
        title="高齢者の見守り活動を記録したい",
        field="welfare",
    )
    seed = indexing(
        factories.make_seed,
        organization,
        member,
        publish_by=coordinator,
        title="見守りセンサー",
        summary="独居の方の暮らしを見守ります。",
    )
    column = indexing(make_column, title="窓口改革の現場から")
    draft = indexing(
        factories.make_need, department, staff, title="まだ下書きの見守りニーズ"
    )
    return {"need": need, "seed": seed, "column": column, "draft": draft}


def test_results_with_highlighted_snippets_and_kind_counts(client, content):
    response = client.get("/search/", {"q": "みまもり"})
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["results"].total == 2
    assert content["need"].url in html and content["seed"].url in html
    assert "<mark>見守</mark>" in html or "<mark>見守り</mark>" in html
    assert "まだ下書き" not in html
    kinds = {v.value: v.count for v in response.context["kind_facet"].values}
    assert kinds == {"need": 1, "seed": 1}
    assert response["X-Robots-Tag"] == "noindex"


def test_filters_by_kind_and_facet(client, content):
    response = client.get("/search/", {"q": "見守り", "kind": "seed"})
    assert [h.page_id for h, _ in response.context["hits"]] == [content["seed"].pk]
    response = client.get("/search/", {"field": "welfare"})
    assert [h.page_id for h, _ in response.context["hits"]] == [content["need"].pk]
    field = next(f for f in response.context["facets"] if f.name == "field")
    assert [(v.value, v.count, v.selected) for v in field.values] == [
        ("welfare", 1, True)
    ]


def test_empty_query_lists_all_published_content_newest_first(client, content):
    response = client.get("/search/")
    assert response.status_code == 200
    assert response.context["results"].total == 3


def test_the_english_page_has_english_labels(client, content):
    with translation.override("en"):
        response = client.get("/en/search/", {"q": "見守り"})
    html = response.content.decode()
    assert "2 results for “見守り”" in html
    assert "Narrow down" in html


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "見" * 10_000},
        {"q": "のをに"},
        {"q": "\x00<script>alert(1)</script>"},
        {"field": "no-such-field"},
        {"kind": ["need", "nope"], "stage": "🙂"},
        {"page": "999"},
        {"page": "0"},
        {"page": "-3"},
        {"page": "abc"},
        {"page": "²"},
        {"page": "9" * 5000},
        {"page": "000001" + "9" * 5000},
        {"field": "x" * 10_000},
        {"sort": "drop table"},
        {"open_call": "maybe"},
    ],
)
def test_bad_input_gets_a_page_and_a_reason_never_a_500(client, content, params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    if (
        set(params) - {"q"}
        or len(params.get("q", "")) > 200
        or params.get("q") == "のをに"
    ):
        assert response.context["notices"]


def test_a_page_past_the_end_says_how_many_pages_there_are(client, content):
    with translation.override("en"):
        response = client.get("/en/search/", {"page": "40"})
    assert "There is no page 40: the results fill 1 pages." in response.content.decode()
    assert response.context["hits"] == []


def test_a_long_query_is_shortened_with_a_notice(client, content):
    with translation.override("en"):
        response = client.get("/en/search/", {"q": "見守り" * 4000})
    assert response.context["query"].text == ("見守り" * 4000)[:200]
    assert "shortened to its first 200 characters" in response.content.decode()


def test_script_in_the_query_is_escaped(client, content):
    html = client.get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_suggestions_as_you_type(client, content):
    data = client.get("/search/suggest/", {"q": "見守"}).json()
    assert {s["title"] for s in data["suggestions"]} == {
        "高齢者の見守り活動を記録したい",
        "見守りセンサー",
    }
    first = data["suggestions"][0]
    assert first["title"] == "見守りセンサー"  # starts with what was typed
    assert first["url"] == content["seed"].url
    assert first["kind_label"] == "シーズ"
    assert client.get("/search/suggest/", {"q": "みまもり"}).json()["suggestions"]
    assert client.get("/search/suggest/", {"q": ""}).json()["suggestions"] == []
    long = client.get("/search/suggest/", {"q": "あ" * 10_000})
    assert long.status_code == 200
    assert client.get("/search/suggest/", {"q": "下書き"}).json()["suggestions"] == []


def test_every_page_has_the_search_box(client, content):
    for url in ("/", content["need"].url, "/participation/"):
        html = client.get(url).content.decode()
        assert 'role="search"' in html and 'action="/search/"' in html
        assert 'data-suggest-url="/search/suggest/"' in html


def test_search_is_only_get(client, content):
    assert client.post("/search/", {"q": "x"}).status_code == 405
