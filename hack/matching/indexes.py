"""Vector indexes behind one small protocol (STYLE.md, convention 6).

The embedded default is exact search in process memory: one contiguous float32
matrix, scanned with a single matrix–vector product. Elasticsearch implements
the same protocol in a later issue.
"""

from collections.abc import Hashable, Iterable, Sequence
from typing import Protocol

import numpy as np


class VectorIndex(Protocol):
    dim: int

    def add(self, keys: Sequence[Hashable], vectors: np.ndarray) -> None:
        """Insert or replace the vectors stored under `keys`."""
        ...

    def remove(self, keys: Iterable[Hashable]) -> None: ...

    def search(
        self,
        vector: np.ndarray,
        k: int,
        *,
        allowed: Iterable[Hashable] | None = None,
    ) -> list[tuple[Hashable, float]]:
        """The k keys with the highest cosine similarity, best first."""
        ...


class InMemoryVectorIndex:
    """Exact cosine search; memory is the raw vectors plus a small growth margin."""

    def __init__(self, dim: int, *, capacity: int = 1024):
        self.dim = dim
        self._vectors = np.zeros((max(capacity, 1), dim), dtype=np.float32)
        self._keys: list[Hashable] = []
        self._row_of: dict[Hashable, int] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._row_of

    @property
    def nbytes(self) -> int:
        return self._vectors.nbytes

    def vector(self, key: Hashable) -> np.ndarray:
        return self._vectors[self._row_of[key]]

    def matrix(self) -> np.ndarray:
        """The live rows (a view, not a copy)."""
        return self._vectors[: len(self._keys)]

    def keys(self) -> list[Hashable]:
        return list(self._keys)

    def _reserve(self, rows: int) -> None:
        if rows <= len(self._vectors):
            return
        # Grow by an eighth: amortised appends while staying near the raw size.
        capacity = max(rows, len(self._vectors) + len(self._vectors) // 8 + 1)
        grown = np.zeros((capacity, self.dim), dtype=np.float32)
        grown[: len(self._keys)] = self._vectors[: len(self._keys)]
        self._vectors = grown

    def add(self, keys: Sequence[Hashable], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(keys) != len(vectors):
            raise ValueError("one vector per key")
        new_keys = [k for k in dict.fromkeys(keys) if k not in self._row_of]
        self._reserve(len(self._keys) + len(new_keys))
        for key, vector in zip(keys, vectors, strict=True):
            row = self._row_of.get(key)
            if row is None:
                row = len(self._keys)
                self._keys.append(key)
                self._row_of[key] = row
            self._vectors[row] = vector

    def remove(self, keys: Iterable[Hashable]) -> None:
        for key in keys:
            row = self._row_of.pop(key, None)
            if row is None:
                continue
            # Move the last row into the hole so the live rows stay contiguous.
            last = len(self._keys) - 1
            if row != last:
                moved = self._keys[last]
                self._vectors[row] = self._vectors[last]
                self._keys[row] = moved
                self._row_of[moved] = row
            self._keys.pop()

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Cosine similarity of `vector` with every live row, in row order."""
        return self.matrix() @ np.asarray(vector, dtype=np.float32)

    def search(self, vector, k, *, allowed=None):
        if not self._keys or k <= 0:
            return []
        scores = self.scores(vector)
        if allowed is not None:
            rows = [
                self._row_of[key]
                for key in dict.fromkeys(allowed)
                if key in self._row_of
            ]
            if not rows:
                return []
            rows = np.asarray(rows)
            candidate_scores = scores[rows]
        else:
            rows = None
            candidate_scores = scores
        k = min(k, len(candidate_scores))
        top = np.argpartition(-candidate_scores, k - 1)[:k]
        top = top[np.argsort(-candidate_scores[top], kind="stable")]
        if rows is not None:
            return [(self._keys[rows[i]], float(candidate_scores[i])) for i in top]
        return [(self._keys[i], float(candidate_scores[i])) for i in top]
