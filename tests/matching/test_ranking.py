"""The fused ranker: per-language standardisation, BM25 and type fit."""

import numpy as np
import pytest

from hack.matching.ranking import (
    LEXICAL_ONLY,
    MIN_GROUP_SIZE,
    PRODUCTION,
    SEMANTIC_ONLY,
    Corpus,
    Item,
    standardise,
    type_fit_row,
)

DIM = 16
QUERY = np.eye(DIM, dtype=np.float32)[0]


def with_cosine(cosine: float, seed: int) -> np.ndarray:
    """A unit vector whose cosine with QUERY is exactly `cosine`."""
    other = np.random.default_rng(seed).standard_normal(DIM)
    other[0] = 0
    other /= np.linalg.norm(other)
    return (cosine * QUERY + np.sqrt(1 - cosine**2) * other).astype(np.float32)


def item(key, cosine, *, lang="ja", match_type=2, tokens=(), seed=None):
    seed = abs(hash(key)) % 10_000 if seed is None else seed
    return Item(key, lang, match_type, list(tokens), with_cosine(cosine, seed))


def query(match_type=2, tokens=()):
    return Item("need", "ja", match_type, list(tokens), QUERY)


# standardise ---------------------------------------------------------------


def z(values):
    values = np.asarray(values, dtype=np.float64)
    return (values - values.mean()) / values.std()


def test_standardise_within_each_large_group():
    rng = np.random.default_rng(0)
    ja = rng.normal(0.85, 0.02, MIN_GROUP_SIZE + 10)
    en = rng.normal(0.45, 0.05, MIN_GROUP_SIZE)
    scores = np.concatenate([ja, en]).astype(np.float32)
    groups = np.array(["ja"] * len(ja) + ["en"] * len(en))

    out = standardise(scores, groups)

    np.testing.assert_allclose(out[: len(ja)], z(ja), atol=1e-4)
    np.testing.assert_allclose(out[len(ja) :], z(en), atol=1e-4)


def test_standardise_small_group_falls_back_to_all_scores():
    rng = np.random.default_rng(1)
    ja = rng.normal(0.85, 0.02, MIN_GROUP_SIZE)
    en = rng.normal(0.45, 0.05, MIN_GROUP_SIZE - 1)
    scores = np.concatenate([ja, en]).astype(np.float32)
    groups = np.array(["ja"] * len(ja) + ["en"] * len(en))

    out = standardise(scores, groups)

    np.testing.assert_allclose(out[: len(ja)], z(ja), atol=1e-4)
    np.testing.assert_allclose(out[len(ja) :], z(scores)[len(ja) :], atol=1e-4)
    # Scored against everyone, the small English group stays below the Japanese.
    assert out[len(ja) :].max() < 0


def test_standardise_all_groups_small_is_a_plain_z_score():
    scores = np.array([0.1, 0.5, 0.9, 0.3], dtype=np.float32)
    groups = np.array(["ja", "en", "ja", "en"])

    np.testing.assert_allclose(standardise(scores, groups), z(scores), atol=1e-5)


def test_standardise_constant_scores_are_zero():
    scores = np.zeros(MIN_GROUP_SIZE * 2, dtype=np.float32)
    groups = np.array(["ja"] * MIN_GROUP_SIZE + ["en"] * MIN_GROUP_SIZE)

    assert not standardise(scores, groups).any()


