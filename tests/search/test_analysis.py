"""Search terms: Sudachi words, English stems and kanji/katakana bigrams."""

import pytest

from hack.search.analysis import (
    MAX_QUERY_CHARS,
    analyse_document,
    analyse_query,
    bigrams,
    term_hash,
    to_hiragana,
    words,
)


def _doc_terms(title, body=""):
    return set(analyse_document(title, body).hashes.tolist())


def _query_terms(text):
    return {
        h for c in analyse_query(text).concepts for hs in c.hashes.values() for h in hs
    }


@pytest.mark.parametrize("query", ["見守り", "みまもり", "見守る", "見守ります"])
@pytest.mark.parametrize(
    "text",
    ["高齢者見守りサービス", "高齢者の見守りをしたい", "地域で見守る", "みまもり隊"],
)
def test_spellings_and_inflections_of_one_word_share_a_term(query, text):
    # Including 見守りを, which Sudachi splits as 見 / 守り: the bigram 見守 still
    # connects it.
    assert _query_terms(query) & _doc_terms(text)


def test_width_and_katakana_variants_are_one_word():
    assert [w.term for w in words("ｻｰﾋﾞｽ")] == ["サービス"]
    assert [w.term for w in words("サーバ")] == [w.term for w in words("サーバー")]
    assert [w.term for w in words("ＡＩ")] == ["ai"]


def test_english_is_stemmed_and_stop_words_dropped():
    assert [w.term for w in words("Monitoring the sensors for seniors")] == [
        "monitor",
        "sensor",
        "senior",
    ]
    assert _query_terms("monitored sensor") <= _doc_terms("Sensors monitoring")


def test_particles_and_numbers_are_not_terms():
    assert [w.term for w in words("窓口の待ち時間を3つ短くしたい")] == [
        "窓口",
        "待つ",
        "時間",
        "短い",
    ]


def test_bigrams_of_kanji_and_katakana_runs():
    assert bigrams("高齢者の見守り") == ["高齢", "齢者", "見守"]
    assert bigrams("市") == ["市"]
    assert bigrams("ひらがなだけ") == []


def test_title_words_count_in_their_own_field():
    document = analyse_document("見守り", "センサー")
    assert term_hash("t", "見守る") in document.hashes.tolist()
    assert term_hash("t", "センサー") not in document.hashes.tolist()
    assert document.lengths == {"w": 2, "t": 1, "g": 4}


def test_title_reading_is_hiragana_for_suggestions():
    assert analyse_document("高齢者見守りサービス", "").title_reading == (
        "こうれいしゃみまもりさーびす"
    )
    assert to_hiragana("ミマモリ") == "みまもり"


def test_document_keeps_how_each_word_is_written_for_highlighting():
    surfaces = analyse_document("見守りIoT", "毎日見守ります").surfaces
    assert surfaces["見守る"] == ["見守り"]
    assert surfaces["iot"] == ["iot"]


def test_a_kanji_run_sudachi_does_not_read_as_a_word_still_counts():
    analysed = analyse_query("横浜駅")
    assert analysed.concepts
    assert "横浜" in analysed.marks


def test_a_long_query_is_cut_and_an_empty_one_has_no_concepts():
    analysed = analyse_query("見守り" * 5_000)
    assert len(analysed.text) == MAX_QUERY_CHARS
    assert analyse_query("").is_empty
    assert analyse_query("   ").is_empty
    # Only particles and interjections: text, but nothing to look for.
    assert analyse_query("のをに").is_empty
    assert analyse_query("のをに").text == "のをに"


def test_term_hash_is_stable_across_processes():
    # blake2b, not Python's salted hash(): every process must agree.
    assert term_hash("w", "見守る") == term_hash("w", "見守る")
    assert term_hash("w", "見守る") != term_hash("t", "見守る")
    assert term_hash("w", "a") == 266679885235085104
