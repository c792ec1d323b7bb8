"""Seed rules through the form, the service and the front-end view.

A member who types something wrong gets the message next to the field and keeps
everything they typed; no input produces a 500 or a half-saved seed.
"""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.html import escape
from PIL import Image as PILImage
from wagtail.images import get_image_model

from hack.seeds import services
from hack.seeds.choices import Maturity
from hack.seeds.forms import MAX_TAGS, SeedForm
from hack.seeds.models import SeedPage
from tests import factories

NEW_SEED_URL = "/my/seeds/new/"
TEN_MB = 10 * 1024 * 1024


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 6), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def form_data(**overrides) -> dict:
    """What the browser posts for a valid seed."""
    data = {
        "title": "独居シニアの見守りIoT",
        "summary": "電力センサーで一人暮らしの高齢者の異変を見つけます。",
        "description": "工事不要のセンサーで生活リズムを見守ります。",
        "tags": "IoT, 見守り",
        "maturity": Maturity.VALIDATED,
        "deployments": "0",
        "municipalities": "",
        "contact_name": "山田 花子",
        "contact_email": "contact@example.jp",
        "contact_phone": "045-000-0000",
        "image_alt": "",
        "save": "",
    }
    data.update(overrides)
    return data


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def field_errors_html(html: str, field: str) -> str:
    """The error list Django renders right before the field's input."""
    match = re.search(
        rf'<ul class="errorlist"[^>]* id="id_{field}_error">(.*?)</ul>',
        html,
        flags=re.S,
    )
    assert match, f"no error shown next to {field}"
    # …and the control points at it for screen readers.
    assert re.search(
        rf'name="{field}"[^>]*aria-describedby="[^"]*id_{field}_error', html
    ), f"{field} does not reference its error"
    return match.group(1)


def assert_values_kept(html: str, data: dict) -> None:
    for name, value in data.items():
        if name in {"save", "submit", "maturity", "image", "brochure"} or not value:
            continue
        assert escape(str(value)) in html, f"{name} lost: {value!r}"


# --- the form -----------------------------------------------------------------


def test_form_accepts_a_valid_seed():
    form = SeedForm(data=form_data())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["tags"] == ["IoT", "見守り"]
    assert form.cleaned_data["deployments"] == 0


