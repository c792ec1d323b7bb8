"""A fixed one-minute window per client address, counted in Django's cache
(local memory on the embedded default, Redis in production: then every server
process shares the count).

The client is REMOTE_ADDR: X-Forwarded-For can be written by anyone, so it is
trusted only from the proxies listed in TRUSTED_PROXY_IPS (gunicorn's WSGI
workers leave REMOTE_ADDR as the proxy's address, which would put every
client in one count). From such a proxy, the client is the last address it
appended to X-Forwarded-For.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def now() -> float:
    """The clock; tests replace it to stay inside one window."""
    return time.time()


@dataclass(frozen=True)
class Allowance:
    limit: int  # 0: no limit
    count: int
    reset_in: int  # seconds until the window ends

    @property
    def exceeded(self) -> bool:
        return bool(self.limit) and self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(self.limit - self.count, 0)


def take(client: str) -> Allowance:
    """Count one request of `client` and say whether it is within the limit.
    OPENDATA_RATE_LIMIT_PER_MINUTE = 0 switches the limit off."""
    limit = max(int(settings.OPENDATA_RATE_LIMIT_PER_MINUTE), 0)
    moment = now()
    window = int(moment // WINDOW_SECONDS)
    reset_in = max(int((window + 1) * WINDOW_SECONDS - moment), 1)
    if not limit:
        return Allowance(limit=0, count=0, reset_in=reset_in)
    key = f"opendata:rate:{client}:{window}"
    # add() is atomic and does nothing when the key exists; incr() is atomic on
    # Redis and under the local-memory cache's lock.
    cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    return Allowance(limit=limit, count=count, reset_in=reset_in)


def client_of(request) -> str:
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    if remote in settings.TRUSTED_PROXY_IPS:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        addresses = [a.strip() for a in forwarded if a.strip()]
        if addresses:
            return addresses[-1]
    return remote
