"""Similar published needs and seeds while writing: the selector, the endpoint, the
seed form, the Wagtail need editor and, in a browser, the seed form as people use it.

Pages are embedded for real with the bundled model: the thresholds are about
its scores, so a fake encoder would test nothing.
"""

import re
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from hack.matching.encoders import get_encoder
from hack.matching.indexing import embed_pages
from hack.matching.models import ContentKind
from hack.matching.similar import (
    CALIBRATED,
    QUERY_CHARS,
    Closeness,
    estimate_thresholds,
    list_similar_published,
    register_wagtail_hooks,
)
from hack.needs.selectors import get_department_folder
from tests.browser import conftest as browser_setup
from tests.factories import make_need, make_seed, make_user
from tests.matching.factories import CARE_NEED, CARE_SEED, TOURISM_SEED

# The Playwright fixtures of tests/browser/, for the browser test at the end.
CHROMIUM = browser_setup.CHROMIUM
_allow_async_unsafe = browser_setup._allow_async_unsafe
browser = browser_setup.browser
browser_problems = browser_setup.browser_problems
new_context = browser_setup.new_context

URL = "/matching/similar/"

ROAD_NEED = {
    "title": "道路パトロールで路面の損傷を自動で見つけたい",
    "summary": "職員が車で巡回して目視で確認していますが、見落としがあります。",
    "current_situation": "市内の道路を年に数回しか巡回できません。",
    "pain_points": "ひび割れや穴の発見が遅れ、事故の原因になります。",
    "desired_outcome": "走るだけで損傷を記録し、補修の優先順位をつけたい。",
    "constraints": "",
}
# A department writing about the same problem in its own words.
CARE_NEED_DRAFT_TEXT = (
    "団地に住む一人暮らしの高齢者が孤立していて、体調の異変に気づくのが遅れます。"
    "地域の見守りを補う仕組みがほしい。"
)

OCR_SEED = {
    "title": "手書きの申請書を読み取ってデータにするAI-OCR",
    "summary": "紙で届く申請書の手入力をなくし、職員の入力作業を減らします。",
    "description": "閉域の行政ネットワークから使えます。",
    "tags": ["AI-OCR", "業務効率化"],
}
CARE_SEED_DRAFT_TEXT = (
    "分電盤に付けたセンサーで独居高齢者の生活リズムを見守り、"
    "いつもと違うときに家族へ知らせるサービスです。"
)


def embed(*pages):
    embed_pages(pages, encoder=get_encoder())


@pytest.fixture
def needs(dept_x, dept_y, staff_x, staff_y, coordinator):
    care = make_need(dept_x, staff_x, publish_by=coordinator, **CARE_NEED)
    road = make_need(dept_y, staff_y, publish_by=coordinator, **ROAD_NEED)
    counter = make_need(dept_y, staff_y, publish_by=coordinator)  # window queues
    # A draft with the very text being typed: in the corpus as if it had just
    # been unpublished, and still never shown.
    draft = make_need(dept_y, staff_y, title="団地の高齢者の孤立", summary="下書き")
    draft.summary = CARE_NEED_DRAFT_TEXT
    draft.save()
    embed(care, road, counter, draft)
    return {"care": care, "road": road, "counter": counter, "draft": draft}


@pytest.fixture
def seeds(org_a, member_a, org_b, member_b, coordinator):
    care = make_seed(org_a, member_a, publish_by=coordinator, **CARE_SEED)
    tourism = make_seed(org_b, member_b, publish_by=coordinator, **TOURISM_SEED)
    ocr = make_seed(org_b, member_b, publish_by=coordinator, **OCR_SEED)
    draft = make_seed(org_b, member_b, title="見守りセンサー（下書き）")
    draft.summary = CARE_SEED_DRAFT_TEXT
    draft.save()
    embed(care, tourism, ocr, draft)
    return {"care": care, "tourism": tourism, "ocr": ocr, "draft": draft}


# The selector ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reworded_need_finds_the_published_one_first_and_never_a_draft(needs):
    results = list_similar_published(kind=ContentKind.NEED, text=CARE_NEED_DRAFT_TEXT)

    assert [item.page.pk for item in results][:1] == [needs["care"].pk]
    assert needs["draft"].pk not in {item.page.pk for item in results}
    assert all(item.page.live for item in results)
    top = results[0]
    floor = CALIBRATED[(get_encoder().name, ContentKind.NEED)].floor
    assert floor <= top.similarity <= 1.0
    assert top.owner == needs["care"].department
    # Best first; nothing below the floor.
    similarities = [item.similarity for item in results]
    assert similarities == sorted(similarities, reverse=True)
    assert min(similarities) >= floor


