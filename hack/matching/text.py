"""Plain-text helpers for the encoders, the lexical scorer and explanations."""

import hashlib
import re
import unicodedata
from dataclasses import dataclass

# Longer texts are cut, not refused: a pasted report must not crash the form or
# the embedding job. 20,000 characters is ~10× the longest real need.
MAX_TEXT_CHARS = 20_000

_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+|\n+")
_SPACES = re.compile(r"\s+")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True)
class PreparedText:
    text: str
    truncated: bool


def prepare_text(*parts: str) -> PreparedText:
    """Join the parts of a document into one normalised text, cut at MAX_TEXT_CHARS."""
    joined = "\n".join(p.strip() for p in parts if p and p.strip())
    # NFKC folds full-width letters and digits so ＡＩ and AI are one term.
    joined = unicodedata.normalize("NFKC", joined)
    if len(joined) <= MAX_TEXT_CHARS:
        return PreparedText(joined, truncated=False)
    return PreparedText(joined[:MAX_TEXT_CHARS], truncated=True)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def split_sentences(text: str, *, min_chars: int = 4) -> list[str]:
    """Split Japanese and English text into sentences (。！？ . ! ? and line breaks)."""
    sentences = []
    for part in _SENTENCE_END.split(text or ""):
        part = _SPACES.sub(" ", part or "").strip()
        if len(part) >= min_chars:
            sentences.append(part)
    return sentences


def detect_language(text: str) -> str:
    """'ja' when a tenth or more of the letters are kana or kanji, else 'en'."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "ja"
    japanese = sum(1 for c in letters if _JAPANESE.match(c))
    return "ja" if japanese * 10 >= len(letters) else "en"
