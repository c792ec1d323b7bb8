import pytest

from hack.search import engine
from tests import factories


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
def people(site, coordinator):
    """A coordinator, a department with its staff, an organisation with a member."""
    department = factories.make_department()
    organization = factories.make_organization()
    return {
        "coordinator": coordinator,
        "department": department,
        "staff": factories.make_staff(department),
        "organization": organization,
        "member": factories.make_member(organization),
    }


@pytest.fixture
def fresh_index():
    engine.reset()
    yield
    engine.reset()


# The Elasticsearch fixtures (a reset client and a fake cluster) for every test here.
from tests.search.conftest_elastic import es_reset, es_stub  # noqa: E402, F401
