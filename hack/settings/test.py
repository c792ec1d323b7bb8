"""Test settings: the same services as configured by the environment, made fast."""

from .base import *  # noqa: F403
from .base import SECRET_KEY

SECRET_KEY = SECRET_KEY or "test-only-insecure-key"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://testserver"
# Django's static storage without manifest so tests need no collectstatic.
# Most tests publish pages without caring about matching; the matching tests
# switch embedding on with override_settings(MATCHING_EMBED_ON_PUBLISH="sync").
MATCHING_EMBED_ON_PUBLISH = "off"
# Notification emails leave inline once the test's on-commit callbacks run.
NOTIFICATIONS_DELIVERY = "sync"
# Search indexing is switched on per test, like matching.
SEARCH_INDEX_ON_PUBLISH = "off"
