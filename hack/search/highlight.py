"""Snippets: the part of a text where the query's words are, marked."""

import bisect
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SNIPPET_CHARS = 120
# Start a little before the first word found so it reads in context.
LEAD_CHARS = 20
_SPACES = re.compile(r"\s+")


def cut_snippet(
    text: str, marks: list[str], *, width: int = SNIPPET_CHARS
) -> SafeString:
    """Escaped text around the densest run of marks, each in <mark>."""
    text = _SPACES.sub(" ", text or "").strip()
    marks = sorted({m for m in marks if m and m.strip()}, key=len, reverse=True)
    spans = []
    if marks:
        pattern = re.compile("|".join(re.escape(m) for m in marks), re.IGNORECASE)
        spans = [m.span() for m in pattern.finditer(text)]
    start = 0
    if spans:
        starts = [s for s, _ in spans]
        best = max(
            range(len(spans)),
            key=lambda i: bisect.bisect_left(starts, starts[i] + width) - i,
        )
        start = max(0, spans[best][0] - LEAD_CHARS)
    end = min(len(text), start + width)
    parts = ["…" if start else ""]
    position = start
    for s, e in spans:
        if s < start or e > end:
            continue
        parts.append(escape(text[position:s]))
        parts.append(f"<mark>{escape(text[s:e])}</mark>")
        position = e
    parts.append(escape(text[position:end]))
    parts.append("…" if end < len(text) else "")
    return mark_safe("".join(parts))  # noqa: S308 - every text part is escaped
