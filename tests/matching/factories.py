"""Matches made directly (fast), and pages embedded for real (slower, exact)."""

import itertools

from wagtail.models import Page

from hack.matching.encoders import get_encoder
from hack.matching.indexing import embed_pages
from hack.matching.models import Embedding, Match, MatchState
from hack.needs.models import NeedPage
from hack.seeds.models import SeedPage

_rank = itertools.count(1)

# Texts about the same problem in different words, as real pairs often are.
CARE_NEED = {
    "title": "団地で孤立しがちな高齢者の異変に早く気づきたい",
    "summary": "一人暮らしの高齢者が増え、地域の見守りが追いつきません。",
    "current_situation": "民生委員が訪問していますが、回数に限りがあります。",
    "pain_points": "異変に気づくのが遅れることがあります。",
    "desired_outcome": "生活の変化を早く知り、声かけにつなげたい。",
    "constraints": "カメラは使わず、プライバシーに配慮すること。",
    "specificity": "low",
    "field": "welfare",
}
CARE_SEED = {
    "title": "電力とドアの開閉から独居シニアの暮らしの変化を見守るIoT",
    "summary": "工事不要のセンサーで一人暮らしの高齢者の異変を家族と地域に知らせます。",
    "description": (
        "カメラを使わずに生活リズムの変化をとらえ、見守り担当者へ通知します。"
    ),
    "tags": ["見守り", "IoT", "高齢者"],
    "maturity": "prototype",
}
TOURISM_SEED = {
    "title": "観光地の混雑を予測して分散を促すアプリ",
    "summary": "人流データから混雑を予測し、観光客に空いている時間帯を案内します。",
    "description": "観光協会と連携して、周遊ルートを提案します。",
    "tags": ["観光", "混雑予測"],
    "maturity": "deployed_elsewhere",
    "deployments": 4,
    "municipalities": "鎌倉市\n箱根町\n日光市\n京都市",
}


def make_match(need: NeedPage, seed: SeedPage, **fields) -> Match:
    """A stored suggestion as the matcher would leave it, without encoding."""
    values = {
        "state": MatchState.SUGGESTED,
        "rank": next(_rank),
        "score": 1.23,
        "semantic": 0.9,
        "lexical": 0.4,
        "type_fit": 1.0,
        "match_type": 2,
        "type_reason": "Type 2: solution technology: it has been validated.",
        "similar_sentences": [
            {
                "need": "待ち時間の見通しが伝わらず、苦情が増えています。",
                "seed": "混雑の見通しを来庁前に知らせます。",
                "similarity": 0.91,
            }
        ],
        "shared_terms": ["待ち時間", "窓口"],
    }
    values.update(fields)
    return Match.objects.create(need=need, seed=seed, **values)


def embed(*pages: Page) -> list[Embedding]:
    """Embed the live version of each page with the configured encoder."""
    encoder = get_encoder()
    embed_pages(pages, encoder=encoder)
    return [
        Embedding.objects.get(page_id=p.pk, model_name=encoder.name, is_current=True)
        for p in pages
    ]
