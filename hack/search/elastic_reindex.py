"""Zero-downtime rebuild of the Elasticsearch search index.

A new concrete index ``<prefix>-search-<timestamp>`` is created next to the
one the alias ``<prefix>-search`` points at, loaded with every live entry in
page-id order, then the alias moves to it in one ``_aliases`` call and the
older indices are deleted. Searches keep using the old index until the move.

Progress is kept in the new index itself (its mapping's ``_meta``, written
after each batch), so `reindex_elasticsearch --resume` continues an
interrupted build from any machine. Entries that changed while the build ran
(and were sent to the old index) are sent to the new one before and after the
move.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from hack.core.elastic import get_client, guarded, has_kuromoji

from .elastic import alias_name, push_entries, search_index_body
from .models import SearchEntry

logger = logging.getLogger(__name__)

# Bulk loads and index creation may take longer than a search may wait.
REINDEX_TIMEOUT = 120.0
META_KEY = "hack_reindex"
BUILDING, COMPLETE = "building", "complete"
# Refused entries remembered in _meta across a resume (beyond that,
# `rebuild_search_index` or the next reindex catches them).
MAX_FAILED_IDS = 10_000


class NothingToResume(Exception):
    pass


@dataclass
class Build:
    index: str
    started_at: datetime
    last_page_id: int = 0
    loaded: int = 0
    failed: int = 0
    resumed: bool = False
    analyser: str = ""
    model: str = ""
    dims: int = 0
    # Entries the cluster refused: pending again once the alias moved.
    failed_ids: list[int] = field(default_factory=list)

    def meta(self, state: str = BUILDING) -> dict:
        return {
            META_KEY: {
                "state": state,
                "started_at": self.started_at.isoformat(),
                "last_page_id": self.last_page_id,
                "loaded": self.loaded,
                "failed": self.failed,
                "analyser": self.analyser,
                "model": self.model,
                "dims": self.dims,
                "failed_ids": self.failed_ids[:MAX_FAILED_IDS],
            }
        }


def new_index_name(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{alias_name()}-{now:%Y%m%d%H%M%S}"


def alias_actions(
    *, alias: str, new_index: str, current: list[str], alias_is_index: bool
) -> list[dict]:
    """One atomic `_aliases` body: the alias leaves every index that holds it
    and points at the new one. A concrete index squatting the alias's name
    (written before the first reindex) is removed in the same call."""
    actions: list[dict] = [
        {"remove": {"index": name, "alias": alias}} for name in sorted(current)
    ]
    if alias_is_index:
        actions.append({"remove_index": {"index": alias}})
    actions.append({"add": {"index": new_index, "alias": alias}})
    return actions


def builds_in_progress(client) -> list[Build]:
    """Builds whose _meta says they are not finished, newest first."""
    with guarded():
        mappings = client.indices.get_mapping(
            index=f"{alias_name()}-*", allow_no_indices=True
        ).body
    builds = []
    for name, body in mappings.items():
        meta = (body.get("mappings", {}).get("_meta") or {}).get(META_KEY) or {}
        if meta.get("state") != BUILDING:
            continue
        builds.append(
            Build(
                index=name,
                started_at=parse_datetime(meta["started_at"]),
                last_page_id=int(meta.get("last_page_id", 0)),
                loaded=int(meta.get("loaded", 0)),
                failed=int(meta.get("failed", 0)),
                resumed=True,
                analyser=meta.get("analyser", ""),
                model=meta.get("model", ""),
                dims=int(meta.get("dims", 0)),
                failed_ids=[int(i) for i in meta.get("failed_ids", [])],
            )
        )
    return sorted(builds, key=lambda b: b.index, reverse=True)


def _live_entries():
    return SearchEntry.objects.filter(is_live=True)


def start_build(client, *, now: datetime | None = None) -> Build:
    from hack.matching.encoders import get_encoder

    encoder = get_encoder()
    kuromoji = has_kuromoji(client)
    build = Build(
        index=new_index_name(now),
        started_at=now or datetime.now(UTC),
        analyser="kuromoji" if kuromoji else "fallback",
        model=encoder.name,
        dims=encoder.dim,
    )
    body = search_index_body(dims=encoder.dim, kuromoji=kuromoji, meta=build.meta())
    with guarded():
        client.indices.create(
            index=build.index, settings=body["settings"], mappings=body["mappings"]
        )
    return build


def load(
    client,
    build: Build,
    *,
    batch_size: int = 500,
    progress: Callable[[str, int, int], None] = lambda *a: None,
) -> None:
    """Bulk-load live entries after build.last_page_id, recording progress in
    the index's _meta after each batch."""
    total = _live_entries().count()
    done = _live_entries().filter(page_id__lte=build.last_page_id).count()
    progress("elasticsearch", done, total)
    while True:
        batch = list(
            _live_entries()
            .filter(page_id__gt=build.last_page_id)
            .order_by("page_id")[:batch_size]
        )
        if not batch:
            break
        acknowledged, failed, error = push_entries(
            client, batch, index=build.index, require_alias=False
        )
        if error is not None:
            raise error
        build.failed_ids.extend(sorted(failed))
        build.last_page_id = batch[-1].page_id
        build.loaded += len(acknowledged)
        build.failed += len(failed)
        done += len(batch)
        with guarded():
            client.indices.put_mapping(index=build.index, meta=build.meta())
        progress("elasticsearch", min(done, total), total)
    progress("elasticsearch", total, total)


