"""The settings modules, each loaded in a fresh interpreter with a known environment."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_HOST = "hack.example.jp"

SHOW_SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "name": str(db["NAME"]),
    "host": db.get("HOST", ""),
    "port": str(db.get("PORT", "")),
    "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "channel_hosts": settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts"),
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION", ""),
    "email": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
    "language": settings.LANGUAGE_CODE,
    "time_zone": settings.TIME_ZONE,
    "use_tz": settings.USE_TZ,
    "auto_field": settings.DEFAULT_AUTO_FIELD,
}))
"""


def clean_env(**variables: str) -> dict[str, str]:
    """No DATABASE_URL, REDIS_URL, SECRET_KEY… unless given: the embedded default."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(variables)
    return env


def run(args: list[str], **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def show_settings(module: str, **variables: str) -> dict:
    result = run(["-c", SHOW_SETTINGS], DJANGO_SETTINGS_MODULE=module, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def production_secret_key() -> str:
    return secrets.token_urlsafe(60)  # 80 characters, well over Django's 50


# --- production refuses to start without a key --------------------------------


@pytest.mark.parametrize("extra", [{}, {"SECRET_KEY": ""}])
def test_production_refuses_to_start_without_secret_key(extra):
    result = run(
        ["-c", "import django; django.setup()"],
        DJANGO_SETTINGS_MODULE="hack.settings.production",
        **extra,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_production_manage_py_refuses_to_start_without_secret_key():
    result = run(
        ["manage.py", "check"], DJANGO_SETTINGS_MODULE="hack.settings.production"
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_ignores_debug_from_the_environment():
    shown = show_settings(
        "hack.settings.production", SECRET_KEY=production_secret_key(), DEBUG="1"
    )
    assert shown["debug"] is False


def _check_deploy() -> subprocess.CompletedProcess:
    return run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE="hack.settings.production",
        SECRET_KEY=production_secret_key(),
        ALLOWED_HOSTS=PRODUCTION_HOST,
    )


def test_check_deploy_passes_with_no_warnings():
    result = _check_deploy()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "ERRORS" not in output
    assert "no issues" in output


# --- the embedded default and the real services -------------------------------


def test_embedded_default_needs_no_services():
    shown = show_settings("hack.settings.base")
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["name"].endswith("var/db.sqlite3")
    assert shown["channel_layer"] == "channels.layers.InMemoryChannelLayer"
    assert shown["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shown["email"] == "django.core.mail.backends.filebased.EmailBackend"


def test_environment_switches_to_real_services():
    shown = show_settings(
        "hack.settings.base",
        DATABASE_URL="postgres://hack:secret@db.example:5433/hack",
        REDIS_URL="redis://redis.example:6379/2",
        EMAIL_URL="smtp://mailer:pw@smtp.example:587",
    )
    assert shown["engine"] == "django.db.backends.postgresql"
    assert (shown["name"], shown["host"], shown["port"]) == (
        "hack",
        "db.example",
        "5433",
    )
    assert shown["channel_layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert shown["channel_hosts"] == ["redis://redis.example:6379/2"]
    assert shown["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert shown["cache_location"] == "redis://redis.example:6379/2"
    assert shown["email"] == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize(
    "module",
    [
        "hack.settings.base",
        "hack.settings.dev",
        "hack.settings.test",
        "hack.settings.production",
    ],
)
def test_every_module_is_japanese_first(module):
    shown = show_settings(module, SECRET_KEY=production_secret_key())
    assert shown["language"] == "ja"
    assert shown["time_zone"] == "Asia/Tokyo"
    assert shown["use_tz"] is True
    assert shown["auto_field"] == "django.db.models.BigAutoField"


def test_dev_and_test_run_without_any_environment():
    for module in ("hack.settings.dev", "hack.settings.test"):
        result = run(
            [
                "-c",
                "import django; django.setup(); from django.conf import settings; "
                "assert settings.SECRET_KEY",
            ],
            DJANGO_SETTINGS_MODULE=module,
        )
        assert result.returncode == 0, result.stderr