def test_form_splits_tags_on_japanese_commas_and_drops_duplicates():
    form = SeedForm(data=form_data(tags="AI、IoT, AI ,, 見守り"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["tags"] == ["AI", "IoT", "見守り"]


def test_form_accepts_exactly_ten_tags():
    tags = ", ".join(f"tag{i}" for i in range(MAX_TAGS))
    assert SeedForm(data=form_data(tags=tags)).is_valid()


def test_form_refuses_more_than_ten_tags():
    tags = ", ".join(f"tag{i}" for i in range(MAX_TAGS + 1))
    form = SeedForm(data=form_data(tags=tags))
    assert not form.is_valid()
    assert "tags" in form.errors


def test_form_refuses_a_tag_over_fifty_characters():
    form = SeedForm(data=form_data(tags="IoT, " + "あ" * 51))
    assert not form.is_valid()
    assert "tags" in form.errors


@pytest.mark.parametrize(
    ("field", "length"),
    [("title", 121), ("summary", 401), ("description", 6001), ("contact_name", 101)],
)
def test_form_refuses_too_long_text(field, length):
    form = SeedForm(data=form_data(**{field: "あ" * length}))
    assert not form.is_valid()
    assert form.has_error(field, code="max_length")


@pytest.mark.parametrize(("field", "length"), [("title", 120), ("summary", 400)])
def test_form_accepts_text_at_the_limit(field, length):
    assert SeedForm(data=form_data(**{field: "あ" * length})).is_valid()


# --- the service (the model's clean) ------------------------------------------


def _save(org, by, **overrides):
    return services.save_seed_draft(
        by=by, organization=org, data=factories.seed_data(**overrides)
    )


@pytest.mark.parametrize("deployments", [1, 5])
def test_deployed_elsewhere_with_deployments_is_saved(org_a, member_a, deployments):
    seed = _save(
        org_a,
        member_a,
        maturity=Maturity.DEPLOYED_ELSEWHERE,
        deployments=deployments,
        municipalities="川崎市",
    )
    assert SeedPage.objects.get(pk=seed.pk).deployments == deployments


def test_deployed_elsewhere_needs_at_least_one_deployment(org_a, member_a):
    with pytest.raises(ValidationError) as caught:
        _save(org_a, member_a, maturity=Maturity.DEPLOYED_ELSEWHERE, deployments=0)
    assert set(caught.value.error_dict) == {"deployments"}
    assert not SeedPage.objects.exists()


@pytest.mark.parametrize(
    "maturity", [Maturity.RESEARCH, Maturity.PROTOTYPE, Maturity.VALIDATED]
)
def test_other_maturities_need_zero_deployments(org_a, member_a, maturity):
    with pytest.raises(ValidationError) as caught:
        _save(org_a, member_a, maturity=maturity, deployments=2, municipalities="")
    assert "maturity" in caught.value.error_dict
    assert not SeedPage.objects.exists()


@pytest.mark.parametrize(
    "maturity", [Maturity.RESEARCH, Maturity.PROTOTYPE, Maturity.VALIDATED]
)
def test_other_maturities_with_zero_deployments_are_saved(org_a, member_a, maturity):
    _save(org_a, member_a, maturity=maturity, deployments=0)
    assert SeedPage.objects.count() == 1


@pytest.mark.parametrize(
    "names", ["川崎市\n相模原市", "川崎市、相模原市", "川崎市, 相模原市"]
)
def test_more_municipality_names_than_deployments_is_refused(org_a, member_a, names):
    with pytest.raises(ValidationError) as caught:
        _save(
            org_a,
            member_a,
            maturity=Maturity.DEPLOYED_ELSEWHERE,
            deployments=1,
            municipalities=names,
        )
    assert set(caught.value.error_dict) == {"municipalities"}


def test_municipality_names_without_deployments_are_refused(org_a, member_a):
    with pytest.raises(ValidationError) as caught:
        _save(org_a, member_a, maturity=Maturity.VALIDATED, municipalities="川崎市")
    assert "municipalities" in caught.value.error_dict


def test_blank_lines_do_not_count_as_municipalities(org_a, member_a):
    seed = _save(
        org_a,
        member_a,
        maturity=Maturity.DEPLOYED_ELSEWHERE,
        deployments=2,
        municipalities="川崎市\n\n 、相模原市\n",
    )
    assert seed.municipality_names == ["川崎市", "相模原市"]


@pytest.mark.parametrize(
    ("field", "length"),
    [
        ("title", 256),
        ("summary", 401),
        ("description", 6001),
        ("municipalities", 2001),
    ],
)
def test_service_refuses_too_long_text(org_a, member_a, field, length):
    with pytest.raises(ValidationError) as caught:
        _save(org_a, member_a, **{field: "あ" * length})
    assert field in caught.value.error_dict
    assert not SeedPage.objects.exists()


def test_editing_a_seed_applies_the_same_rules(org_a, member_a):
    seed = _save(org_a, member_a)
    with pytest.raises(ValidationError):
        services.save_seed_draft(
            by=member_a,
            organization=org_a,
            seed=seed,
            data={"maturity": Maturity.DEPLOYED_ELSEWHERE, "deployments": 0},
        )
    draft = SeedPage.objects.get(pk=seed.pk).get_latest_revision_as_object()
    assert draft.maturity == Maturity.VALIDATED


def test_service_refuses_more_than_ten_tags(org_a, member_a):
    with pytest.raises(ValidationError) as caught:
        _save(org_a, member_a, tags=[f"tag{i}" for i in range(MAX_TAGS + 1)])
    assert "tags" in caught.value.error_dict
    assert not SeedPage.objects.exists()


def test_service_accepts_ten_tags(org_a, member_a):
    seed = _save(org_a, member_a, tags=[f"tag{i}" for i in range(MAX_TAGS)])
    assert seed.tags.count() == MAX_TAGS


# --- the view -----------------------------------------------------------------


@pytest.fixture
def member_client(client, member_a):
    client.force_login(member_a)
    return client


def test_get_new_seed_form(member_client):
    response = member_client.get(NEW_SEED_URL)
    assert response.status_code == 200
    assert 'name="title"' in response.content.decode()


def test_member_without_organisation_is_sent_to_register_one(client, site):
    client.force_login(factories.make_user())
    response = client.post(NEW_SEED_URL, form_data())
    assert response.status_code == 302
    assert response["Location"].endswith("/my/organization/new/")
    assert not SeedPage.objects.exists()


def test_valid_post_saves_a_draft_and_redirects_to_preview(member_client, org_a):
    response = member_client.post(NEW_SEED_URL, form_data())
    seed = SeedPage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/my/seeds/{seed.pk}/"
    assert seed.organization == org_a
    assert not seed.live
    assert sorted(t.name for t in seed.tags.all()) == ["IoT", "見守り"]


def test_valid_post_with_image_stores_it(member_client):
    upload = SimpleUploadedFile("photo.png", png_bytes(), "image/png")
    response = member_client.post(
        NEW_SEED_URL, form_data(image=upload, image_alt="センサーの写真")
    )
    assert response.status_code == 302
    seed = SeedPage.objects.get()
    assert seed.image is not None
    assert seed.image.width == 8


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize(
    ("overrides", "field", "english"),
    [
        (
            {"maturity": Maturity.DEPLOYED_ELSEWHERE, "deployments": "0"},
            "deployments",
            "needs the number of municipalities using it (1 or more)",
        ),
        (
            {"maturity": Maturity.PROTOTYPE, "deployments": "3"},
            "maturity",
            "choose “Deployed in other municipalities”",
        ),
        (
            {
                "maturity": Maturity.DEPLOYED_ELSEWHERE,
                "deployments": "1",
                "municipalities": "川崎市\n相模原市",
            },
            "municipalities",
            "More municipality names (2) than the number of municipalities using it "
            "(1).",
        ),
        ({"title": "あ" * 121}, "title", "at most 120 characters"),
        ({"summary": "い" * 401}, "summary", "at most 400 characters"),
        (
            {"tags": ", ".join(f"タグ{i}" for i in range(11))},
            "tags",
            "Up to 10 tags.",
        ),
        ({"contact_email": "not-an-email"}, "contact_email", "valid email address"),
    ],
)
def test_bad_post_shows_error_next_to_field_and_keeps_input(
    member_client, prefix, overrides, field, english
):
    data = form_data(
        description='説明 <b>太字</b> & "引用"',  # typed markup must come back escaped
        contact_phone="045-111-2222",
        **overrides,
    )
    response = member_client.post(prefix + NEW_SEED_URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    errors = field_errors_html(html, field)
    if prefix == "/en":
        assert escape(english) in errors
    assert_values_kept(html, data)
    # the chosen maturity stays selected
    assert re.search(rf'<option value="{data["maturity"]}"[^>]*selected', html), (
        "maturity choice lost"
    )
    assert not SeedPage.objects.exists()


def test_bad_post_in_japanese_shows_japanese_required_message(member_client):
    response = member_client.post(NEW_SEED_URL, form_data(title=""))
    assert response.status_code == 400
    with translation.override("ja"):
        from django.forms import Field

        required = str(Field.default_error_messages["required"])
    assert escape(required) in field_errors_html(response.content.decode(), "title")


@pytest.mark.parametrize(
    ("name", "content", "code_text"),
    [
        ("huge.png", png_bytes() + b"\x00" * TEN_MB, "The file is too large"),
        (
            "notes.png",
            b"this is text, not a picture\n" * 20,
            "This type of file cannot",
        ),
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 500, "This type of file cannot"),
    ],
)
def test_bad_image_is_refused_and_nothing_is_saved(
    member_client, name, content, code_text
):
    images_before = get_image_model().objects.count()
    upload = SimpleUploadedFile(name, content, "image/png")
    data = form_data(image=upload, image_alt="写真の説明")
    response = member_client.post("/en" + NEW_SEED_URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert code_text in field_errors_html(html, "image")
    assert "files must be chosen again" in html
    assert_values_kept(html, data)
    assert not SeedPage.objects.exists()
    assert get_image_model().objects.count() == images_before
    assert media_files() == []


def test_bad_brochure_is_refused_and_nothing_is_saved(member_client):
    upload = SimpleUploadedFile("brochure.pdf", b"not a pdf at all", "application/pdf")
    response = member_client.post("/en" + NEW_SEED_URL, form_data(brochure=upload))
    assert response.status_code == 400
    assert "This type of file cannot" in field_errors_html(
        response.content.decode(), "brochure"
    )
    assert not SeedPage.objects.exists()
    assert media_files() == []


def test_image_without_description_is_refused_and_nothing_is_saved(member_client):
    upload = SimpleUploadedFile("photo.png", png_bytes(), "image/png")
    response = member_client.post(NEW_SEED_URL, form_data(image=upload, image_alt=""))
    assert response.status_code == 400
    field_errors_html(response.content.decode(), "image_alt")
    assert not SeedPage.objects.exists()
    assert not get_image_model().objects.exists()
    assert media_files() == []


def test_image_with_a_rule_broken_elsewhere_leaves_no_row_and_no_file(member_client):
    """The form accepts the image, the model refuses the seed: nothing may remain,
    neither the Image row nor its file on disk."""
    upload = SimpleUploadedFile("photo.png", png_bytes(), "image/png")
    response = member_client.post(
        NEW_SEED_URL,
        form_data(image=upload, image_alt="センサーの写真", deployments="2"),
    )
    assert response.status_code == 400
    field_errors_html(response.content.decode(), "maturity")
    assert not SeedPage.objects.exists()
    assert not get_image_model().objects.exists()
    assert media_files() == []


def test_service_validates_before_storing_uploads(org_a, member_a):
    upload = SimpleUploadedFile("photo.png", png_bytes(), "image/png")
    with pytest.raises(ValidationError):
        services.save_seed_draft(
            by=member_a,
            organization=org_a,
            data=factories.seed_data(deployments=3, image_alt="写真"),
            image_file=upload,
        )
    assert not get_image_model().objects.exists()
    assert media_files() == []


GARBAGE = [
    {},
    {"title": None},
    {"deployments": "abc"},
    {"deployments": "-1"},
    {"deployments": "1e9"},
    {"deployments": "9" * 40},
    {"deployments": "2001"},
    {"deployments": "１"},
    {"maturity": "bogus"},
    {"maturity": "deployed_elsewhere", "deployments": ""},
    {"title": "x" * 200_000},
    {"summary": "あ" * 100_000, "description": "い" * 100_000},
    {"municipalities": "市\n" * 5000},
    {"tags": "," * 10_000},
    {"tags": "a, " * 5000},
    {"title": "nul\x00byte"},
    {"contact_email": "@" * 300},
    {"contact_phone": "0" * 1000},
    {"image_alt": "x" * 1000},
]


@pytest.mark.parametrize("overrides", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_never_gives_a_500(member_client, overrides):
    if overrides == {}:
        data = {}
    else:
        data = form_data(**overrides)
        data = {k: v for k, v in data.items() if v is not None}
    response = member_client.post(NEW_SEED_URL, data)
    assert response.status_code == 400
    assert not SeedPage.objects.exists()


def test_text_posted_as_image_is_ignored(member_client):
    response = member_client.post(NEW_SEED_URL, form_data(image="not-a-file"))
    assert response.status_code == 302
    assert SeedPage.objects.get().image is None


def test_list_values_for_single_fields_never_give_a_500(member_client):
    data = form_data()
    data["maturity"] = [Maturity.VALIDATED, "bogus"]
    data["deployments"] = ["0", "abc"]
    response = member_client.post(NEW_SEED_URL, data)
    assert response.status_code in (302, 400)


def test_uploaded_files_get_unguessable_names(member_client):
    upload = SimpleUploadedFile("sensor-photo.png", png_bytes(), "image/png")
    response = member_client.post(
        NEW_SEED_URL, form_data(image=upload, image_alt="センサーの写真")
    )
    assert response.status_code == 302
    stored = get_image_model().objects.get()
    assert "sensor-photo" not in stored.file.name
    assert stored.file.name.endswith(".png")
