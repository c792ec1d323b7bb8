"""The embedded default for a developer's machine: DEBUG on, a local-only key."""

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=True)
# A development-only key, never used by production settings (which refuse to start
# without SECRET_KEY).
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-not-for-production"  # noqa: S105
