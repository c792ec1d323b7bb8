"""Drafts and revisions in review never reach the public: not in lists (filtered or
not), feeds, the sitemap, organisation profiles or the home page; a published page
with changes in review shows only its published version. And the public filters
return the right items without crashing on nonsense."""

from io import BytesIO
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from hack.needs.choices import Field, Specificity, Stage
from hack.needs.services import change_need_stage, submit_need_for_review
from hack.seeds.choices import Maturity
from hack.seeds.models import SeedPage
from hack.seeds.services import save_seed_draft, submit_seed_for_review
from tests import factories

# Words that only unpublished content contains. None may appear anywhere public.
SECRETS = (
    "DRAFTNEED",
    "REVIEWNEED",
    "LIVENEED-NEW",
    "PENDING-PAIN",
    "DRAFTSEED",
    "DRAFTTAG",
    "REVIEWSEED",
    "LIVESEED-NEW",
    "PENDING-SUMMARY",
    "PENDING-TAG",
)
PUBLIC_NEEDS = ("PUBNEED", "LIVENEED-OLD")
PUBLIC_SEEDS = ("PUBSEED", "LIVESEED-OLD")


def public_path(page) -> str:
    return "/" + "/".join(page.url_path.strip("/").split("/")[1:]) + "/"


@pytest.fixture
def world(site, coordinator, dept_x, staff_x, org_a, member_a, org_b, member_b):
    need = factories.make_need(
        dept_x, staff_x, publish_by=coordinator, title="PUBNEED 窓口"
    )
    draft_need = factories.make_need(
        dept_x, staff_x, title="DRAFTNEED 窓口", pain_points="DRAFTNEED の困りごと"
    )
    review_need = factories.make_need(dept_x, staff_x, title="REVIEWNEED 窓口")
    submit_need_for_review(need=review_need, by=staff_x)
    # Published, then edited in Wagtail's editor and submitted again.
    pending_need = factories.make_need(
        dept_x, staff_x, publish_by=coordinator, title="LIVENEED-OLD 窓口"
    )
    edited = pending_need.get_latest_revision_as_object()
    edited.title = "LIVENEED-NEW 窓口"
    edited.pain_points = "PENDING-PAIN の困りごと"
    edited.save_revision(user=staff_x)
    submit_need_for_review(need=pending_need, by=staff_x)

    seed = factories.make_seed(
        org_a, member_a, publish_by=coordinator, title="PUBSEED 見守り"
    )
    draft_seed = factories.make_seed(
        org_a, member_a, title="DRAFTSEED 見守り", tags=["DRAFTTAG"]
    )
    # Organisation B has nothing published at all.
    factories.make_seed(org_b, member_b, title="DRAFTSEED of B")
    review_seed = factories.make_seed(org_a, member_a, title="REVIEWSEED 見守り")
    submit_seed_for_review(seed=review_seed, by=member_a)
    pending_seed = factories.make_seed(
        org_a, member_a, publish_by=coordinator, title="LIVESEED-OLD 見守り"
    )
    save_seed_draft(
        by=member_a,
        organization=org_a,
        seed=pending_seed,
        data=factories.seed_data(
            title="LIVESEED-NEW 見守り", summary="PENDING-SUMMARY", tags=["PENDING-TAG"]
        ),
    )
    submit_seed_for_review(seed=pending_seed, by=member_a)
    pending_seed.refresh_from_db()
    assert pending_seed.live and pending_seed.workflow_in_progress

    return SimpleNamespace(
        need=need,
        draft_need=draft_need,
        review_need=review_need,
        pending_need=pending_need,
        seed=seed,
        draft_seed=draft_seed,
        review_seed=review_seed,
        pending_seed=pending_seed,
        org_a=org_a,
        org_b=org_b,
    )


def assert_no_secrets(html: str) -> None:
    leaked = [secret for secret in SECRETS if secret in html]
    assert not leaked, f"unpublished content leaked: {leaked}"