def _catch_up(
    client, build: Build, *, index: str, since: datetime, require_alias: bool
) -> int:
    """Send rows changed since `since` (published, changed or retired)."""
    changed = list(SearchEntry.objects.filter(updated_at__gte=since).order_by("pk"))
    acknowledged, failed, error = push_entries(
        client, changed, index=index, require_alias=require_alias
    )
    if error is not None:
        raise error
    build.failed_ids.extend(sorted(failed))
    return len(acknowledged)


def switch_alias(client, build: Build) -> list[str]:
    """Point the alias at the new index in one call; delete older indices.
    Returns the deleted index names."""
    alias = alias_name()
    with guarded():
        holders = client.options(ignore_status=404).indices.get_alias(name=alias).body
        alias_is_index = bool(client.indices.exists(index=alias)) and not bool(
            client.indices.exists_alias(name=alias)
        )
        client.indices.update_aliases(
            actions=alias_actions(
                alias=alias,
                new_index=build.index,
                current=[
                    name
                    for name, held in holders.items()
                    if isinstance(held, Mapping) and alias in held.get("aliases", {})
                ],
                alias_is_index=alias_is_index,
            )
        )
        client.indices.put_mapping(index=build.index, meta=build.meta(COMPLETE))
        indices = client.indices.get(index=f"{alias}-*", allow_no_indices=True).body
        # Only older ones: a build started later is someone else's.
        old = sorted(name for name in indices if name < build.index)
        if old:
            client.indices.delete(index=",".join(old))
    return old


@dataclass
class ReindexReport:
    index: str
    loaded: int
    failed: int
    caught_up: int
    deleted: list[str]
    resumed: bool


def reindex(
    *,
    resume: bool = False,
    batch_size: int = 500,
    progress: Callable[[str, int, int], None] = lambda *a: None,
    client=None,
) -> ReindexReport:
    """Build a new index, load it, move the alias. Raises NothingToResume,
    or ElasticsearchUnavailable / ApiError when the cluster fails."""
    client = (client or get_client()).options(request_timeout=REINDEX_TIMEOUT)
    if resume:
        builds = builds_in_progress(client)
        if not builds:
            raise NothingToResume
        build = builds[0]
    else:
        build = start_build(client)
    load(client, build, batch_size=batch_size, progress=progress)
    # Rows changed while loading went to the old index: send them here too.
    caught_from = datetime.now(UTC)
    caught_up = _catch_up(
        client, build, index=build.index, since=build.started_at, require_alias=False
    )
    with guarded():
        client.indices.refresh(index=build.index)
    deleted = switch_alias(client, build)
    # …and rows changed during that catch-up, now through the alias.
    caught_up += _catch_up(
        client, build, index=alias_name(), since=caught_from, require_alias=True
    )
    # Everything unchanged since the start is in the new index (live rows) or
    # absent from it (retired rows): nothing is pending any more, except what
    # the cluster refused, which sync_pending sends again.
    SearchEntry.objects.filter(es_pending=True, updated_at__lt=build.started_at).update(
        es_pending=False
    )
    if build.failed_ids:
        SearchEntry.objects.filter(page_id__in=build.failed_ids).update(es_pending=True)
    return ReindexReport(
        index=build.index,
        loaded=build.loaded,
        failed=build.failed,
        caught_up=caught_up,
        deleted=deleted,
        resumed=build.resumed,
    )
