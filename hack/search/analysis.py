"""How text becomes search terms, for documents and queries alike.

Three fields, scored with BM25 each and summed (hack/search/memory.py):

- ``w`` words: SudachiPy content words by their normalised form (見守り,
  みまもり and 見守る are all 見守る; ｻｰﾋﾞｽ is サービス; 引越し is 引っ越し), and
  English words lower-cased and Snowball-stemmed (sensors → sensor).
- ``t`` the same words from the title only, which counts double.
- ``g`` kanji and katakana bigrams: they find a word Sudachi split in an
  unlucky place (見守りを is read as 見 / 守り) and parts of long compounds
  (高齢者見守りサービス). A kana-only word also gives the bigrams of its kanji
  normal form, so みまもり finds 見守 in any text.

Terms are stored as 64-bit hashes of "field:term" so an index loads as numpy
arrays with no Python work per term, and every process hashes alike.
"""

import functools
import hashlib
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from hack.matching.lexical import _chunks

FIELDS = ("w", "t", "g")
# The longest query we analyse; longer input is cut (never refused).
MAX_QUERY_CHARS = 200

_CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞", "副詞"}
_SKIPPED_SUBPOS = {"数詞", "非自立可能"}
_ENGLISH_STOP = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the "
    "this to was were will with".split()
)
_KANJI_OR_KATAKANA_RUN = re.compile(r"[\u3400-\u9fff\u30a1-\u30fa\u30fc]+")
_HAS_KANJI = re.compile(r"[\u3400-\u9fff]")
_KATAKANA = re.compile(r"[\u30a1-\u30f6]")
_local = threading.local()


def _tokenizer():
    # Sudachi tokenizers are not thread-safe: one per thread.
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import Dictionary, SplitMode

        tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.B)
        _local.tokenizer = tokenizer
    return tokenizer


@functools.cache
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def normalise(text: str) -> str:
    """NFKC (full-width letters and half-width katakana folded) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def to_hiragana(text: str) -> str:
    return _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), text)


@dataclass(frozen=True)
class Word:
    term: str  # the normalised form: the key in the index
    surface: str  # as written in the text
    reading: str  # in katakana ("" for English)


def words(text: str) -> list[Word]:
    """Content words, normalised; numbers, particles and auxiliaries left out."""
    found = []
    for chunk in _chunks(normalise(text)):
        for morpheme in _tokenizer().tokenize(chunk):
            pos = morpheme.part_of_speech()
            if pos[0] not in _CONTENT_POS or pos[1] in _SKIPPED_SUBPOS:
                continue
            surface = morpheme.surface()
            if surface.isascii():
                # Sudachi reads English as katakana (we → ウィー): keep the word.
                if not surface.isalpha() or surface in _ENGLISH_STOP:
                    continue
                found.append(Word(stem(surface), surface, ""))
                continue
            term = morpheme.normalized_form()
            if len(term) < 2 and not _HAS_KANJI.search(term):
                continue
            found.append(Word(term, surface, morpheme.reading_form()))
    return found


def bigrams(text: str) -> list[str]:
    """Kanji/katakana bigrams of each run (a one-character run is kept whole)."""
    grams = []
    for run in _KANJI_OR_KATAKANA_RUN.findall(text):
        if len(run) == 1:
            if _HAS_KANJI.match(run):
                grams.append(run)
            continue
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def _grams_of(text: str, found: list[Word]) -> list[str]:
    grams = bigrams(text)
    for word in found:
        # みまもり (kana) → 見守る: the kanji form's bigrams, as the text would have.
        if not _HAS_KANJI.search(word.surface) and _HAS_KANJI.search(word.term):
            grams.extend(bigrams(word.term))
    return grams


def term_hash(field_name: str, term: str) -> int:
    digest = hashlib.blake2b(f"{field_name}:{term}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


@dataclass
class AnalysedDocument:
    """What the index stores for one document."""

    hashes: np.ndarray  # int64, one per distinct (field, term)
    counts: np.ndarray  # uint16 term frequency, same order
    lengths: dict[str, int]  # terms per field (BM25 length normalisation)
    surfaces: dict[str, list[str]] = field(default_factory=dict)  # term → as written
    title_reading: str = ""  # in hiragana, for suggestions typed in kana


def analyse_document(title: str, body: str) -> AnalysedDocument:
    title_words = words(title)
    body_words = words(body)
    text = normalise(f"{title}\n{body}")
    fields = {
        "w": [w.term for w in title_words + body_words],
        "t": [w.term for w in title_words],
        "g": _grams_of(text, title_words + body_words),
    }
    counts: Counter = Counter()
    for name, terms in fields.items():
        counts.update(term_hash(name, t) for t in terms)
    surfaces: dict[str, list[str]] = {}
    for word in title_words + body_words:
        known = surfaces.setdefault(word.term, [])
        if word.surface not in known and len(known) < 4:
            known.append(word.surface)
    return AnalysedDocument(
        hashes=np.fromiter(counts.keys(), dtype=np.int64, count=len(counts)),
        counts=np.fromiter(
            (min(c, 65535) for c in counts.values()), dtype=np.uint16, count=len(counts)
        ),
        lengths={name: len(terms) for name, terms in fields.items()},
        surfaces=surfaces,
        title_reading=to_hiragana("".join(w.reading or w.surface for w in title_words)),
    )


@dataclass(frozen=True)
class QueryConcept:
    """One word of the query, with every term that may stand for it."""

    label: str  # as typed
    hashes: dict[str, tuple[int, ...]]  # field → term hashes


@dataclass(frozen=True)
class AnalysedQuery:
    text: str  # normalised and cut to MAX_QUERY_CHARS
    concepts: tuple[QueryConcept, ...]
    terms: tuple[str, ...]  # normalised words, for highlighting
    marks: tuple[str, ...]  # literal strings to highlight (as typed, bigrams)

    @property
    def is_empty(self) -> bool:
        return not self.concepts


@functools.lru_cache(maxsize=2048)
def analyse_query(text: str) -> AnalysedQuery:
    text = normalise(text)[:MAX_QUERY_CHARS].strip()
    concepts = []
    marks: list[str] = [
        p
        for p in text.split()
        if (len(p) >= 2 or _HAS_KANJI.search(p)) and p not in _ENGLISH_STOP
    ]
    terms = []
    for word in words(text):
        grams = _grams_of(word.surface, [word])
        hashes = {
            "w": (term_hash("w", word.term),),
            "t": (term_hash("t", word.term),),
            "g": tuple(term_hash("g", g) for g in dict.fromkeys(grams)),
        }
        concepts.append(QueryConcept(word.surface, hashes))
        terms.append(word.term)
        marks.extend(grams)
    # A run of kanji Sudachi did not read as a content word still counts by its
    # bigrams (a rare place name, a new compound).
    covered = "".join(c.label for c in concepts)
    for run in _KANJI_OR_KATAKANA_RUN.findall(text):
        if run not in covered:
            grams = bigrams(run)
            if grams:
                concepts.append(
                    QueryConcept(
                        run,
                        {"g": tuple(term_hash("g", g) for g in dict.fromkeys(grams))},
                    )
                )
                marks.extend(grams)
    return AnalysedQuery(
        text=text,
        concepts=tuple(concepts),
        terms=tuple(dict.fromkeys(terms)),
        marks=tuple(dict.fromkeys(m for m in marks if m)),
    )
