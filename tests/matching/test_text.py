"""Text preparation: normalisation, the length cap, sentences and language."""

from hack.matching.text import (
    MAX_TEXT_CHARS,
    detect_language,
    prepare_text,
    split_sentences,
    text_hash,
)


def test_prepare_text_folds_full_width_letters_and_digits():
    prepared = prepare_text("ＡＩで窓口を１２３件", "ＩｏＴ")

    assert prepared.text == "AIで窓口を123件\nIoT"
    assert prepared.truncated is False


def test_prepare_text_skips_empty_and_blank_parts():
    prepared = prepare_text("", "  見守り  ", "\n\t", None, "IoT")

    assert prepared.text == "見守り\nIoT"


def test_prepare_text_of_nothing_is_empty():
    assert prepare_text().text == ""
    assert prepare_text("", "   ").text == ""


def test_prepare_text_cuts_long_text_with_a_note():
    prepared = prepare_text("あ" * 25_000)

    assert prepared.truncated is True
    assert len(prepared.text) == MAX_TEXT_CHARS == 20_000


def test_prepare_text_at_the_limit_is_not_truncated():
    prepared = prepare_text("a" * MAX_TEXT_CHARS)

    assert prepared.truncated is False
    assert len(prepared.text) == MAX_TEXT_CHARS


def test_prepare_text_counts_the_joined_length():
    # Two parts of 10,000 characters and the line break between them: one over.
    prepared = prepare_text("a" * 10_000, "b" * 10_000)

    assert prepared.truncated is True
    assert prepared.text.endswith("b" * (MAX_TEXT_CHARS - 10_001))


def test_text_hash_changes_with_the_text():
    assert text_hash("見守り") == text_hash("見守り")
    assert text_hash("見守り") != text_hash("見守る")
    assert len(text_hash("")) == 64


def test_split_sentences_japanese():
    text = "窓口が混んでいます。待ち時間が長い！どうすればよいでしょうか？"

    assert split_sentences(text) == [
        "窓口が混んでいます。",
        "待ち時間が長い！",
        "どうすればよいでしょうか？",
    ]


def test_split_sentences_english():
    text = "The queue is long.  People wait for hours!\nWhat can we do?"

    assert split_sentences(text) == [
        "The queue is long.",
        "People wait for hours!",
        "What can we do?",
    ]


def test_split_sentences_on_line_breaks_and_collapses_spaces():
    text = "一行目の文です\n\n二行目の   文です"

    assert split_sentences(text) == ["一行目の文です", "二行目の 文です"]


def test_split_sentences_drops_fragments_shorter_than_min_chars():
    assert split_sentences("はい。窓口が混んでいます。") == ["窓口が混んでいます。"]
    assert split_sentences("はい。", min_chars=1) == ["はい。"]


def test_split_sentences_of_empty_text():
    assert split_sentences("") == []
    assert split_sentences(None) == []


def test_detect_language():
    assert detect_language("独居シニアの見守り") == "ja"
    assert detect_language("Monitoring seniors who live alone") == "en"
    # Kana or kanji in a tenth of the letters is enough: Japanese with English terms.
    assert detect_language("IoTセンサーとAIで見守るサービス") == "ja"
    # One Japanese word in a long English sentence is still English.
    assert (
        detect_language("We would like to offer our monitoring service 見守り") == "en"
    )


def test_detect_language_without_letters_defaults_to_japanese():
    assert detect_language("") == "ja"
    assert detect_language("123 456!") == "ja"
