"""One row per searchable page: what every backend indexes.

The row is the source of truth for the in-process index of every web process
(loaded at start, then only rows changed since: `updated_at`) and for
Elasticsearch (`es_pending` marks rows it has not acknowledged yet). A page that
is unpublished or deleted keeps its row with `is_live=False` so every process
learns that it must drop it.
"""

import numpy as np
from django.db import models


class SearchEntry(models.Model):
    page_id = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=10)
    is_live = models.BooleanField(default=True)
    lang = models.CharField(max_length=5, default="ja")
    title = models.CharField(max_length=255)
    url = models.CharField(max_length=500)
    # The text snippets are cut from (and Elasticsearch analyses).
    body = models.TextField(blank=True)
    date = models.DateTimeField(null=True)
    # facet name → value code (single-valued; "" when it does not apply).
    facets = models.JSONField(default=dict)
    # hack/search/analysis.py: hashed terms and their counts, per-field lengths,
    # how each normalised word is written in this text, the title in hiragana.
    term_hashes = models.BinaryField()
    term_counts = models.BinaryField()
    lengths = models.JSONField(default=dict)
    surfaces = models.JSONField(default=dict)
    title_reading = models.CharField(max_length=500, blank=True)
    # The matching encoder's passage vector of title + body (float32).
    model_name = models.CharField(max_length=200, blank=True)
    vector = models.BinaryField(null=True)
    text_hash = models.CharField(max_length=64, blank=True)
    es_pending = models.BooleanField(default=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["is_live", "kind"])]

    def __str__(self):
        return f"{self.kind} {self.page_id}: {self.title}"

    def get_vector(self) -> np.ndarray | None:
        if not self.vector:
            return None
        return np.frombuffer(bytes(self.vector), dtype=np.float32)

    def get_terms(self) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.frombuffer(bytes(self.term_hashes), dtype=np.int64),
            np.frombuffer(bytes(self.term_counts), dtype=np.uint16),
        )
