"""The notes' three-way merge: nobody's text is lost, or the merge refuses."""

import random
from collections import Counter

import pytest

from hack.workspaces.merge import merge_texts

BASE = "一行目\n二行目\n三行目\n四行目\n五行目\n"


def test_no_change_on_one_side_gives_the_other():
    mine = BASE.replace("二行目", "2 行目")
    assert merge_texts(BASE, mine, BASE) == mine
    assert merge_texts(BASE, BASE, mine) == mine
    assert merge_texts(BASE, mine, mine) == mine


def test_edits_of_different_lines_are_both_kept():
    mine = BASE.replace("二行目", "二行目（私）")
    theirs = BASE.replace("五行目", "五行目（あなた）")
    assert merge_texts(BASE, mine, theirs) == (
        "一行目\n二行目（私）\n三行目\n四行目\n五行目（あなた）\n"
    )
    # The order of the sides does not matter for edits in different places.
    assert merge_texts(BASE, theirs, mine) == merge_texts(BASE, mine, theirs)


def test_edits_of_neighbouring_lines_are_both_kept():
    mine = BASE.replace("二行目", "B")
    theirs = BASE.replace("三行目", "C")
    assert merge_texts(BASE, mine, theirs) == "一行目\nB\nC\n四行目\n五行目\n"


def test_the_same_edit_on_both_sides_is_applied_once():
    both = BASE.replace("三行目", "三行目を直しました")
    mine = both.replace("一行目", "一行目（私）")
    theirs = both + "六行目\n"
    merged = merge_texts(BASE, mine, theirs)
    assert merged == (
        "一行目（私）\n二行目\n三行目を直しました\n四行目\n五行目\n六行目\n"
    )
    assert merged.count("三行目を直しました") == 1


def test_the_same_insertion_on_both_sides_is_applied_once():
    mine = BASE.replace("二行目\n", "二行目\n追加\n")
    theirs = mine.replace("五行目", "五行目だけ変更")
    merged = merge_texts(BASE, mine, theirs)
    assert merged.count("追加") == 1
    assert "五行目だけ変更" in merged


def test_two_insertions_at_the_same_place_keep_both_theirs_first():
    mine = BASE.replace("三行目\n", "三行目\n私の行\n")
    theirs = BASE.replace("三行目\n", "三行目\nあなたの行\n")
    assert merge_texts(BASE, mine, theirs) == (
        "一行目\n二行目\n三行目\nあなたの行\n私の行\n四行目\n五行目\n"
    )


def test_insertions_at_the_start_of_an_empty_document_keep_both():
    assert merge_texts("", "私のメモ", "あなたのメモ") == "あなたのメモ\n私のメモ"


@pytest.mark.parametrize(
    ("mine", "theirs"),
    [
        # Both changed the same line differently.
        (BASE.replace("三行目", "三"), BASE.replace("三行目", "3")),
        # One deleted a line the other changed.
        (BASE.replace("三行目\n", ""), BASE.replace("三行目", "3")),
        # One changed two lines, the other one line between them.
        (
            BASE.replace("二行目", "2").replace("四行目", "4"),
            BASE.replace("二行目\n三行目\n四行目", "2\n3\n4"),
        ),
        # One inserted inside the block the other replaced.
        (
            BASE.replace("三行目\n", "三行目\n挿入\n"),
            BASE.replace("二行目\n三行目\n四行目", "置き換え"),
        ),
    ],
)
def test_different_edits_of_the_same_lines_are_a_conflict(mine, theirs):
    assert merge_texts(BASE, mine, theirs) is None
    assert merge_texts(BASE, theirs, mine) is None


def test_lines_added_at_the_end_without_a_final_newline_are_both_kept():
    """A textarea usually leaves the last line without a newline."""
    base = "議題\n- 予算"
    mine = "議題\n- 予算\n- 日程"
    theirs = "議題\n- 予算\n- 場所"
    assert merge_texts(base, mine, theirs) == "議題\n- 予算\n- 場所\n- 日程"


