"""Japanese-aware lexical matching: SudachiPy tokens scored with BM25 (bm25s)."""

import functools
import logging
import threading
from collections.abc import Sequence

import bm25s
import numpy as np

# bm25s sets its own logger to DEBUG on import and logs every index build.
logging.getLogger("bm25s").setLevel(logging.WARNING)

# Content words only: particles, auxiliaries and symbols would make every pair
# look alike.
_CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞"}
_SKIPPED_SUBPOS = {"数詞", "非自立可能"}
# Words so common in this domain that sharing them says nothing.
STOP_TERMS = frozenset(
    "する ある いる なる できる 行う 思う 考える ため こと もの よう ところ 方 中 "
    "為 事 物 様 所 言う "
    "市 区 市民 横浜 横浜市 職員 担当 課 局 現在 今後 サービス 提供 活用 利用 "
    "the a an and or of to in for on with by is are be this that it we our "
    "can as from at which want need use using our their they will would also "
    "more have has".split()
)

_local = threading.local()


def _tokenizer():
    # Sudachi tokenizers are not thread-safe: one per thread.
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import Dictionary

        tokenizer = Dictionary(dict="core").tokenizer(mode=_split_mode())
        _local.tokenizer = tokenizer
    return tokenizer


@functools.cache
def _split_mode():
    from sudachipy import SplitMode

    # Mode B: 見守り / サービス rather than one long compound or single characters.
    return SplitMode.B


# Sudachi refuses inputs over 49,149 bytes; a kanji takes 3 bytes in UTF-8.
_CHUNK_CHARS = 12_000


def _chunks(text: str):
    while len(text) > _CHUNK_CHARS:
        cut = max(text.rfind(mark, 0, _CHUNK_CHARS) for mark in "。\n.")
        cut = cut + 1 if cut > 0 else _CHUNK_CHARS
        yield text[:cut]
        text = text[cut:]
    yield text


def tokenize(text: str) -> list[str]:
    """Normalised content words (見守る, 見守り → one term; English lower-cased)."""
    return [t for chunk in _chunks(text or "") for t in _tokenize_chunk(chunk)]


def _tokenize_chunk(text: str) -> list[str]:
    tokens = []
    for morpheme in _tokenizer().tokenize(text):
        pos = morpheme.part_of_speech()
        if pos[0] not in _CONTENT_POS or pos[1] in _SKIPPED_SUBPOS:
            continue
        surface = morpheme.surface()
        # Sudachi reads English words as katakana (we → ウィー); keep them as typed.
        term = (surface if surface.isascii() else morpheme.normalized_form()).lower()
        if len(term) < 2 and not _is_kanji(term):
            continue
        if term in STOP_TERMS:
            continue
        tokens.append(term)
    return tokens


def _is_kanji(term: str) -> bool:
    return bool(term) and all("\u3400" <= c <= "\u9fff" for c in term)


class LexicalIndex:
    """BM25 over a fixed corpus of token lists; rebuilt when the corpus changes."""

    def __init__(self, documents: Sequence[Sequence[str]], *, k1=1.2, b=0.75):
        self.size = len(documents)
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        # bm25s refuses an empty vocabulary; a placeholder keeps scores at zero.
        corpus = [list(d) or ["\u0000"] for d in documents] or [["\u0000"]]
        self._bm25.index(corpus, show_progress=False)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        if not self.size:
            return np.zeros(0, dtype=np.float32)
        known = [t for t in query_tokens if t in self._bm25.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)[: self.size]


def shared_terms(
    need_tokens: Sequence[str], seed_tokens: Sequence[str], *, limit: int = 6
) -> list[str]:
    """Terms both texts use, longest first (long terms carry more meaning)."""
    seed_set = set(seed_tokens)
    shared = []
    for term in need_tokens:
        if term in seed_set and term not in shared:
            shared.append(term)
    shared.sort(key=lambda t: (-len(t), need_tokens.index(t)))
    return shared[:limit]
