"""The WSGI application: plain HTTP in production under gunicorn's workers, while
daphne serves only the websockets (/ws/); see the README's production layout."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hack.settings.dev")
application = get_wsgi_application()

from hack.matching.encoders import get_encoder  # noqa: E402

# As in hack.asgi: a bad MATCHING_MODEL stops the server at startup.
get_encoder()