PUBLIC_VIEWS = [
    # (path, what must be shown)
    ("/", PUBLIC_NEEDS + PUBLIC_SEEDS),
    ("/en/", PUBLIC_NEEDS + PUBLIC_SEEDS),
    ("/needs/", PUBLIC_NEEDS),
    ("/en/needs/", PUBLIC_NEEDS),
    ("/needs/?q=NEED", PUBLIC_NEEDS),
    ("/needs/?q=窓口", PUBLIC_NEEDS),
    ("/needs/?field=counter", PUBLIC_NEEDS),
    ("/needs/?stage=published", PUBLIC_NEEDS),
    ("/needs/?specificity=medium", PUBLIC_NEEDS),
    ("/needs/dept-x/", PUBLIC_NEEDS),
    ("/seeds/", PUBLIC_SEEDS),
    ("/en/seeds/", PUBLIC_SEEDS),
    ("/seeds/?q=SEED", PUBLIC_SEEDS),
    ("/seeds/?q=見守り", PUBLIC_SEEDS),
    ("/seeds/?q=株式会社エー", PUBLIC_SEEDS),
    ("/seeds/?maturity=validated", PUBLIC_SEEDS),
    ("/seeds/?org_type=company", PUBLIC_SEEDS),
    ("/feeds/needs/", PUBLIC_NEEDS),
    ("/feeds/seeds/", PUBLIC_SEEDS),
    ("/organizations/{org_a}/", PUBLIC_SEEDS),
    ("/organizations/{org_b}/", ()),
]


@pytest.mark.parametrize(("path", "shown"), PUBLIC_VIEWS)
def test_public_views_show_only_published_content(request, world, path, shown):
    path = path.format(org_a=world.org_a.pk, org_b=world.org_b.pk)
    # Owners and coordinators see the same public site as everyone else.
    for role in ("anonymous", "member_a", "staff_x", "coordinator"):
        client = Client()
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        response = client.get(path)
        assert response.status_code == 200, role
        html = response.content.decode()
        for title in shown:
            assert title in html, (role, title)
        assert_no_secrets(html)


@pytest.mark.parametrize(
    ("path", "listing"),
    [
        ("/needs/?q=DRAFTNEED", "needs"),
        ("/needs/?q=REVIEWNEED", "needs"),
        ("/needs/?q=LIVENEED-NEW", "needs"),
        ("/needs/?q=PENDING-PAIN", "needs"),
        ("/seeds/?q=DRAFTSEED", "seeds"),
        ("/seeds/?q=DRAFTTAG", "seeds"),
        ("/seeds/?q=REVIEWSEED", "seeds"),
        ("/seeds/?q=LIVESEED-NEW", "seeds"),
        ("/seeds/?q=PENDING-SUMMARY", "seeds"),
        ("/seeds/?q=PENDING-TAG", "seeds"),
        ("/seeds/?q=一般社団法人ビー", "seeds"),  # B's only seed is a draft
    ],
)
def test_searching_for_unpublished_words_finds_nothing(client, world, path, listing):
    response = client.get(path)
    assert response.status_code == 200
    assert list(response.context[listing]) == []


def test_the_sitemap_lists_only_live_pages(client, world):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    for page in (world.need, world.pending_need, world.seed, world.pending_seed):
        assert f"http://testserver{page.url}" in xml
    for page in (
        world.draft_need,
        world.review_need,
        world.draft_seed,
        world.review_seed,
    ):
        assert public_path(page) not in xml
        assert page.slug not in xml
    assert_no_secrets(xml)


@pytest.mark.parametrize(
    "name", ["draft_need", "review_need", "draft_seed", "review_seed"]
)
def test_unpublished_pages_have_no_public_url(client, world, name):
    page = getattr(world, name)
    assert client.get(public_path(page)).status_code == 404
    assert client.get("/en" + public_path(page)).status_code == 404


def test_a_need_with_changes_in_review_shows_its_published_version(client, world):
    html = client.get(world.pending_need.url).content.decode()
    assert "LIVENEED-OLD" in html
    assert_no_secrets(html)


def test_a_seed_with_changes_in_review_shows_its_published_version(client, world):
    html = client.get(world.pending_seed.url).content.decode()
    assert "LIVESEED-OLD" in html
    assert_no_secrets(html)
    # The tags shown are the published ones too.
    assert "IoT" in html


