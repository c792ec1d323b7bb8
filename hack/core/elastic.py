"""The Elasticsearch client every app shares, a circuit breaker, and the
Japanese analysers both the search index and the matching indexes use.

Nothing here runs unless ELASTICSEARCH_URL is set. The client never retries
and gives up after ELASTICSEARCH_TIMEOUT seconds, so a slow cluster costs a
page at most that long once; after that the circuit breaker refuses every call
at once for COOL_DOWN_SECONDS, then lets one trial call through. Callers wrap
each call in `guarded()` and fall back (or leave work pending) when it raises
`ElasticsearchUnavailable`.
"""

import logging
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)

# How long an open circuit refuses calls before one trial call may go through.
COOL_DOWN_SECONDS = 30.0
KUROMOJI_PLUGIN = "analysis-kuromoji"


class ElasticsearchUnavailable(Exception):
    """The cluster is down, slow, overloaded, or the circuit is open."""


class CircuitOpen(ElasticsearchUnavailable):
    """Refused without a network call: the cluster failed a moment ago."""


def is_configured() -> bool:
    return bool(settings.ELASTICSEARCH_URL)


_clients: dict[tuple[str, float], object] = {}
_clients_lock = threading.Lock()


def get_client():
    """The process-wide client for ELASTICSEARCH_URL (one per URL and timeout)."""
    if not is_configured():
        raise ElasticsearchUnavailable("ELASTICSEARCH_URL is not set")
    key = (settings.ELASTICSEARCH_URL, float(settings.ELASTICSEARCH_TIMEOUT))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            from elasticsearch import Elasticsearch

            client = Elasticsearch(
                key[0],
                request_timeout=key[1],
                # One attempt: a retry would double the time a page waits.
                max_retries=0,
                retry_on_timeout=False,
                retry_on_status=(),
            )
            _clients[key] = client
        return client


class CircuitBreaker:
    """Closed → (a failure) → open for `cool_down` seconds → one trial call.

    A successful trial closes the circuit (and runs the recovery listeners);
    a failed one opens it for another cool-down. Thread-safe.
    """

    def __init__(self, *, cool_down: float | None = None, clock=time.monotonic):
        self.cool_down = COOL_DOWN_SECONDS if cool_down is None else cool_down
        self._clock = clock
        self._lock = threading.Lock()
        self._opened_at: float | None = None
        self._trial_started: float | None = None

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._opened_at is not None

    def allow(self) -> bool:
        """Whether a call may go out now (taking the trial slot if it is due)."""
        with self._lock:
            if self._opened_at is None:
                return True
            now = self._clock()
            if now - self._opened_at < self.cool_down:
                return False
            trial = self._trial_started
            # A trial that never reported back (a killed thread) expires too.
            if trial is not None and now - trial < self.cool_down:
                return False
            self._trial_started = now
            return True

    def record_success(self) -> bool:
        """Close the circuit; True when it was open (the cluster came back)."""
        with self._lock:
            was_open = self._opened_at is not None
            self._opened_at = None
            self._trial_started = None
        if was_open:
            _notify_recovery()
        return was_open

    def record_failure(self) -> None:
        with self._lock:
            self._opened_at = self._clock()
            self._trial_started = None

    def reset(self) -> None:
        with self._lock:
            self._opened_at = None
            self._trial_started = None


_breakers: dict[str, CircuitBreaker] = {}
_recovery_listeners: list[Callable[[], None]] = []


def get_breaker() -> CircuitBreaker:
    """The breaker of ELASTICSEARCH_URL (shared by every caller in the process)."""
    with _clients_lock:
        url = settings.ELASTICSEARCH_URL
        breaker = _breakers.get(url)
        if breaker is None:
            breaker = _breakers[url] = CircuitBreaker()
        return breaker


def add_recovery_listener(listener: Callable[[], None]) -> None:
    """Call `listener()` whenever a trial call finds the cluster back. It runs
    in the caller's thread: it should only schedule work (hack.core.background)."""
    if listener not in _recovery_listeners:
        _recovery_listeners.append(listener)


def _notify_recovery() -> None:
    for listener in list(_recovery_listeners):
        try:
            listener()
        except Exception:  # noqa: BLE001 - a listener must not break the call
            logger.exception("Elasticsearch recovery listener %r failed", listener)


