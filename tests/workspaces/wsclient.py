"""Open the workspace websocket as a logged-in person, through the real ASGI stack
(Origin check, cookies, sessions, auth), and read what it sends."""

import importlib.util
import json

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

import hack.asgi

TIMEOUT = 10
ORIGIN = b"http://testserver"


def session_cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def workspace_path(group, after: int | None = None) -> str:
    path = f"/ws/workspaces/{getattr(group, 'pk', group)}/"
    return path if after is None else f"{path}?after={after}"


def communicator(
    path: str,
    session_key: str | None = None,
    origin: bytes | None = ORIGIN,
    application=None,
):
    headers = [(b"origin", origin)] if origin else []
    if session_key:
        headers.append(
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode())
        )
    return WebsocketCommunicator(
        application or hack.asgi.application, path, headers=headers
    )


def fresh_application():
    """hack.asgi's application built again under the current settings:
    AllowedHostsOriginValidator reads ALLOWED_HOSTS when the router is built, and
    the test settings allow every host. hack.asgi itself is left untouched."""
    spec = importlib.util.spec_from_file_location(
        "_fresh_hack_asgi", hack.asgi.__file__
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.application


async def receive(comm, timeout=TIMEOUT) -> dict:
    return json.loads(await comm.receive_from(timeout=timeout))


async def receive_until(comm, event_type: str, timeout=TIMEOUT) -> dict:
    """The next event of that type; other events before it are skipped."""
    while True:
        event = await receive(comm, timeout)
        if event["type"] == event_type:
            return event


async def receive_close(comm, timeout=TIMEOUT) -> tuple[int, list[dict]]:
    """Read until the server closes the socket: its close code and the events
    that came before."""
    events = []
    while True:
        output = await comm.receive_output(timeout)
        if output["type"] == "websocket.close":
            return output.get("code", 1000), events
        events.append(json.loads(output["text"]))


async def receive_messages(comm, up_to_seq: int, timeout=TIMEOUT) -> list[dict]:
    """Every message.created until the one with seq `up_to_seq` (included), in
    the order they came, duplicates and all."""
    messages = []
    while True:
        event = await receive_until(comm, "message.created", timeout)
        messages.append(event)
        if event["seq"] >= up_to_seq:
            return messages