@pytest.mark.django_db
def test_a_reworded_seed_finds_the_published_one_first_and_never_a_draft(seeds):
    results = list_similar_published(kind=ContentKind.SEED, text=CARE_SEED_DRAFT_TEXT)

    assert [item.page.pk for item in results][:1] == [seeds["care"].pk]
    assert seeds["draft"].pk not in {item.page.pk for item in results}
    assert results[0].owner == seeds["care"].organization
    # Seeds are compared with seeds only.
    assert all(item.page.specific_class.__name__ == "SeedPage" for item in results)


@pytest.mark.django_db
def test_the_published_text_itself_is_very_similar(needs, seeds):
    need = list_similar_published(
        kind=ContentKind.NEED, text=f"{CARE_NEED['title']}\n{CARE_NEED['summary']}"
    )[0]
    seed = list_similar_published(
        kind=ContentKind.SEED, text=f"{CARE_SEED['title']}\n{CARE_SEED['summary']}"
    )[0]

    assert (need.page.pk, need.closeness) == (needs["care"].pk, Closeness.VERY_SIMILAR)
    assert (seed.page.pk, seed.closeness) == (seeds["care"].pk, Closeness.VERY_SIMILAR)
    with translation.override("en"):
        assert str(need.closeness_label) == "Very similar"


@pytest.mark.django_db
def test_the_item_being_edited_is_left_out(needs):
    results = list_similar_published(
        kind=ContentKind.NEED,
        text=f"{CARE_NEED['title']}\n{CARE_NEED['summary']}",
        exclude_page_id=needs["care"].pk,
    )

    assert needs["care"].pk not in {item.page.pk for item in results}


@pytest.mark.django_db
def test_unrelated_text_shows_nothing(seeds):
    results = list_similar_published(
        kind=ContentKind.SEED, text="ラーメンの美味しいお店を教えてください。"
    )

    assert results == []


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["", "   ", "見守りIoT", "a b c d e f g"])
def test_short_text_is_not_compared(needs, seeds, text):
    for kind in ContentKind.values:
        assert list_similar_published(kind=kind, text=text) == []


@pytest.mark.django_db
def test_very_long_text_is_cut_not_refused(seeds):
    text = (CARE_SEED_DRAFT_TEXT * 1000)[:25_000]

    results = list_similar_published(kind=ContentKind.SEED, text=text)

    assert results[0].page.pk == seeds["care"].pk


@pytest.mark.django_db
def test_an_empty_corpus_and_a_bad_kind():
    assert (
        list_similar_published(kind=ContentKind.SEED, text=CARE_SEED_DRAFT_TEXT) == []
    )
    with pytest.raises(ValueError, match="unknown kind"):
        list_similar_published(kind="case", text=CARE_SEED_DRAFT_TEXT)


def test_thresholds_of_an_uncalibrated_model_come_from_its_own_corpus():
    vectors = np.random.default_rng(7).normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    estimated = estimate_thresholds(vectors)

    # About one pair of stored items in ten is above the floor.
    pairwise = (vectors @ vectors.T)[~np.eye(300, dtype=bool)]
    assert 0.05 < (pairwise >= estimated.floor).mean() < 0.15
    # Without a calibration, nothing is called "very similar".
    assert estimated.very_lead == np.inf
    # Too few items to tell the model's scale: the best few are shown.
    assert estimate_thresholds(vectors[:5]).floor == -1.0


@pytest.mark.django_db
def test_a_vague_phrase_that_resembles_everything_a_little_shows_nothing(needs):
    # All needs score alike with it: none leads the others.
    assert (
        list_similar_published(kind=ContentKind.NEED, text="地域の課題を解決したい")
        == []
    )


# The endpoint ---------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, site):
    response = client.get(URL, {"kind": "seed", "text": CARE_SEED_DRAFT_TEXT})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_the_url_name():
    assert reverse("matching:similar") == URL


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "kind", "status"),
    [
        ("member_a", "need", 403),
        ("staff_x", "seed", 403),
        ("staff_x", "need", 200),
        ("member_a", "seed", 200),
        ("coordinator", "need", 200),
        ("coordinator", "seed", 200),
    ],
)
def test_who_may_look_up_what(client, request, who, kind, status):
    client.force_login(request.getfixturevalue(who))

    response = client.get(
        URL, {"kind": kind, "text": "見守りが追いつかない団地の高齢者"}
    )

    assert response.status_code == status