def test_a_change_of_the_last_line_without_newline_merges_with_an_earlier_edit():
    base = "a\nb"
    assert merge_texts(base, "a\nB", "A\nb") == "A\nB"
    assert merge_texts(base, "a\nb\nc", "A\nb") == "A\nb\nc"


def test_the_final_newline_follows_whoever_changed_it():
    assert merge_texts("a\nb", "a\nb\n", "A\nb") == "A\nb\n"
    assert merge_texts("a\nb\n", "a\nb", "A\nb\n") == "A\nb"
    assert merge_texts("a\nb\n", "a\nB\n", "A\nb\n") == "A\nB\n"


def test_windows_line_ends_do_not_make_every_line_a_change():
    base = "一\n二\n三\n"
    mine = "一\r\n二（私）\r\n三\r\n"
    theirs = "一\n二\n三（あなた）\n"
    assert merge_texts(base, mine, theirs) == "一\n二（私）\n三（あなた）\n"
    # A stray carriage return alone also ends a line.
    assert merge_texts("a\nb\n", "a\rb\rc\r", "A\nb\n") == "A\nb\nc\n"


def test_other_unicode_line_separators_stay_inside_their_line():
    base = "見出し\u2028続き\n本文\n"
    mine = "見出し\u2028続き\n本文（私）\n"
    theirs = "見出し\u2028続き（あなた）\n本文\n"
    assert merge_texts(base, mine, theirs) == "見出し\u2028続き（あなた）\n本文（私）\n"


def test_empty_texts():
    assert merge_texts("", "", "") == ""
    assert merge_texts("a\n", "", "a\n") == ""
    assert merge_texts("a\nb\n", "a\n", "b\n") == ""


# A randomized check with a fixed seed: every line added by either side is in
# the result, every line deleted by either side is gone, and the base lines
# nobody deleted keep their order.


def _edit(rng: random.Random, lines: list[str], tag: str) -> list[str]:
    lines = list(lines)
    added = 0
    for _ in range(rng.randint(1, 4)):
        action = rng.choice(["insert", "delete", "replace"])
        position = rng.randint(0, len(lines))
        if action == "insert" or not lines or position == len(lines):
            added += 1
            lines.insert(position, f"{tag}{added}")
        elif action == "delete":
            del lines[position]
        else:
            added += 1
            lines[position] = f"{tag}{added}"
    return lines


def _text(lines: list[str], rng: random.Random) -> str:
    text = "\n".join(lines)
    return text + "\n" if lines and rng.random() < 0.7 else text


def test_randomized_merges_lose_nothing():
    rng = random.Random(20240605)  # noqa: S311 - a fixed seed, not a secret
    merged_count = conflict_count = 0
    for _ in range(3000):
        base_lines = [f"b{i}" for i in range(rng.randint(0, 8))]
        mine_lines = _edit(rng, base_lines, "m")
        theirs_lines = _edit(rng, base_lines, "t")
        base = _text(base_lines, rng)
        mine, theirs = _text(mine_lines, rng), _text(theirs_lines, rng)
        result = merge_texts(base, mine, theirs)
        if result is None:
            conflict_count += 1
            continue
        merged_count += 1
        result_lines = result.split("\n")
        if result.endswith("\n"):
            result_lines.pop()
        counts = Counter(result_lines)
        for line in mine_lines + theirs_lines:
            if not line.startswith("b"):
                assert counts[line] == 1, (base, mine, theirs, result)
        deleted = (set(base_lines) - set(mine_lines)) | (
            set(base_lines) - set(theirs_lines)
        )
        assert not deleted & set(result_lines), (base, mine, theirs, result)
        kept = [line for line in result_lines if line.startswith("b")]
        assert kept == [line for line in base_lines if line not in deleted]
        if mine == base or theirs == base:
            assert result == (mine if theirs == base else theirs)
    # Both outcomes were exercised.
    assert merged_count > 500
    assert conflict_count > 500
