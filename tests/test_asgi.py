"""The ASGI entry point: HTTP through Django, websockets behind the Origin check."""

import importlib.util

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter
from channels.security.websocket import OriginValidator
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.db import connections

import hack.asgi

TIMEOUT = 30
# The flush after a transactional test empties every table, Wagtail's root page
# (made by a data migration) included; serialized_rollback puts it back.
TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def application(settings):
    """hack.asgi's application built under production-like ALLOWED_HOSTS.

    AllowedHostsOriginValidator reads ALLOWED_HOSTS when the router is built, and the
    test settings allow every host ("*"), which would let any Origin through. So the
    module's code is run again as a separate module (hack.asgi itself is untouched)
    once the setting is overridden.
    """
    settings.ALLOWED_HOSTS = ["testserver", ".hack.example.jp"]
    spec = importlib.util.spec_from_file_location(
        "_fresh_hack_asgi", hack.asgi.__file__
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.application


def test_application_routes_http_and_websocket():
    application = hack.asgi.application
    assert isinstance(application, ProtocolTypeRouter)
    assert set(application.application_mapping) == {"http", "websocket"}
    websocket = application.application_mapping["websocket"]
    assert isinstance(websocket, OriginValidator)
    # AuthMiddlewareStack = cookies → sessions → auth
    assert (
        type(websocket.application).__name__ == type(AuthMiddlewareStack(None)).__name__
    )


def _http_get(application, path: str, host: bytes = b"testserver") -> dict:
    async def request():
        communicator = HttpCommunicator(
            application, "GET", path, headers=[(b"host", host)]
        )
        try:
            return await communicator.get_response(timeout=TIMEOUT)
        finally:
            # Django served the request in asgiref's sync thread: close the database
            # connection it opened there, or PostgreSQL cannot drop the test database.
            await sync_to_async(connections.close_all)()

    return async_to_sync(request)()


@TRANSACTIONAL
def test_http_request_through_asgi(site, application):
    response = _http_get(application, "/needs/")
    assert response["status"] == 200
    assert "ニーズ".encode() in response["body"]
    headers = {name.lower(): value for name, value in response["headers"]}
    assert headers[b"content-type"].startswith(b"text/html")


@TRANSACTIONAL
def test_http_through_the_imported_application(site):
    assert _http_get(hack.asgi.application, "/needs/")["status"] == 200


@TRANSACTIONAL
def test_unknown_host_is_refused_over_http(site, application):
    assert _http_get(application, "/needs/", host=b"evil.example")["status"] == 400


def _ws_connect(application, path: str, headers: list):
    async def connect():
        communicator = WebsocketCommunicator(application, path, headers=headers)
        try:
            return await communicator.connect(timeout=TIMEOUT)
        finally:
            await communicator.disconnect()

    return async_to_sync(connect)()


@TRANSACTIONAL
@pytest.mark.parametrize(
    "headers",
    [
        [(b"origin", b"http://evil.example")],
        [(b"origin", b"https://testserver.evil.example")],
        [(b"origin", b"null")],
        [],  # no Origin at all
    ],
    ids=["foreign", "lookalike", "null", "missing"],
)
def test_websocket_from_a_foreign_origin_is_refused(application, headers):
    connected, _code = _ws_connect(application, "/ws/workspaces/1/", headers)
    assert connected is False


@TRANSACTIONAL
@pytest.mark.parametrize(
    "origin", [b"http://testserver", b"https://www.hack.example.jp"]
)
def test_websocket_from_an_allowed_origin_passes_the_check(application, origin):
    """An allowed Origin gets past the validator to the router (which then finds no
    such route: the point is only that the Origin check let it through)."""
    with pytest.raises(ValueError, match="No route found"):
        _ws_connect(application, "/ws/no-such-route/", [(b"origin", origin)])
