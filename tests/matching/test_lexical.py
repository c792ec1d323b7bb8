"""Japanese-aware lexical matching: SudachiPy content words scored with BM25."""

import numpy as np
import pytest

from hack.matching.lexical import STOP_TERMS, LexicalIndex, shared_terms, tokenize
from hack.matching.text import MAX_TEXT_CHARS, prepare_text


def test_tokenize_keeps_content_words_and_drops_particles():
    assert tokenize("窓口の待ち時間を短くしたい") == ["窓口", "待つ", "時間", "短い"]


def test_tokenize_drops_stop_terms():
    # 横浜市, 職員, 市民, サービス, 提供, する: all in STOP_TERMS or function words.
    assert tokenize("横浜市の職員が市民にサービスを提供する") == []
    assert {"横浜市", "職員", "市民", "サービス", "提供"} <= STOP_TERMS


def test_tokenize_drops_numbers():
    assert "3" not in tokenize("IoTセンサーを3台")
    assert tokenize("IoTセンサーを3台")[:2] == ["iot", "センサー"]


@pytest.mark.parametrize(
    "text", ["見守る", "見守り", "見守ります", "見守った", "見守られる", "見守り活動"]
)
def test_tokenize_normalises_inflections_to_one_term(text):
    assert "見守る" in tokenize(text)


def test_tokenize_shares_the_term_between_verb_and_noun_uses():
    need = tokenize("独居の高齢者を見守りたい")
    seed = tokenize("見守りサービスで高齢者の異変に気づく")

    assert shared_terms(need, seed) == ["高齢者", "見守る"]


@pytest.mark.xfail(
    strict=True,
    reason="Sudachi core splits 見守り before を into 見 / 守り (dictionary gap)",
)
def test_tokenize_normalises_the_noun_before_a_particle():
    assert "見守る" in tokenize("高齢者の見守りをしたい")


def test_tokenize_keeps_english_words_as_typed_in_lower_case():
    # Sudachi would read them as katakana (Monitoring → モニタリング).
    assert tokenize("Monitoring Sensors for Seniors") == [
        "monitoring",
        "sensors",
        "seniors",
    ]


def test_tokenize_folds_full_width_after_prepare_text():
    assert tokenize(prepare_text("ＡＩ窓口").text) == tokenize("AI窓口")
    assert "ai" in tokenize("AI窓口")


def test_tokenize_empty_text():
    assert tokenize("") == []
    assert tokenize(None) == []


def test_tokenize_accepts_a_text_cut_at_max_text_chars():
    # 20,000 Japanese characters are 60,000 bytes of UTF-8; SudachiPy refuses
    # more than 49,149 in one call.
    sentence = "窓口の待ち時間を減らしたい。"
    text = prepare_text(sentence * 2_000).text
    assert len(text) == MAX_TEXT_CHARS
    assert len(text.encode()) > 49_149

    tokens = tokenize(text)

    assert tokens[:4] == ["窓口", "待つ", "時間", "減らす"]
    # Chunks are cut at sentence ends: no word is split at a border.
    whole = MAX_TEXT_CHARS // len(sentence)
    tail = text[whole * len(sentence) :]
    assert len(tokens) == 4 * whole + len(tokenize(tail))
    assert set(tokens) == {"窓口", "待つ", "時間", "減らす"}


def test_tokenize_a_long_text_without_sentence_ends():
    text = "見守り" * 10_000 + "。"

    assert len(text.encode()) > 49_149
    assert "見守る" in tokenize(text)


def test_tokenize_accepts_a_long_english_text():
    text = prepare_text("The queue at the counter is long. " * 1_000).text

    assert "queue" in tokenize(text)


DOCUMENTS = [
    "独居の高齢者を見守るIoTセンサー",
    "窓口の待ち時間を短くする予約システム",
    "道路の舗装工事を管理するアプリ",
]


@pytest.fixture(scope="module")
def index():
    return LexicalIndex([tokenize(d) for d in DOCUMENTS])


def test_lexical_index_ranks_the_document_sharing_terms_first(index):
    scores = index.scores(tokenize("高齢者の見守りセンサー"))

    assert scores.shape == (3,)
    assert scores[0] > 0
    assert scores[1] == scores[2] == 0


def test_lexical_index_prefers_more_shared_terms(index):
    scores = index.scores(tokenize("窓口の待ち時間を予約で短く"))

    assert int(np.argmax(scores)) == 1
    assert scores[1] > index.scores(["窓口"])[1] > 0


def test_lexical_index_empty_or_unknown_query_scores_zero(index):
    for query in ([], ["宇宙"], tokenize("")):
        scores = index.scores(query)
        assert scores.shape == (3,)
        assert not scores.any()


def test_lexical_index_on_an_empty_corpus():
    index = LexicalIndex([])

    assert index.size == 0
    assert index.scores(["高齢者"]).shape == (0,)


def test_lexical_index_with_documents_without_tokens():
    index = LexicalIndex([[], tokenize("高齢者の見守り"), []])

    scores = index.scores(["高齢者"])
    assert scores.shape == (3,)
    assert scores[1] > 0
    assert scores[0] == scores[2] == 0


def test_lexical_index_where_no_document_has_tokens():
    index = LexicalIndex([[], []])

    assert not index.scores(["高齢者"]).any()
    assert index.scores(["高齢者"]).shape == (2,)


def test_shared_terms_longest_first_then_in_need_order():
    need = ["見守り", "ai", "高齢者", "ai", "センサー", "独居"]
    seed = ["独居", "ai", "センサー", "高齢者", "見守り"]

    assert shared_terms(need, seed) == ["センサー", "見守り", "高齢者", "ai", "独居"]


def test_shared_terms_limit_and_no_overlap():
    need = ["aaaa", "bbb", "cc", "d"]

    assert shared_terms(need, need, limit=2) == ["aaaa", "bbb"]
    assert shared_terms(need, ["zz"]) == []
    assert shared_terms([], need) == []