@pytest.mark.django_db
def test_someone_without_an_organisation_or_department_may_not(client, site):
    client.force_login(make_user())

    for kind in ("need", "seed"):
        assert client.get(URL, {"kind": kind, "text": "x" * 20}).status_code == 403


@pytest.mark.django_db
def test_staff_see_the_similar_need_with_its_department_and_a_plain_hint(
    client, needs, staff_y
):
    client.force_login(staff_y)

    response = client.get(URL, {"kind": "need", "text": CARE_NEED_DRAFT_TEXT})

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    first = re.search(r'<li class="similar-item" data-similar-page="(\d+)">', html)
    assert int(first.group(1)) == needs["care"].pk
    assert CARE_NEED["title"] in html
    assert f'href="{needs["care"].url}"' in html
    assert str(needs["care"].department) in html
    # A word for how close, not a number.
    hint = re.search(r'<span class="similar-hint [^"]*">([^<]+)</span>', html)
    assert hint.group(1).strip() and not re.search(r"\d", hint.group(1))
    assert "団地の高齢者の孤立" not in html  # the draft


@pytest.mark.django_db
def test_members_see_the_similar_seed_posting_a_long_text(client, seeds, member_b):
    client.force_login(member_b)
    text = (CARE_SEED_DRAFT_TEXT * 1000)[:25_000]

    response = client.post(URL, {"kind": "seed", "text": text})

    html = response.content.decode()
    assert response.status_code == 200
    assert CARE_SEED["title"] in html
    assert str(seeds["care"].organization) in html
    # "Only the first … characters were compared."
    assert re.search(rf"(?<!\d){QUERY_CHARS}(?!\d)", html)


@pytest.mark.django_db
def test_an_empty_text_gives_an_empty_fragment(client, seeds, member_a):
    client.force_login(member_a)

    for text in ("", "短い"):
        response = client.get(URL, {"kind": "seed", "text": text})
        assert response.status_code == 200
        assert response.content.decode().strip() == ""


@pytest.mark.django_db
def test_text_with_no_similar_item_says_so(client, seeds, member_a):
    client.force_login(member_a)

    response = client.get(
        URL, {"kind": "seed", "text": "ラーメンの美味しいお店を教えてください。"}
    )

    assert response.status_code == 200
    assert "similar-status" in response.content.decode()
    assert "similar-item" not in response.content.decode()


@pytest.mark.django_db
def test_the_json_variant(client, seeds, member_a):
    client.force_login(member_a)

    response = client.get(
        URL,
        {
            "kind": "seed",
            "text": CARE_SEED_DRAFT_TEXT,
            "format": "json",
            "exclude": "not-a-number",
            "k": "2",
        },
    )

    data = response.json()
    assert data["kind"] == "seed" and data["compared"] and not data["truncated"]
    assert 1 <= len(data["results"]) <= 2
    first = data["results"][0]
    assert first["id"] == seeds["care"].pk
    assert first["url"] == seeds["care"].url
    assert first["owner"] == str(seeds["care"].organization)
    assert 0 < first["similarity"] <= 1
    assert first["closeness"] in (Closeness.SIMILAR, Closeness.VERY_SIMILAR)


@pytest.mark.django_db
def test_bad_requests_are_refused_without_an_error(client, member_a):
    client.force_login(member_a)

    assert client.get(URL, {"kind": "case", "text": "x" * 20}).status_code == 400
    assert client.get(URL).status_code == 400
    assert client.put(URL).status_code == 405


# Where it shows -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_seed_form_has_the_region_and_the_script(client, member_a, org_a):
    client.force_login(member_a)

    html = client.get(reverse("seeds:seed-create")).content.decode()

    assert 'data-similar-url="/matching/similar/"' in html
    assert 'data-similar-kind="seed"' in html
    assert 'aria-live="polite"' in html
    assert "js/similar.js" in html
    # Hidden until the script runs: without JavaScript the form is as before.
    assert re.search(r"<section [^>]*data-similar [^>]*hidden>", html)


