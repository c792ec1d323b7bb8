"""Fixtures for the Elasticsearch tests (imported by them: pytest only loads
files named conftest.py by itself)."""

from datetime import UTC, datetime

import numpy as np
import pytest

from hack.core import elastic
from hack.search.analysis import analyse_document
from hack.search.models import SearchEntry
from tests.search.es_stub import StubServer


@pytest.fixture
def es_reset():
    """No client, breaker or plugin answer survives from another test."""
    elastic.reset()
    yield
    elastic.reset()


@pytest.fixture
def es_stub(settings, es_reset):
    """A fake cluster ELASTICSEARCH_URL points at."""
    with StubServer() as server:
        settings.ELASTICSEARCH_URL = server.url
        settings.ELASTICSEARCH_INDEX_PREFIX = "test"
        settings.ELASTICSEARCH_TIMEOUT = 2.0
        yield server


def make_entry(
    page_id: int,
    title: str,
    body: str = "",
    *,
    kind: str = "need",
    live: bool = True,
    day: int = 1,
    facets: dict | None = None,
    vector: np.ndarray | None = None,
    model_name: str = "",
    es_pending: bool = True,
) -> SearchEntry:
    analysed = analyse_document(title, body)
    return SearchEntry.objects.create(
        page_id=page_id,
        kind=kind,
        is_live=live,
        title=title,
        url=f"/p/{page_id}/",
        body=body,
        date=datetime(2026, 1, day, tzinfo=UTC),
        facets=facets or {},
        term_hashes=analysed.hashes.tobytes(),
        term_counts=analysed.counts.tobytes(),
        lengths=analysed.lengths,
        surfaces=analysed.surfaces,
        title_reading=analysed.title_reading,
        model_name=model_name,
        vector=None if vector is None else vector.astype(np.float32).tobytes(),
        es_pending=es_pending,
    )
