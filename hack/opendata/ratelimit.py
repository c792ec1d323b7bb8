"""A fixed one-minute window per client address, counted in Django's cache
(local memory on the embedded default, Redis in production: then every server
process shares the count).

The client is REMOTE_ADDR: X-Forwarded-For can be written by anyone, so it is
not trusted. Behind a reverse proxy, that proxy must set REMOTE_ADDR (e.g.
gunicorn's --forwarded-allow-ips with the proxy's address).
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
    return request.META.get("REMOTE_ADDR") or "unknown"
