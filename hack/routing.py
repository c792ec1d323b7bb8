"""Websocket routes."""

from hack.workspaces.routing import websocket_urlpatterns as workspace_routes

websocket_urlpatterns: list = [*workspace_routes]
