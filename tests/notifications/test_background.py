"""hack.core.background: the executor notifications and matching share."""

import threading

from hack.core import background


def test_sync_runs_inline_after_commit(db, django_capture_on_commit_callbacks):
    ran = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        background.run_after_commit(ran.append, 1, mode="sync", name="tests")
    assert ran == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert ran == [1]


def test_off_runs_nothing(db, django_capture_on_commit_callbacks):
    ran = []
    with django_capture_on_commit_callbacks(execute=True):
        background.run_after_commit(ran.append, 1, mode="off", name="tests")
    assert ran == []


def test_background_runs_on_one_named_worker_thread_and_survives_errors():
    done = threading.Event()
    names = []

    def fail():
        raise RuntimeError("boom")

    def record():
        names.append(threading.current_thread().name)
        done.set()

    background.submit(fail, mode="background", name="tests-worker")
    background.submit(record, mode="background", name="tests-worker")
    assert done.wait(10)
    assert names[0].startswith("tests-worker")
    assert names[0] != threading.current_thread().name


def test_matching_keeps_its_public_names(settings):
    from hack.matching import background as matching_background

    settings.MATCHING_EMBED_ON_PUBLISH = "sync"
    ran = []
    matching_background._submit(ran.append, "page")
    assert ran == ["page"]
    assert callable(matching_background.after_commit)
