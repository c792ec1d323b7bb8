"""The ASGI application: HTTP through Django, websockets through Channels."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hack.settings.dev")
# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from hack.matching.encoders import get_encoder  # noqa: E402
from hack.routing import websocket_urlpatterns  # noqa: E402

# Load the matching model now: a bad MATCHING_MODEL stops the server at startup
# with a message naming the setting, instead of a 500 at the first request.
get_encoder()

# Everything loaded so far (Django, the model, torch) lives as long as the
# process: keep it out of the garbage collector's full passes, which otherwise
# walked it all and held a process with a thousand workspace sockets for
# 150–300 ms several times a minute (bench/workspaces.py).
gc.freeze()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