@pytest.mark.django_db
def test_editing_a_seed_leaves_it_out_of_its_own_results(
    client, member_a, org_a, coordinator
):
    seed = make_seed(org_a, member_a, publish_by=coordinator, **CARE_SEED)
    client.force_login(member_a)

    html = client.get(reverse("seeds:seed-edit", args=[seed.pk])).content.decode()

    assert f'data-similar-exclude="{seed.pk}"' in html


@pytest.mark.django_db
def test_the_need_editor_gets_the_panel(client, staff_x, dept_x):
    register_wagtail_hooks()
    register_wagtail_hooks()  # twice is harmless
    client.force_login(staff_x)
    folder = get_department_folder(dept_x)

    html = client.get(f"/admin/pages/add/needs/needpage/{folder.pk}/").content.decode()

    assert html.count('id="similar-need-template"') == 1
    assert 'data-similar-kind="need"' in html
    assert html.count("js/similar.js") == 1


# In a browser ---------------------------------------------------------------------


def log_in(context, live_server, user):
    """Share a session made by Django's test client with the browser."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_typing_a_seed_shows_the_similar_published_seed(
    new_context, live_server, browser_problems, org_a, member_a, member_b, coordinator
):
    published = make_seed(org_a, member_a, publish_by=coordinator, **CARE_SEED)
    embed(published)
    context = new_context()
    log_in(context, live_server, member_b)
    page = context.new_page()
    page.goto(reverse("seeds:seed-create"))

    region = page.locator("[data-similar]")
    results = region.locator('[aria-live="polite"]')
    title = page.locator('input[name="title"]')
    expect(region).to_be_visible()
    expect(region.locator("h2")).to_have_text(re.compile(r"\S"))

    title.click()
    page.keyboard.type("分電盤のセンサーで独居高齢者を見守る")
    summary = page.locator('textarea[name="summary"]')
    summary.fill(CARE_SEED_DRAFT_TEXT)
    # Where the field being typed in is on the screen before the answer comes.
    summary_top = summary.bounding_box()["y"]

    link = results.locator(f'a[href="{published.url}"]')
    expect(link).to_be_visible()
    expect(link).to_contain_text(CARE_SEED["title"])
    expect(results.locator(".similar-item")).to_contain_text(str(org_a))
    expect(results.locator(".similar-hint")).to_have_text(re.compile(r"\S"))
    # The list arrived without moving the field on a 360 px screen.
    assert summary.bounding_box()["y"] == pytest.approx(summary_top, abs=1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # By keyboard: the list comes just before the form's first field.
    title.focus()
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == published.url
    assert browser_problems == []


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_need_editor_shows_similar_needs_and_other_editors_do_not(
    new_context,
    live_server,
    browser_problems,
    dept_x,
    staff_x,
    dept_y,
    staff_y,
    org_a,
    member_a,
    coordinator,
):
    register_wagtail_hooks()
    published = make_need(dept_y, staff_y, publish_by=coordinator, **CARE_NEED)
    seed = make_seed(org_a, member_a, publish_by=coordinator, **CARE_SEED)
    embed(published, seed)
    desktop = {"viewport": {"width": 1280, "height": 900}}

    context = new_context(**desktop)
    log_in(context, live_server, staff_x)
    page = context.new_page()
    folder = get_department_folder(dept_x)
    page.goto(f"/admin/pages/add/needs/needpage/{folder.pk}/")
    page.locator("#id_title").fill("団地の一人暮らしの高齢者の孤立を防ぎたい")
    page.locator("#id_summary").fill(CARE_NEED_DRAFT_TEXT)

    region = page.locator("[data-similar]")
    expect(region).to_have_count(1)
    link = region.locator(f'[aria-live="polite"] a[href="{published.url}"]')
    expect(link).to_contain_text(CARE_NEED["title"])
    expect(region).to_contain_text(str(dept_y))

    # A seed in the admin has a title and a summary too, but no panel.
    other = new_context(**desktop)
    log_in(other, live_server, coordinator)
    seed_editor = other.new_page()
    seed_editor.goto(f"/admin/pages/{seed.pk}/edit/")
    expect(seed_editor.locator("#id_summary")).to_be_visible()
    expect(seed_editor.locator("[data-similar]")).to_have_count(0)
    assert browser_problems == []


def test_the_script_needs_no_library():
    script = (
        Path(settings.BASE_DIR) / "frontend" / "static" / "js" / "similar.js"
    ).read_text()

    assert "import " not in script and "require(" not in script
    assert "aria-busy" in script