def test_the_pending_revision_is_kept_for_the_member_and_the_coordinator(
    client, world, member_a
):
    # The counterpart of the tests above: the text is not lost, only private.
    client.force_login(member_a)
    html = client.get(
        reverse("seeds:seed-preview", args=[world.pending_seed.pk])
    ).content
    assert "PENDING-SUMMARY" in html.decode()


# --- The public filters -------------------------------------------------------


@pytest.fixture
def needs(site, coordinator, dept_x, staff_x, dept_y, staff_y):
    welfare_low = factories.make_need(
        dept_x,
        staff_x,
        publish_by=coordinator,
        title="介護の記録",
        field=Field.WELFARE,
        specificity=Specificity.LOW,
    )
    change_need_stage(need=welfare_low, to=Stage.OPEN_FOR_IDEAS, by=staff_x)
    disaster_high = factories.make_need(
        dept_y,
        staff_y,
        publish_by=coordinator,
        title="避難所の混雑",
        field=Field.DISASTER,
        specificity=Specificity.HIGH,
    )
    welfare_high = factories.make_need(
        dept_x,
        staff_x,
        publish_by=coordinator,
        title="見守りの担い手",
        field=Field.WELFARE,
        specificity=Specificity.HIGH,
        desired_outcome="民生委員の負担を減らしたい",
    )
    # A draft that matches every filter below must never show up.
    factories.make_need(
        dept_x,
        staff_x,
        title="介護 下書き",
        field=Field.WELFARE,
        specificity=Specificity.HIGH,
        desired_outcome="民生委員",
    )
    return {n.title: n for n in (welfare_low, disaster_high, welfare_high)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"介護の記録", "避難所の混雑", "見守りの担い手"}),
        ("field=welfare", {"介護の記録", "見守りの担い手"}),
        ("field=disaster", {"避難所の混雑"}),
        ("specificity=high", {"避難所の混雑", "見守りの担い手"}),
        ("stage=open_for_ideas", {"介護の記録"}),
        ("stage=published", {"避難所の混雑", "見守りの担い手"}),
        ("field=welfare&specificity=high", {"見守りの担い手"}),
        ("field=disaster&stage=open_for_ideas", set()),
        ("q=民生委員", {"見守りの担い手"}),  # matches the desired outcome
        ("q=避難所", {"避難所の混雑"}),  # matches the title
        ("q=介護&field=welfare", {"介護の記録"}),
        ("field=education", set()),
    ],
)
def test_need_filters(client, needs, query, expected):
    response = client.get(f"/needs/?{query}")
    assert response.status_code == 200
    assert {need.title for need in response.context["needs"]} == expected


@pytest.fixture
def seeds(site, coordinator, org_a, member_a, org_b, member_b):
    research = factories.make_seed(
        org_a,
        member_a,
        publish_by=coordinator,
        title="帳票の読み取り",
        tags=["AI-OCR"],
        maturity=Maturity.RESEARCH,
    )
    npo = factories.make_seed(
        org_b,
        member_b,
        publish_by=coordinator,
        title="地域の居場所づくり",
        tags=["コミュニティ"],
        description="空き家を使った交流拠点",
        maturity=Maturity.VALIDATED,
    )
    deployed = factories.make_seed(
        org_a,
        member_a,
        publish_by=coordinator,
        title="混雑の見える化",
        tags=["IoT"],
        maturity=Maturity.DEPLOYED_ELSEWHERE,
        deployments=2,
        municipalities="川崎市\n相模原市",
    )
    factories.make_seed(org_b, member_b, title="下書きの拠点", description="空き家")
    return {s.title: s for s in (research, npo, deployed)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"帳票の読み取り", "地域の居場所づくり", "混雑の見える化"}),
        ("maturity=research", {"帳票の読み取り"}),
        ("maturity=deployed_elsewhere", {"混雑の見える化"}),
        ("maturity=prototype", set()),
        ("org_type=npo", {"地域の居場所づくり"}),
        ("org_type=company", {"帳票の読み取り", "混雑の見える化"}),
        ("org_type=university", set()),
        ("maturity=validated&org_type=company", set()),
        ("q=ai-ocr", {"帳票の読み取り"}),  # a tag, case-insensitively
        ("q=空き家", {"地域の居場所づくり"}),  # the description
        ("q=一般社団法人ビー", {"地域の居場所づくり"}),  # the organisation's name
        ("q=見える化", {"混雑の見える化"}),  # the title
        ("q=IoT&org_type=company", {"混雑の見える化"}),
    ],
)
def test_seed_filters(client, seeds, query, expected):
    response = client.get(f"/seeds/?{query}")
    assert response.status_code == 200
    found = [seed.title for seed in response.context["seeds"]]
    assert len(found) == len(set(found)), "a seed is listed twice"
    assert set(found) == expected


