"""The WSGI entry point gunicorn serves plain HTTP with in production."""

from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@pytest.fixture
def keep_test_connection():
    """The handler closes database connections around each request, as in
    production; the test's connection holds the test transaction, so keep it
    (django.test.Client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_wsgi_application_serves_a_page(site, settings, keep_test_connection):
    from hack.wsgi import application

    assert isinstance(application, WSGIHandler)
    assert settings.WSGI_APPLICATION == "hack.wsgi.application"
    environ = {"PATH_INFO": "/needs/", "HTTP_HOST": "testserver"}
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status
        seen["headers"] = dict(headers)

    body = b"".join(application(environ, start_response))
    assert seen["status"].startswith("200")
    assert seen["headers"]["Content-Type"].startswith("text/html")
    assert "ニーズ".encode() in body
