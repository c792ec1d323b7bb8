"""OPENDATA_RATE_LIMIT_PER_MINUTE requests a minute per client address, counted
in the cache; over it, a 429 JSON error with Retry-After."""

import pytest
from django.test import override_settings

from hack.opendata import ratelimit

pytestmark = pytest.mark.django_db

NEEDS = "/api/v1/needs/"


@pytest.fixture
def clock(monkeypatch):
    """A clock stopped 15 seconds into a minute; `clock.now = …` moves it."""

    class Clock:
        now = 1_800_000_015.0

    monkeypatch.setattr(ratelimit, "now", lambda: Clock.now)
    return Clock


@override_settings(OPENDATA_RATE_LIMIT_PER_MINUTE=3)
def test_over_the_limit_is_429_with_retry_after(client, site, clock):
    remaining = []
    for _ in range(3):
        response = client.get(NEEDS)
        assert response.status_code == 200
        assert response["X-RateLimit-Limit"] == "3"
        remaining.append(response["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    response = client.get(NEEDS)
    assert response.status_code == 429
    assert response["Retry-After"] == "45"
    assert response["X-RateLimit-Remaining"] == "0"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["error"]["code"] == "rate_limited"
    assert "license" in data
    # Every kind of request counts, CSV and errors included.
    assert client.get("/api/v1/needs.csv").status_code == 429
    assert client.get("/api/openapi.json").status_code == 429


@override_settings(OPENDATA_RATE_LIMIT_PER_MINUTE=2)
def test_the_next_minute_starts_afresh(client, site, clock):
    client.get(NEEDS)
    client.get(NEEDS)
    assert client.get(NEEDS).status_code == 429
    clock.now += 45
    response = client.get(NEEDS)
    assert response.status_code == 200 and response["X-RateLimit-Remaining"] == "1"


@override_settings(OPENDATA_RATE_LIMIT_PER_MINUTE=1)
def test_each_client_address_has_its_own_allowance(client, site, clock):
    assert client.get(NEEDS, REMOTE_ADDR="192.0.2.1").status_code == 200
    assert client.get(NEEDS, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get(NEEDS, REMOTE_ADDR="192.0.2.2").status_code == 200
    # X-Forwarded-For is written by the client: it does not buy a new allowance.
    forged = client.get(
        NEEDS, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert forged.status_code == 429


@override_settings(OPENDATA_RATE_LIMIT_PER_MINUTE=1, TRUSTED_PROXY_IPS=["10.0.0.2"])
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance(
    client, site, clock
):
    def via_proxy(forwarded):
        return client.get(
            NEEDS, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    assert via_proxy("192.0.2.1") == 200
    assert via_proxy("192.0.2.1") == 429
    assert via_proxy("192.0.2.2") == 200
    # The proxy appends the address it saw: what the client wrote before it
    # does not count.
    assert via_proxy("198.51.100.9, 192.0.2.1") == 429
    # Without a forwarded address, the proxy is the client.
    assert client.get(NEEDS, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_the_limit_follows_the_setting_at_request_time(client, site, clock, settings):
    settings.OPENDATA_RATE_LIMIT_PER_MINUTE = 1
    client.get(NEEDS)
    assert client.get(NEEDS).status_code == 429
    settings.OPENDATA_RATE_LIMIT_PER_MINUTE = 5
    response = client.get(NEEDS)
    assert response.status_code == 200 and response["X-RateLimit-Remaining"] == "2"


def test_zero_switches_the_limit_off(client, site, clock, settings):
    settings.OPENDATA_RATE_LIMIT_PER_MINUTE = 0
    for _ in range(5):
        response = client.get(NEEDS)
        assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response


@override_settings(OPENDATA_RATE_LIMIT_PER_MINUTE=2)
def test_the_error_message_follows_the_request_language(client, site, clock):
    client.get(NEEDS)
    client.get(NEEDS)
    message = client.get(NEEDS, HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"]
    assert message == (
        "Too many requests: at most 2 a minute. Try again in 45 seconds."
    )