INVALID_QUERIES = [
    "field=bogus",
    "stage=%3Cscript%3E",
    "specificity=%00",
    "field=welfare&field=disaster",
    "q=" + "x" * 101,
    "q=%00",
    "q=%25",
    "q=_",
    "q=%27%22%3B--",
    "page=abc",
    "page=0",
    "page=-1",
    "page=99999",
    "maturity=bogus",
    "org_type=bogus",
    "org_type=",
]


@pytest.mark.parametrize("listing", ["needs", "seeds"])
def test_nonsense_filter_values_do_not_break_the_lists(client, world, listing):
    for query in INVALID_QUERIES:
        response = client.get(f"/{listing}/?{query}")
        assert response.status_code == 200, query
        assert_no_secrets(response.content.decode())


def test_the_seed_list_counts_a_seed_once_even_when_several_tags_match(
    client, site, coordinator, org_a, member_a
):
    factories.make_seed(
        org_a,
        member_a,
        publish_by=coordinator,
        title="タグ多数",
        tags=["IoT-1", "IoT-2"],
    )
    response = client.get("/seeds/?q=IoT")
    assert [s.title for s in response.context["seeds"]] == ["タグ多数"]
    assert response.context["seeds"].paginator.count == 1


# --- The Wagtail admin: department staff see only what concerns them ------------


@pytest.fixture
def staff_y_client(staff_y):
    other = Client()
    other.force_login(staff_y)
    return other


@pytest.mark.parametrize(
    ("user", "expected"), [("staff_y", "/admin/"), ("member_b", None)]
)
def test_other_people_cannot_view_a_need_draft_in_the_admin(
    client, request, world, user, expected
):
    client.force_login(request.getfixturevalue(user))
    path = f"/admin/pages/{world.draft_need.pk}/view_draft/"
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == (expected or f"/admin/login/?next={path}")


def test_the_page_types_report_does_not_reveal_other_peoples_drafts(
    staff_y_client, site, dept_x, staff_x, org_a, member_a
):
    factories.make_need(dept_x, staff_x, title="DRAFTNEED 部署Xの下書き")
    factories.make_seed(org_a, member_a, title="DRAFTSEED 団体Aの下書き")
    response = staff_y_client.get("/admin/reports/page-types-usage/")
    assert response.status_code in (200, 302)
    assert_no_secrets(response.content.decode())


def tiny_png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def draft_seed_with_files(client, site, member_a):
    client.force_login(member_a)
    data = factories.seed_data(title="DRAFTSEED 添付つき", image_alt="センサーの写真")
    data["tags"] = ""
    data["image"] = SimpleUploadedFile(
        "sensor.png", tiny_png(), content_type="image/png"
    )
    data["brochure"] = SimpleUploadedFile(
        "plan.pdf", PDF, content_type="application/pdf"
    )
    response = client.post("/my/seeds/new/", {**data, "save": "1"})
    assert response.status_code == 302
    client.logout()
    seed = SeedPage.objects.get()
    assert not seed.live and seed.image and seed.brochure
    return seed


@pytest.mark.parametrize(
    "chooser", ["/admin/images/chooser/", "/admin/documents/chooser/"]
)
def test_admin_choosers_do_not_reveal_draft_seed_uploads(
    staff_y_client, draft_seed_with_files, chooser
):
    response = staff_y_client.get(chooser)
    assert response.status_code == 200
    assert_no_secrets(response.content.decode())


def test_a_draft_seeds_brochure_is_not_public(client, draft_seed_with_files):
    response = client.get(draft_seed_with_files.brochure.url)
    assert response.status_code != 200
