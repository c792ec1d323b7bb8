from django.urls import path

from .consumers import WorkspaceConsumer

websocket_urlpatterns = [
    path("ws/workspaces/<int:group_id>/", WorkspaceConsumer.as_asgi()),
]
