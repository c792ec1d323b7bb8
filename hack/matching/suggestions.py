"""Ranked suggestions, stored as Match rows that coordinators curate.

`refresh_suggestions_for_need` keeps the top suggestions of a need up to date
while leaving what people decided alone: accepted and pinned pairs stay, and a
rejected pair comes back only when the need's or the seed's text has changed
substantially since the rejection.
"""

import numpy as np
from django.db import transaction

from hack.needs.models import NeedPage
from hack.seeds.models import SeedPage

from . import elastic, match_types
from .engine import Corpora, get_corpora
from .explain import explain_pair
from .models import (
    ContentKind,
    CurationAction,
    CurationEvent,
    Embedding,
    Match,
    MatchState,
)

SUGGESTIONS_PER_NEED = 20
# How many needs a changed seed is re-scored against.
NEEDS_PER_SEED = 30
# Below this cosine between the version a rejection was about and the current
# version, the text counts as substantially changed.
SUBSTANTIAL_CHANGE = 0.95


def _current(page_id: int, model_name: str) -> Embedding | None:
    return Embedding.objects.filter(
        page_id=page_id, model_name=model_name, is_current=True
    ).first()


def changed_substantially(
    page_id: int, old_hash: str, current: Embedding | None
) -> bool:
    if current is None or not old_hash or current.text_hash == old_hash:
        return False
    old = Embedding.objects.filter(
        page_id=page_id, model_name=current.model_name, text_hash=old_hash
    ).first()
    if old is None:
        return True
    return float(np.dot(old.get_vector(), current.get_vector())) < SUBSTANTIAL_CHANGE


@transaction.atomic
def refresh_suggestions_for_need(
    *, need_id: int, corpora: Corpora | None = None
) -> list[Match]:
    corpora = corpora or get_corpora()
    need_item = corpora.needs.get(need_id)
    matches = {m.seed_id: m for m in Match.objects.filter(need_id=need_id)}
    if need_item is None:
        # Not published (any more): drop open suggestions, keep decisions.
        Match.objects.filter(
            need_id=need_id, state=MatchState.SUGGESTED, pinned=False
        ).delete()
        return []
    need_embedding = _current(need_id, corpora.model_name)
    rejected = [m for m in matches.values() if m.state == MatchState.REJECTED]
    # With Elasticsearch and a large corpus, it proposes the candidates (kNN +
    # BM25) and the exact ranker orders them; otherwise every seed is ranked.
    candidates = elastic.candidate_seeds(
        need_item,
        corpus_size=len(corpora.seeds),
        dim=len(need_item.vector),
        model_name=corpora.model_name,
    )
    scored = corpora.seeds.rank(
        need_item, k=SUGGESTIONS_PER_NEED + len(rejected), allowed=candidates
    )
    need = NeedPage.objects.get(pk=need_id)
    seed_ids = [s.key for s in scored]
    seeds = SeedPage.objects.in_bulk(seed_ids)
    # One query for the seeds' current embeddings, not one per suggestion.
    seed_embeddings = {
        e.page_id: e
        for e in Embedding.objects.filter(
            page_id__in=seed_ids, model_name=corpora.model_name, is_current=True
        )
    }
    kept = []
    for result in scored:
        if len(kept) >= SUGGESTIONS_PER_NEED:
            break
        match = matches.get(result.key)
        seed_embedding = seed_embeddings.get(result.key)
        seed = seeds.get(result.key)
        if seed is None or seed_embedding is None:
            continue
        if match is not None and match.state == MatchState.REJECTED:
            if not (
                changed_substantially(need_id, match.need_text_hash, need_embedding)
                or changed_substantially(
                    result.key, match.seed_text_hash, seed_embedding
                )
            ):
                continue
            match.state = MatchState.SUGGESTED
            CurationEvent.objects.create(
                match=match,
                action=CurationAction.RESURFACED,
                reason=match.reject_reason,
            )
        match = match or Match(need_id=need_id, seed_id=result.key)
        label = match_types.label_pair(
            specificity=need.specificity,
            maturity=seed.maturity,
            deployments=seed.deployments,
        )
        explanation = explain_pair(need_embedding, seed_embedding)
        match.rank = len(kept) + 1
        match.score = result.score
        match.semantic = result.semantic
        match.lexical = result.lexical
        match.type_fit = result.type_fit
        match.match_type = label.match_type
        match.type_reason = label.reason
        match.similar_sentences = explanation.similar_sentences
        match.shared_terms = explanation.shared_terms
        match.save()
        kept.append(match)
    # Suggestions that fell out of the top are forgotten unless someone acted.
    kept_ids = [m.pk for m in kept]
    Match.objects.filter(
        need_id=need_id, state=MatchState.SUGGESTED, pinned=False
    ).exclude(pk__in=kept_ids).delete()
    Match.objects.filter(need_id=need_id).exclude(pk__in=kept_ids).update(rank=None)
    return kept


def refresh_suggestions_for_seed(*, seed_id: int) -> None:
    """A seed changed: re-score the needs it is now close to, and those it was in."""
    corpora = get_corpora()
    need_ids = set(
        Match.objects.filter(seed_id=seed_id).values_list("need_id", flat=True)
    )
    seed_item = corpora.seeds.get(seed_id)
    if seed_item is not None:
        need_ids.update(s.key for s in corpora.needs.rank(seed_item, k=NEEDS_PER_SEED))
    for need_id in sorted(need_ids):
        refresh_suggestions_for_need(need_id=need_id, corpora=corpora)


def refresh_after_change(page_id: int, kind: str) -> None:
    if kind == ContentKind.NEED:
        refresh_suggestions_for_need(need_id=page_id)
    else:
        refresh_suggestions_for_seed(seed_id=page_id)
