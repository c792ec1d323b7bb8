"""Open the workspace websocket as a logged-in person, through the real ASGI stack
(Origin check, cookies, sessions, auth)."""

import json

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

import hack.asgi

TIMEOUT = 10


def session_cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def communicator(path: str, session_key: str | None = None, origin=b"http://testserver"):
    headers = [(b"origin", origin)] if origin else []
    if session_key:
        headers.append(
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode())
        )
    return WebsocketCommunicator(hack.asgi.application, path, headers=headers)


async def receive(comm, timeout=TIMEOUT) -> dict:
    return json.loads(await comm.receive_from(timeout=timeout))


async def receive_until(comm, event_type: str, timeout=TIMEOUT) -> dict:
    while True:
        event = await receive(comm, timeout)
        if event["type"] == event_type:
            return event
