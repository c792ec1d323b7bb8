"""Websocket routes. Workspaces add theirs here (issue: working groups)."""

websocket_urlpatterns: list = []
