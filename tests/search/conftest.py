import pytest

from hack.search import engine


@pytest.fixture
def indexing(settings, django_capture_on_commit_callbacks):
    """Publishing indexes after commit, as in production (inline instead of on
    the worker thread): `indexing(make_seed, …)`. Each test starts from an
    empty process index."""
    settings.SEARCH_INDEX_ON_PUBLISH = "sync"
    engine.reset()

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    yield run
    engine.reset()


@pytest.fixture
def fresh_index():
    engine.reset()
    yield
    engine.reset()


# The Elasticsearch fixtures (a reset client and a fake cluster) for every test here.
from tests.search.conftest_elastic import es_reset, es_stub  # noqa: E402, F401
