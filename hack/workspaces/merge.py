"""Three-way merge of the shared notes, line by line.

Two people who edited different parts of the notes from the same version both
keep their text; edits to the same lines are a conflict the person resolves, with
their own text kept in the form.

Texts are compared as lines that each end with "\\n": a browser's textarea
usually leaves the last line without one, and without this two people who each
add a line at the end would seem to have changed the same (last) line.
"""

from difflib import SequenceMatcher

Hunk = tuple[int, int, list[str]]


def _normalise(text: str) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _lines(text: str) -> list[str]:
    """Lines split on "\\n" only (not on the other separators str.splitlines
    knows), each ending with "\\n"."""
    if not text:
        return []
    if not text.endswith("\n"):
        text += "\n"
    return [line + "\n" for line in text.split("\n")[:-1]]


def _hunks(base: list[str], other: list[str]) -> list[Hunk]:
    matcher = SequenceMatcher(a=base, b=other, autojunk=False)
    return [
        (i1, i2, other[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _overlap(a: Hunk, b: Hunk) -> bool:
    (a1, a2, _), (b1, b2, _) = a, b
    if a1 == a2 and b1 == b2:  # two insertions: both are kept, theirs first
        return False
    if a1 == a2:
        return b1 < a1 < b2
    if b1 == b2:
        return a1 < b1 < a2
    return a1 < b2 and b1 < a2


def _ends_with_newline(base: str, mine: str, theirs: str) -> bool:
    """Whether the merged text ends with a newline: merged like a line, so
    whoever changed it wins (mine when both did)."""
    b, m, t = (text.endswith("\n") for text in (base, mine, theirs))
    if m == t or t == b:
        return m
    return t


def merge_texts(base: str, mine: str, theirs: str) -> str | None:
    """The merged text, or None when both changed the same lines differently.
    Line ends in the result are "\\n"."""
    base, mine, theirs = _normalise(base), _normalise(mine), _normalise(theirs)
    if mine == theirs or theirs == base:
        return mine
    if mine == base:
        return theirs
    base_lines = _lines(base)
    my_hunks = _hunks(base_lines, _lines(mine))
    their_hunks = _hunks(base_lines, _lines(theirs))
    for mine_hunk in my_hunks:
        clash = [h for h in their_hunks if _overlap(mine_hunk, h)]
        if any(h != mine_hunk for h in clash):
            return None
    # The same edit made on both sides is applied once.
    changes = [(*h, 0) for h in their_hunks]
    changes += [(*h, 1) for h in my_hunks if h not in their_hunks]
    changes.sort(key=lambda change: (change[0], change[1], change[3]))
    merged: list[str] = []
    position = 0
    for start, end, lines, _side in changes:
        merged.extend(base_lines[position:start])
        merged.extend(lines)
        position = max(position, end)
    merged.extend(base_lines[position:])
    text = "".join(merged)
    if text and not _ends_with_newline(base, mine, theirs):
        text = text[:-1]
    return text
