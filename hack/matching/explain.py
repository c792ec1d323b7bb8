"""Why a need and a seed were paired, in words a department can check.

Three parts: the sentences of the need and of the seed that mean the most
similar things (found with the sentence vectors stored with each version),
the key terms both texts use, and the type reason (match_types.label_pair).
"""

from dataclasses import dataclass

import numpy as np

from .lexical import shared_terms
from .models import Embedding

# Sentences of a need are compared to sentences of a seed; pairs below this
# cosine are not worth showing as evidence.
MIN_SENTENCE_SIMILARITY = 0.80


@dataclass(frozen=True)
class Explanation:
    similar_sentences: list[dict]
    shared_terms: list[str]


def explain_pair(need: Embedding, seed: Embedding, *, pairs: int = 2) -> Explanation:
    need_vectors = need.get_sentence_vectors()
    seed_vectors = seed.get_sentence_vectors()
    similar = []
    if len(need_vectors) and len(seed_vectors):
        matrix = need_vectors @ seed_vectors.T
        # The best seed sentence for each need sentence, strongest pairs first,
        # each need sentence used once.
        best_seed = matrix.argmax(axis=1)
        best = matrix[np.arange(len(need_vectors)), best_seed]
        for row in np.argsort(-best)[:pairs]:
            if best[row] < MIN_SENTENCE_SIMILARITY and similar:
                break
            similar.append(
                {
                    "need": need.sentences[row],
                    "seed": seed.sentences[best_seed[row]],
                    "similarity": round(float(best[row]), 3),
                }
            )
    return Explanation(
        similar_sentences=similar,
        shared_terms=shared_terms(need.tokens, seed.tokens),
    )
