"""Three-way merge of the shared notes, line by line.

Two people who edited different parts of the notes from the same version both
keep their text; edits to the same lines are a conflict the person resolves, with
their own text kept in the form.
"""

from difflib import SequenceMatcher


def _hunks(base: list[str], other: list[str]) -> list[tuple[int, int, list[str]]]:
    matcher = SequenceMatcher(a=base, b=other, autojunk=False)
    return [
        (i1, i2, other[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _overlap(a: tuple[int, int, list[str]], b: tuple[int, int, list[str]]) -> bool:
    (a1, a2, _), (b1, b2, _) = a, b
    if a1 == a2 and b1 == b2:  # two insertions: both are kept, theirs first
        return False
    if a1 == a2:
        return b1 < a1 < b2
    if b1 == b2:
        return a1 < b1 < a2
    return a1 < b2 and b1 < a2


def merge_texts(base: str, mine: str, theirs: str) -> str | None:
    """The merged text, or None when both changed the same lines differently."""
    if mine == theirs or theirs == base:
        return mine
    if mine == base:
        return theirs
    base_lines = base.splitlines(keepends=True)
    my_hunks = _hunks(base_lines, mine.splitlines(keepends=True))
    their_hunks = _hunks(base_lines, theirs.splitlines(keepends=True))
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
        if lines and merged and not merged[-1].endswith("\n"):
            merged[-1] += "\n"  # two last lines without a newline stay two lines
        merged.extend(lines)
        position = max(position, end)
    merged.extend(base_lines[position:])
    return "".join(merged)
