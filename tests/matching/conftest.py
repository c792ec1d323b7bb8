import pytest


@pytest.fixture
def sync(settings, django_capture_on_commit_callbacks):
    """Publishing embeds and refreshes suggestions after commit, as in production
    (inline instead of on the worker thread): `sync(make_seed, …)`."""
    settings.MATCHING_EMBED_ON_PUBLISH = "sync"

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run