def test_type_fit_row():
    offered = np.array([1, 2, 3], dtype=np.int8)

    np.testing.assert_array_equal(type_fit_row(1, offered), [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(type_fit_row(2, offered), [0.5, 1.0, 0.5])
    np.testing.assert_array_equal(type_fit_row(3, offered), [0.0, 0.5, 1.0])
    assert type_fit_row(2, offered).dtype == np.float32


# Corpus.rank ----------------------------------------------------------------


def bilingual_corpus():
    """40 Japanese seeds close to the need, 40 English ones much further away, and
    one English seed far above the other English ones (a good cross-lingual match
    scores a lower cosine than same-language text)."""
    corpus = Corpus(dim=DIM)
    ja = [item(f"ja{i}", c) for i, c in enumerate(np.linspace(0.80, 0.90, 40))]
    en = [
        item(f"en{i}", c, lang="en") for i, c in enumerate(np.linspace(0.40, 0.50, 40))
    ]
    corpus.add([*ja, *en, item("en-best", 0.70, lang="en")])
    return corpus


def test_rank_promotes_the_best_of_another_language():
    corpus = bilingual_corpus()

    ranked = corpus.rank(query(), k=5)

    assert ranked[0].key == "en-best"
    assert ranked[0].semantic == pytest.approx(0.70, abs=1e-5)
    assert ranked[1].key == "ja39"
    assert ranked[1].semantic == pytest.approx(0.90, abs=1e-5)
    assert ranked[0].semantic < ranked[1].semantic


def test_rank_scores_are_best_first_with_the_signals_kept():
    ranked = bilingual_corpus().rank(query(), k=10)

    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    assert all(s.type_fit == 1.0 and s.lexical == 0.0 for s in ranked)


def test_rank_type_fit_breaks_a_tie():
    corpus = Corpus(dim=DIM)
    vector = with_cosine(0.8, seed=7)
    corpus.add(
        [
            Item("type1", "ja", 1, ["見守る"], vector),
            Item("type3", "ja", 3, ["見守る"], vector.copy()),
            Item("type2", "ja", 2, ["見守る"], vector.copy()),
            item("other", 0.5),
        ]
    )

    ranked = corpus.rank(query(match_type=3, tokens=["見守る"]), k=4)

    assert [s.key for s in ranked] == ["type3", "type2", "type1", "other"]
    assert ranked[0].semantic == ranked[1].semantic == ranked[2].semantic
    assert [s.type_fit for s in ranked[:3]] == [1.0, 0.5, 0.0]


def test_rank_lexical_overlap_breaks_a_tie():
    corpus = Corpus(dim=DIM)
    vector = with_cosine(0.8, seed=8)
    corpus.add(
        [
            Item("shares", "ja", 2, ["高齢者", "見守る"], vector),
            Item("does-not", "ja", 2, ["道路", "舗装"], vector.copy()),
            item("other", 0.5, tokens=["窓口"]),
        ]
    )

    ranked = corpus.rank(query(tokens=["高齢者", "見守る"]), k=2)

    assert [s.key for s in ranked] == ["shares", "does-not"]
    assert ranked[0].lexical > 0 == ranked[1].lexical


def test_rank_lexical_only_ignores_vectors():
    corpus = Corpus(dim=DIM)
    corpus.add(
        [
            item("close", 0.95, tokens=["道路"]),
            item("words", 0.10, tokens=["高齢者", "見守る"]),
            item("word", 0.50, tokens=["見守る", "窓口"]),
        ]
    )
    need = query(tokens=["高齢者", "見守る"])

    assert [s.key for s in corpus.rank(need, weights=LEXICAL_ONLY)] == [
        "words",
        "word",
        "close",
    ]
    assert corpus.rank(need, weights=SEMANTIC_ONLY)[0].key == "close"


def test_rank_semantic_only_reports_no_lexical_score():
    corpus = bilingual_corpus()

    ranked = corpus.rank(query(tokens=["高齢者"]), weights=SEMANTIC_ONLY)

    assert all(s.lexical == 0.0 for s in ranked)


def test_rank_exclude_and_allowed():
    corpus = bilingual_corpus()
    need = query()

    excluded = corpus.rank(need, k=3, exclude=["en-best", "not-there"])
    assert [s.key for s in excluded] == ["ja39", "ja38", "ja37"]

    # Each the lowest of its language: the English one sits nearer its (wider
    # spread) group's mean, so it ranks above the Japanese one.
    allowed = corpus.rank(need, k=10, allowed=["ja0", "en0", "ja20", "unknown"])
    assert [s.key for s in allowed] == ["ja20", "en0", "ja0"]

    both = corpus.rank(need, allowed={"ja0", "ja5"}, exclude=["ja5"])
    assert [s.key for s in both] == ["ja0"]

    assert corpus.rank(need, allowed=[]) == []
    assert corpus.rank(need, allowed=["unknown"]) == []


def test_rank_k_larger_than_the_corpus():
    corpus = Corpus(dim=DIM)
    corpus.add([item("a", 0.9), item("b", 0.1)])

    assert [s.key for s in corpus.rank(query(), k=50)] == ["a", "b"]


def test_rank_on_an_empty_corpus():
    corpus = Corpus(dim=DIM)

    assert len(corpus) == 0
    assert corpus.rank(query()) == []
    corpus.add([])
    assert corpus.rank(query()) == []


def test_rank_follows_additions_replacements_and_removals():
    corpus = Corpus(dim=DIM)
    corpus.add([item("a", 0.9, tokens=["窓口"]), item("b", 0.5), item("c", 0.2)])
    assert corpus.rank(query(), k=1)[0].key == "a"

    corpus.add([item("d", 0.95, tokens=["高齢者"])])
    assert corpus.rank(query(), k=1)[0].key == "d"
    assert (
        corpus.rank(query(tokens=["高齢者"]), weights=LEXICAL_ONLY, k=1)[0].key == "d"
    )

    corpus.add([item("d", 0.0, seed=3)])
    assert corpus.rank(query(), k=1)[0].key == "a"
    assert corpus.get("d").tokens == []

    corpus.remove(["a", "unknown"])
    assert "a" not in corpus
    assert corpus.get("a") is None
    assert [s.key for s in corpus.rank(query(), k=5)] == ["b", "c", "d"]
    assert (
        corpus.rank(query(tokens=["窓口"]), weights=LEXICAL_ONLY, k=1)[0].lexical == 0
    )


def test_production_weights_use_all_three_signals():
    assert PRODUCTION.semantic > 0
    assert PRODUCTION.lexical > 0
    assert PRODUCTION.type_fit > 0
