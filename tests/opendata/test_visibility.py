"""Nothing unpublished or confidential ever reaches the open data: drafts,
revisions in review, pages taken offline, private (view-restricted) pages,
seed contacts and accounts; not in JSON, CSV, one item, or with any filter."""

import pytest
from django.test import Client

from .conftest import assert_no_secrets
from .helpers import read_csv

pytestmark = pytest.mark.django_db

DATASETS = ("needs", "seeds", "case-studies", "participation")
FILTERED = (
    "/api/v1/needs/?field=counter",
    "/api/v1/needs/?published_since=2000-01-01",
    "/api/v1/needs/?updated_since=2000-01-01",
    "/api/v1/needs/?stage=published",
    "/api/v1/seeds/?tag=DRAFTTAG",
    "/api/v1/seeds/?tag=IoT",
    "/api/v1/seeds/?maturity=validated",
    "/api/v1/case-studies/?field=counter",
    "/api/v1/seeds.csv?tag=DRAFTTAG",
)


def every_public_answer(client) -> str:
    texts = []
    for name in DATASETS:
        texts.append(client.get(f"/api/v1/{name}/?per_page=100").content.decode())
        texts.append(client.get(f"/api/v1/{name}.csv").content.decode("utf-8-sig"))
    for url in FILTERED:
        texts.append(client.get(url).content.decode("utf-8-sig"))
    texts.append(client.get("/api/v1/").content.decode())
    texts.append(client.get("/api/").content.decode())
    return "\n".join(texts)


@pytest.mark.parametrize("role", ["anonymous", "member_a", "staff_x", "coordinator"])
def test_no_list_or_download_shows_unpublished_or_confidential_data(
    request, world, role
):
    client = Client()
    if role != "anonymous":
        # The API serves the public data whoever asks.
        client.force_login(request.getfixturevalue(role))
    for language in ("ja", "en"):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        text = every_public_answer(client)
        assert_no_secrets(text)
        # The published version of a page with changes in review is shown.
        assert "LIVENEED-OLD" in text and "LIVESEED-OLD" in text
        assert "PUBCASE" in text


@pytest.mark.parametrize(
    ("dataset", "attribute"),
    [
        ("needs", "draft_need"),
        ("needs", "offline_need"),
        ("needs", "private_need"),
        ("seeds", "draft_seed"),
        ("seeds", "private_seed"),
        ("case-studies", "draft_case"),
        ("case-studies", "private_case"),
        # Ids of other page types are not items of this dataset.
        ("needs", "seed"),
        ("seeds", "case"),
        ("case-studies", "need"),
    ],
)
def test_unpublished_and_private_items_are_404(client, world, dataset, attribute):
    page = getattr(world, attribute)
    response = client.get(f"/api/v1/{dataset}/{page.pk}/")
    assert response.status_code == 404
    assert_no_secrets(response.content.decode())


def test_a_published_item_with_changes_in_review_shows_its_published_version(
    client, world
):
    need = client.get(f"/api/v1/needs/{world.pending_need.pk}/").json()["result"]
    assert need["title"] == "LIVENEED-OLD 窓口"
    seed = client.get(f"/api/v1/seeds/{world.pending_seed.pk}/").json()["result"]
    assert seed["title"] == "LIVESEED-OLD 見守り"
    assert "DRAFTTAG" not in seed["tags"]


def test_seed_rows_have_no_contact_fields(client, world):
    rows = client.get("/api/v1/seeds/").json()["results"]
    header = read_csv(client.get("/api/v1/seeds.csv"))[0].keys()
    for keys in [*(row.keys() for row in rows), header]:
        assert not {k for k in keys if "contact" in k or "email" in k or "phone" in k}
    assert world.seed.contact_email == "contact@example.jp"  # it exists, unshown


def test_no_row_names_an_account(client, world):
    forbidden = {"owner", "user", "author", "email", "created_by", "members"}
    for name in ("needs", "seeds", "case-studies"):
        for row in client.get(f"/api/v1/{name}/").json()["results"]:
            assert not forbidden & set(row)


def test_a_page_made_private_disappears_at_once(client, world):
    from .conftest import restrict

    assert client.get(f"/api/v1/needs/{world.need.pk}/").status_code == 200
    restrict(world.need)
    assert client.get(f"/api/v1/needs/{world.need.pk}/").status_code == 404
    titles = [r["title"] for r in client.get("/api/v1/needs/").json()["results"]]
    assert "PUBNEED 窓口" not in titles
    # The case study no longer names it either.
    case = client.get(f"/api/v1/case-studies/{world.case.pk}/").json()["result"]
    assert case["need"] is None
