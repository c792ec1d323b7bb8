"""The in-process exact vector index."""

import numpy as np
import pytest

from hack.matching.indexes import InMemoryVectorIndex

DIM = 8


def unit(rows: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, dim))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def basis(i: int, dim: int = DIM) -> np.ndarray:
    vector = np.zeros(dim, dtype=np.float32)
    vector[i] = 1.0
    return vector


@pytest.fixture
def index():
    index = InMemoryVectorIndex(DIM, capacity=2)
    index.add(["a", "b", "c", "d"], np.stack([basis(i) for i in range(4)]))
    return index


def test_add_and_search(index):
    assert len(index) == 4
    assert "c" in index and "z" not in index

    results = index.search(basis(2), 2)

    assert results[0] == ("c", pytest.approx(1.0))
    assert results[1][1] == pytest.approx(0.0)


def test_search_is_best_first():
    index = InMemoryVectorIndex(2)
    index.add(["far", "near", "mid"], np.array([[0, 1], [1, 0], [0.8, 0.6]]))

    assert [k for k, _ in index.search(np.array([1.0, 0.0]), 3)] == [
        "near",
        "mid",
        "far",
    ]


def test_add_replaces_an_existing_key(index):
    index.add(["a"], basis(5)[None, :])

    assert len(index) == 4
    assert index.keys() == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(index.vector("a"), basis(5))
    assert index.search(basis(5), 1) == [("a", pytest.approx(1.0))]


def test_add_with_a_key_twice_in_one_batch_keeps_the_last_vector():
    index = InMemoryVectorIndex(DIM)
    index.add(["a", "a"], np.stack([basis(0), basis(1)]))

    assert len(index) == 1
    np.testing.assert_array_equal(index.vector("a"), basis(1))


def test_add_needs_one_vector_per_key():
    index = InMemoryVectorIndex(DIM)

    with pytest.raises(ValueError, match="one vector per key"):
        index.add(["a", "b"], basis(0)[None, :])


def test_remove_moves_the_last_row_into_the_hole(index):
    index.remove(["b"])

    assert len(index) == 3
    assert "b" not in index
    assert index.keys() == ["a", "d", "c"]
    np.testing.assert_array_equal(index.vector("d"), basis(3))
    np.testing.assert_array_equal(
        index.matrix(), np.stack([basis(0), basis(3), basis(2)])
    )
    assert index.search(basis(3), 1) == [("d", pytest.approx(1.0))]
    assert "b" not in [k for k, _ in index.search(basis(1), 10)]


def test_remove_the_last_row_unknown_keys_and_duplicates(index):
    index.remove(["d", "zzz", "d"])

    assert index.keys() == ["a", "b", "c"]
    index.remove(["a", "b", "c"])
    assert len(index) == 0
    assert index.search(basis(0), 3) == []


def test_add_after_remove_reuses_the_rows(index):
    index.remove(["a", "c"])
    index.add(["e"], basis(6)[None, :])

    assert sorted(index.keys()) == ["b", "d", "e"]
    assert index.search(basis(6), 1) == [("e", pytest.approx(1.0))]
    assert index.search(basis(1), 1) == [("b", pytest.approx(1.0))]


def test_search_with_allowed_keys(index):
    results = index.search(basis(0), 10, allowed=["c", "b", "unknown"])

    assert sorted(k for k, _ in results) == ["b", "c"]


def test_search_with_no_allowed_key_in_the_index(index):
    assert index.search(basis(0), 3, allowed=["x", "y"]) == []
    assert index.search(basis(0), 3, allowed=[]) == []


def test_search_with_a_key_allowed_twice_returns_it_once(index):
    results = index.search(basis(0), 10, allowed=["a", "a", "b"])

    assert sorted(k for k, _ in results) == ["a", "b"]


def test_search_with_k_larger_than_the_index(index):
    assert len(index.search(basis(0), 100)) == 4


def test_search_with_k_zero_or_on_an_empty_index(index):
    assert index.search(basis(0), 0) == []
    assert InMemoryVectorIndex(DIM).search(basis(0), 5) == []


def test_scores_are_in_row_order(index):
    np.testing.assert_allclose(index.scores(basis(1)), [0, 1, 0, 0])


def brute_force(vectors, keys, query, k, allowed=None):
    scores = vectors @ query
    order = np.argsort(-scores, kind="stable")
    ranked = [(keys[i], float(scores[i])) for i in order]
    if allowed is not None:
        ranked = [(key, s) for key, s in ranked if key in allowed]
    return ranked[:k]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_search_agrees_with_brute_force_after_changes(seed):
    rng = np.random.default_rng(seed)
    vectors = unit(500, 32, seed)
    keys = [f"k{i}" for i in range(500)]
    index = InMemoryVectorIndex(32, capacity=16)
    # Added in uneven batches, then 120 removed at random and 50 replaced.
    for start, stop in [(0, 7), (7, 300), (300, 500)]:
        index.add(keys[start:stop], vectors[start:stop])
    removed = set(rng.choice(keys, 120, replace=False))
    index.remove(list(removed))
    replaced = [k for k in rng.choice(keys, 80, replace=False) if k not in removed]
    new_vectors = unit(len(replaced), 32, seed + 100)
    index.add(replaced, new_vectors)
    for key, vector in zip(replaced, new_vectors, strict=True):
        vectors[keys.index(key)] = vector
    live = [i for i, key in enumerate(keys) if key not in removed]
    live_keys = [keys[i] for i in live]
    live_vectors = vectors[live]
    allowed = set(rng.choice(live_keys, 60, replace=False))

    for query in unit(5, 32, seed + 200):
        expected = brute_force(live_vectors, live_keys, query, 10)
        got = index.search(query, 10)
        assert [k for k, _ in got] == [k for k, _ in expected]
        np.testing.assert_allclose(
            [s for _, s in got], [s for _, s in expected], rtol=1e-5, atol=1e-6
        )
        expected = brute_force(live_vectors, live_keys, query, 10, allowed)
        got = index.search(query, 10, allowed=allowed)
        assert [k for k, _ in got] == [k for k, _ in expected]


def test_memory_stays_within_a_fifth_of_the_raw_vectors():
    vectors = unit(10_000, 384)
    raw = vectors.nbytes

    one_batch = InMemoryVectorIndex(384)
    one_batch.add(range(10_000), vectors)
    assert one_batch.nbytes <= 1.2 * raw

    # Published one by one in batches of 100, growing as it goes.
    growing = InMemoryVectorIndex(384)
    for start in range(0, 10_000, 100):
        growing.add(range(start, start + 100), vectors[start : start + 100])
    assert len(growing) == 10_000
    assert raw <= growing.nbytes <= 1.2 * raw