def is_outage(exc: BaseException) -> bool:
    """Down, slow or overloaded (as opposed to a request the cluster refused)."""
    from elastic_transport import TransportError
    from elasticsearch import ApiError, UnsupportedProductError

    if isinstance(exc, TransportError | UnsupportedProductError):
        return True
    if isinstance(exc, ApiError):
        status = getattr(exc, "status_code", None) or getattr(exc.meta, "status", 0)
        return status >= 500 or status == 429
    return False


@contextmanager
def guarded():
    """Wrap one or more client calls: refused at once while the circuit is
    open, and an outage opens it. Outages surface as ElasticsearchUnavailable;
    other errors (a 400, a 404) pass through unchanged."""
    breaker = get_breaker()
    if not breaker.allow():
        raise CircuitOpen("Elasticsearch failed recently; not trying again yet")
    try:
        yield
    except ElasticsearchUnavailable:
        raise  # a guarded call inside this one already judged it
    except Exception as exc:
        if is_outage(exc):
            breaker.record_failure()
            logger.warning("Elasticsearch unavailable: %s", exc)
            raise ElasticsearchUnavailable(str(exc)) from exc
        breaker.record_success()
        raise
    breaker.record_success()


# ---------------------------------------------------------------------------
# Japanese analysis, shared by hack.search and hack.matching.

_kuromoji: dict[str, bool] = {}


def has_kuromoji(client=None) -> bool:
    """Whether every node has the analysis-kuromoji plugin (asked once per URL;
    an outage is not cached)."""
    url = settings.ELASTICSEARCH_URL
    if url in _kuromoji:
        return _kuromoji[url]
    client = client or get_client()
    with guarded():
        info = client.nodes.info(metric="plugins").body
    nodes = info.get("nodes", {}).values()
    found = bool(nodes) and all(
        KUROMOJI_PLUGIN
        in {p.get("name") for p in node.get("plugins", []) + node.get("modules", [])}
        for node in nodes
    )
    _kuromoji[url] = found
    if not found:
        logger.info(
            "Elasticsearch has no %s plugin: using the CJK bigram fallback",
            KUROMOJI_PLUGIN,
        )
    return found


@dataclass(frozen=True)
class JapaneseAnalysers:
    """elasticsearch.dsl analysers; an index collects their definitions from
    the fields that use them."""

    variant: str  # "kuromoji" or "fallback"
    text: object  # words: kuromoji base forms, or CJK bigrams without the plugin
    grams: object  # CJK bigrams (both variants): parts of long compounds
    suggest: object  # the whole title, width-folded and lower-cased
    tokens: object  # pre-tokenised text (SudachiPy), split on spaces


def japanese_analysers(*, kuromoji: bool) -> JapaneseAnalysers:
    from elasticsearch.dsl import analyzer, token_filter, tokenizer

    english_stop = token_filter("ja_english_stop", "stop", stopwords="_english_")
    english_stem = token_filter("ja_english_stem", "stemmer", language="english")
    if kuromoji:
        text = analyzer(
            "ja_text",
            tokenizer=tokenizer(
                "ja_kuromoji",
                "kuromoji_tokenizer",
                mode="search",
                discard_compound_token=True,
            ),
            filter=[
                "kuromoji_baseform",
                "kuromoji_part_of_speech",
                "cjk_width",
                "ja_stop",
                "kuromoji_stemmer",
                "lowercase",
                english_stop,
                english_stem,
            ],
        )
    else:
        # The built-in `cjk` analyser's chain plus English stemming.
        text = analyzer(
            "ja_text",
            tokenizer="standard",
            filter=["cjk_width", "lowercase", "cjk_bigram", english_stop, english_stem],
        )
    return JapaneseAnalysers(
        variant="kuromoji" if kuromoji else "fallback",
        text=text,
        grams=analyzer(
            "ja_grams",
            tokenizer="standard",
            filter=["cjk_width", "lowercase", "cjk_bigram"],
        ),
        suggest=analyzer(
            "ja_suggest", tokenizer="keyword", filter=["cjk_width", "lowercase"]
        ),
        tokens=analyzer("ja_tokens", tokenizer="whitespace", filter=["lowercase"]),
    )


def index_settings() -> dict:
    """One shard; a replica as soon as the cluster has a second node."""
    return {"number_of_shards": 1, "auto_expand_replicas": "0-1"}


def reset() -> None:
    """Forget clients, breakers and plugin answers (tests; after a settings change)."""
    with _clients_lock:
        _clients.clear()
        _breakers.clear()
    _kuromoji.clear()
