"""The WSGI entry point gunicorn serves plain HTTP with in production."""

from wsgiref.util import setup_testing_defaults

from django.core.handlers.wsgi import WSGIHandler


def test_wsgi_application_serves_a_page(site, settings):
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
