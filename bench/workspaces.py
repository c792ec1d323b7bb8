"""Workspace websockets under load (issue 5, "Tests and measurements").

    .venv/bin/python bench/workspaces.py [--sizes 100,500,1000] [--duration 60]
    .venv/bin/python bench/workspaces.py --quick          # N = 20, 50; 20 s each

One daphne process (hack.asgi, production settings) on this machine, with a
throw-away PostgreSQL database and Redis (database 9, flushed) as the channel
layer and cache. For each N: N users logged in (a database session each), in
working groups of 10 (formed by a coordinator through hack.workspaces.services;
the coordinator is an 11th member who is not connected). N websocket clients,
all in this process (aiohttp), connect with their session cookie and post one
message every `--interval` seconds each, their start times spread evenly over
the interval, for `--duration` seconds. Every message carries its send time
(time.monotonic: one process) and a unique id; every member's socket,
the sender's included, records receive time minus send time.

Per N it reports connections attempted and held at the end, messages sent,
deliveries expected (sent x the 10 connected members, sender included) and
received, lost (expected - received: must be 0) and when the lost ones were
sent (5 s windows), duplicates, fan-out latency
p50/p95/p99/max, the server's acknowledgement latency, daphne's RSS and CPU
seconds, the PostgreSQL work (pg_stat_database) and the whole machine's CPU.
`--timeline PATH` also writes every delivery (send time into the run, latency)
to PATH-<N>.json, to see when the slow moments are. Figures only: nothing here
asserts a time. The last line is one JSON object.
"""

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _servers  # noqa: E402
from _servers import log, percentiles  # noqa: E402

GROUP_SIZE = 10


# Setup (synchronous, before any client runs) -------------------------------------


def build_groups(size: int) -> list[dict]:
    """`size` users in groups of GROUP_SIZE: each group is an organisation of
    10 people invited by the coordinator into a working group on one need."""
    from hack.accounts import services as account_services
    from hack.accounts.models import Membership, OrganizationType
    from hack.needs.models import NeedPage
    from hack.workspaces import services
    from tests import factories

    started = time.monotonic()
    coordinator = factories.make_coordinator("coordinator@bench.example.jp")
    department = factories.make_department(slug="bench")
    staff = factories.make_staff(department, "staff@bench.example.jp")
    need = factories.make_need(department, staff, publish_by=coordinator)
    users = _servers.make_users(size)
    sessions = _servers.log_in(users)
    groups = []
    for number in range(size // GROUP_SIZE):
        people = users[number * GROUP_SIZE : (number + 1) * GROUP_SIZE]
        organization = account_services.create_organization(
            by=people[0],
            name=f"ベンチ株式会社{number}",
            org_type=OrganizationType.COMPANY,
        )
        Membership.objects.bulk_create(
            Membership(user=user, organization=organization) for user in people[1:]
        )
        group = services.form_working_group(
            need=NeedPage.objects.get(pk=need.pk),
            by=coordinator,
            title=f"ベンチ WG {number}",
        )
        services.add_organization(
            group=group, organization=organization, by=coordinator
        )
        groups.append(
            {
                "id": group.pk,
                "members": [(user.pk, sessions[user.pk]) for user in people],
            }
        )
    log(
        f"{size} users, {len(groups)} groups and sessions in "
        f"{time.monotonic() - started:.1f} s"
    )
    return groups


def call_costs(groups: list[dict], repeats: int) -> dict:
    """The consumer's database calls timed one by one in this process (median
    ms), on an open connection and with a new connection per call as
    CONN_MAX_AGE=0 gives: what each call costs a thread of the consumer's
    database pool (hack/workspaces/process_sockets.py)."""
    from django.db import connections
    from django.utils import timezone

    from hack.accounts.models import User
    from hack.workspaces import process_sockets, services
    from hack.workspaces.models import Connection, WorkingGroup

    group_id = groups[0]["id"]
    user_id, _session_key = groups[0]["members"][0]
    session_keys = frozenset(key for _user, key in groups[0]["members"])
    user = User.objects.get(pk=user_id)
    Connection.objects.create(
        group_id=group_id,
        user_id=user_id,
        channel_name="bench-cost",
        last_seen=timezone.now(),
    )

    def group_access():  # one shared read for a group's sockets, at most 1/s
        process_sockets._fetch_group_access(group_id, session_keys)

    def touch():  # a ping frame
        services.touch_connection(channel_name="bench-cost")

    counter = iter(range(10**9))

    def post():  # WorkspaceConsumer._post
        services.post_message(
            group=WorkingGroup(pk=group_id),
            by=user,
            body="cost",
            client_id=f"cost-{next(counter)}",
        )

    costs = {}
    for name, call in (
        ("group_access", group_access),
        ("touch", touch),
        ("post_message", post),
    ):
        for fresh in (False, True):
            samples = []
            for _ in range(repeats):
                if fresh:
                    connections.close_all()
                started = time.perf_counter()
                call()
                samples.append(time.perf_counter() - started)
            key = f"{name}_{'new' if fresh else 'open'}_connection_ms"
            costs[key] = round(statistics.median(samples) * 1000, 2)
    Connection.objects.filter(channel_name="bench-cost").delete()
    connections.close_all()
    return costs


# Clients ---------------------------------------------------------------------------


class Run:
    """Everything the clients of one N observe."""

    def __init__(self):
        self.sent: dict[str, tuple[float, int]] = {}  # id -> (send time, group)
        self.acks: list[float] = []
        self.latencies: list[float] = []
        self.seen: set[tuple[int, str]] = set()
        self.duplicates = 0
        self.misrouted = 0
        self.errors: Counter = Counter()
        self.closed_during_run: Counter = Counter()
        self.connect_failures: Counter = Counter()
        self.connect_times: list[float] = []
        self.events: Counter = Counter()
        self.not_sent_closed = 0
        self.delivered_by_receiver: Counter = Counter()
        self.tag = uuid.uuid4().hex[:8]
        self.timeline: list[tuple[float, float]] = []  # (sent s into run, latency)
        self.start = 0.0  # when measuring began (time.monotonic)
        self.sent_by_window: Counter = Counter()  # 5 s windows of send time
        self.received_by_window: Counter = Counter()

    def window(self, sent_at: float) -> int:
        return int((sent_at - self.start) // 5) * 5


class Client:
    def __init__(self, run: Run, index: int, group_id: int, session_key: str):
        self.run = run
        self.index = index
        self.group_id = group_id
        self.session_key = session_key
        self.ws = None
        self.ready = asyncio.Event()
        self.closing = False
        self.reader = None

    async def connect(self, session, origin: str, timeout: float) -> bool:
        url = origin.replace("http", "ws", 1) + f"/ws/workspaces/{self.group_id}/"
        started = time.monotonic()
        try:
            self.ws = await asyncio.wait_for(
                session.ws_connect(
                    url,
                    headers={
                        "Cookie": f"sessionid={self.session_key}",
                        "Origin": origin,
                    },
                    autoping=True,
                    heartbeat=None,
                    max_msg_size=0,
                ),
                timeout,
            )
        except Exception as error:  # noqa: BLE001 - counted and reported
            detail = getattr(error, "status", None) or getattr(error, "strerror", "")
            name = type(error).__name__ + (f" {detail}" if detail else "")
            self.run.connect_failures[name] += 1
            return False
        self.reader = asyncio.ensure_future(self.read())
        try:
            # Accepted, then the consumer registers presence and sends history.
            await asyncio.wait_for(self.ready.wait(), timeout)
        except TimeoutError:
            self.run.connect_failures["no_history"] += 1
            return False
        self.run.connect_times.append(time.monotonic() - started)
        return True

    async def read(self):
        import aiohttp

        run = self.run
        async for frame in self.ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            received = time.monotonic()
            event = json.loads(frame.data)
            kind = event.get("type")
            run.events[kind] += 1
            if kind == "message.created":
                parts = str(event.get("body", "")).split()
                if len(parts) != 3 or parts[0] != "bench":
                    continue
                message_id, sent_at = parts[1], float(parts[2])
                key = (self.index, message_id)
                if key in run.seen:
                    run.duplicates += 1
                    continue
                run.seen.add(key)
                origin = run.sent.get(message_id)
                if origin is None or origin[1] != self.group_id:
                    run.misrouted += 1
                    continue
                run.latencies.append(received - sent_at)
                run.delivered_by_receiver[self.index] += 1
                run.received_by_window[run.window(sent_at)] += 1
                run.timeline.append((sent_at - run.start, received - sent_at))
            elif kind == "message.accepted":
                origin = run.sent.get(event.get("client_id", ""))
                if origin is not None:
                    run.acks.append(received - origin[0])
            elif kind == "error":
                run.errors[event.get("code", "?")] += 1
            elif kind == "history.page":
                self.ready.set()
        if not self.closing:
            run.closed_during_run[str(self.ws.close_code)] += 1

    @property
    def open(self) -> bool:
        return self.ws is not None and not self.ws.closed

    async def post_every(self, interval: float, first: float, end: float) -> None:
        number = 0
        while (target := first + number * interval) < end:
            await asyncio.sleep(max(0.0, target - time.monotonic()))
            number += 1
            if not self.open:
                self.run.not_sent_closed += 1
                continue
            # Unique across the sizes of one invocation: the same users post
            # again at the next N, and a repeated client_id is a retry, which
            # the server answers with the stored message (an old seq that
            # every socket drops as already seen).
            message_id = f"{self.run.tag}.{self.index}.{number}"
            sent_at = time.monotonic()
            self.run.sent[message_id] = (sent_at, self.group_id)
            self.run.sent_by_window[self.run.window(sent_at)] += 1
            await self.ws.send_str(
                json.dumps(
                    {
                        "type": "message.create",
                        "body": f"bench {message_id} {sent_at:.6f}",
                        "client_id": message_id,
                    }
                )
            )

    async def close(self):
        self.closing = True
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


async def sample(server, samples: list, lags: list, stop: asyncio.Event) -> None:
    """Every second: the server's RSS; every 100 ms: how late this client's
    event loop wakes up (its own load shows in the latencies too)."""
    next_usage = 0.0
    while not stop.is_set():
        asked = time.monotonic()
        await asyncio.sleep(0.1)
        lags.append(time.monotonic() - asked - 0.1)
        if asked >= next_usage:
            samples.append(server.usage())
            next_usage = asked + 1.0


async def run_size(server, groups, size: int, args, database_url: str) -> dict:
    import aiohttp

    run = Run()
    clients = []
    for group in groups[: size // GROUP_SIZE]:
        for _user_id, session_key in group["members"]:
            clients.append(Client(run, len(clients), group["id"], session_key))

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        # Connect, at most --connect-concurrency handshakes at a time.
        gate = asyncio.Semaphore(args.connect_concurrency)

        async def connect(client):
            async with gate:
                return await client.connect(session, server.origin, args.timeout)

        started = time.monotonic()
        results = await asyncio.gather(*(connect(c) for c in clients))
        ramp_seconds = time.monotonic() - started
        connected = sum(results)
        log(
            f"N={size}: {connected}/{size} connected in {ramp_seconds:.1f} s "
            f"({dict(run.connect_failures) or 'no failures'})"
        )
        if not connected:
            raise RuntimeError(
                f"no client could connect: {dict(run.connect_failures)}\n"
                + server.log_tail()
            )
        await asyncio.sleep(args.settle)

        # Measure: everyone posts every --interval s for --duration s.
        samples, lags, stop = [], [], asyncio.Event()
        sampler = asyncio.ensure_future(sample(server, samples, lags, stop))
        usage_before = server.usage()
        cpu_before = _servers.machine_cpu()
        db_before = await asyncio.to_thread(_servers.database_stats, database_url)
        client_cpu_before = _cpu_self()
        measure_start = run.start = time.monotonic()
        end = measure_start + args.duration
        await asyncio.gather(
            *(
                client.post_every(
                    args.interval,
                    measure_start + args.interval * index / len(clients),
                    end,
                )
                for index, client in enumerate(clients)
            )
        )
        # Let the last messages arrive.
        expected = len(run.sent) * GROUP_SIZE
        drain_until = time.monotonic() + args.drain
        while len(run.latencies) < expected and time.monotonic() < drain_until:
            await asyncio.sleep(0.1)
        elapsed = time.monotonic() - measure_start
        usage_after = server.usage()
        cpu_after = _servers.machine_cpu()
        db_after = await asyncio.to_thread(_servers.database_stats, database_url)
        client_cpu = _cpu_self() - client_cpu_before
        stop.set()
        await sampler
        held = sum(client.open for client in clients)
        await asyncio.gather(*(client.close() for client in clients))

    if args.timeline:
        # Every delivery as (seconds into the run when sent, latency): where
        # the slow moments are (a collector pause, a monitor round).
        Path(f"{args.timeline}-{size}.json").write_text(json.dumps(run.timeline))
    received = len(run.latencies)
    result = {
        "n": size,
        "groups": size // GROUP_SIZE,
        "connections_attempted": size,
        "connected": connected,
        "connections_held_at_end": held,
        "closed_during_run": dict(run.closed_during_run),
        "connect_failures": dict(run.connect_failures),
        "ramp_up_seconds": round(ramp_seconds, 1),
        "connect": percentiles(run.connect_times),
        "measured_seconds": round(elapsed, 1),
        "messages_sent": len(run.sent),
        "messages_not_sent_socket_closed": run.not_sent_closed,
        "messages_acknowledged": len(run.acks),
        "expected_deliveries": expected,
        "deliveries_received": received,
        "lost": expected - received,
        "duplicates": run.duplicates,
        # Deliveries missing by when the message was sent (seconds into the
        # run, 5 s windows): when loss starts, not only how much.
        "lost_by_send_window": {
            window: sent * GROUP_SIZE - run.received_by_window[window]
            for window, sent in sorted(run.sent_by_window.items())
            if sent * GROUP_SIZE != run.received_by_window[window]
        },
        "misrouted": run.misrouted,
        "error_events": dict(run.errors),
        "events_received": dict(run.events),
        "fanout_latency": percentiles(run.latencies),
        "fanout_mean_ms": (
            round(statistics.fmean(run.latencies) * 1000, 1) if run.latencies else None
        ),
        "ack_latency": percentiles(run.acks),
        "server": {
            "rss_mb_at_end": round(usage_after["rss_bytes"] / 1e6, 1),
            "rss_mb_peak": round(max(s["rss_bytes"] for s in samples) / 1e6, 1)
            if samples
            else None,
            "cpu_seconds": round(
                usage_after["cpu_seconds"] - usage_before["cpu_seconds"], 2
            ),
            "cpu_fraction_of_one_core": round(
                (usage_after["cpu_seconds"] - usage_before["cpu_seconds"]) / elapsed, 3
            ),
        },
        "client_cpu_fraction_of_one_core": round(client_cpu / elapsed, 3),
        "client_loop_lag": percentiles(lags, points=(50, 99)),
        "machine_cpu_busy_fraction": _servers.busy_fraction(cpu_before, cpu_after),
        "postgres": _servers.stats_delta(db_before, db_after, elapsed),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    log(
        f"N={size}: held {held}/{size}, sent {len(run.sent)}, "
        f"received {received}/{expected} (lost {expected - received}, "
        f"duplicates {run.duplicates}), fan-out p50/p95/p99 "
        f"{result['fanout_latency']['p50_ms']}/{result['fanout_latency']['p95_ms']}/"
        f"{result['fanout_latency']['p99_ms']} ms, server CPU "
        f"{result['server']['cpu_fraction_of_one_core']:.0%} of a core, "
        f"RSS {result['server']['rss_mb_at_end']} MB"
    )
    return result


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# Main ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,500,1000", help="numbers of clients")
    parser.add_argument("--duration", type=float, default=60, help="seconds per N")
    parser.add_argument("--interval", type=float, default=10, help="s between posts")
    parser.add_argument("--quick", action="store_true", help="N = 20, 50; 20 s each")
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=60, help="connect timeout")
    parser.add_argument("--cost-repeats", type=int, default=50)
    parser.add_argument("--settle", type=float, default=3, help="s after connecting")
    parser.add_argument("--drain", type=float, default=20, help="s to wait for late")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="add ?CONN_MAX_AGE=<s> to the server's DATABASE_URL (default: none, "
        "as README.md documents it: a new PostgreSQL connection per database call)",
    )
    parser.add_argument(
        "--server",
        default="daphne",
        help="daphne (the issue's one process) or uvicorn-N (gunicorn with N "
        "uvicorn workers, bench/http_layouts.py's layout)",
    )
    parser.add_argument(
        "--logs", type=Path, default=_servers.LOG_DIRECTORY, help="servers' logs"
    )
    parser.add_argument(
        "--timeline",
        help="write every delivery (send time into the run, latency) to "
        "<TIMELINE>-<N>.json",
    )
    parser.add_argument("--postgres", default=_servers.DEFAULT_POSTGRES)
    parser.add_argument("--database-name", default="bench_ws")
    parser.add_argument("--redis", default=_servers.DEFAULT_REDIS)
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.duration = "20,50", 20
    sizes = [int(s) for s in args.sizes.split(",")]
    layout = _servers.parse_layout(args.server)
    if layout["kind"] not in {"daphne", "uvicorn"}:
        parser.error("websockets need an ASGI server: daphne or uvicorn-N")
    if any(size % GROUP_SIZE for size in sizes):
        parser.error(f"every size must be a multiple of {GROUP_SIZE}")

    open_files = _servers.raise_open_files()
    log(f"file descriptors: {open_files}; load average {os.getloadavg()}")
    _servers.flush_redis(args.redis)
    results = []
    with (
        _servers.temporary_directory() as directory,
        _servers.throwaway_database(args.postgres, args.database_name) as database_url,
    ):
        directory = Path(directory)
        environment = _servers.BenchEnvironment(database_url, args.redis, directory)
        environment.apply()
        _servers.setup_django()
        from django.conf import settings
        from django.db import connections

        recheck = float(getattr(settings, "WORKSPACE_RECHECK_SECONDS", 3))
        _servers.migrate_and_set_up_site()
        _servers.collectstatic()  # so that error pages render in the logs
        groups = build_groups(max(sizes))
        connections.close_all()
        cost = _servers.connection_cost(database_url)
        cost.update(call_costs(groups, args.cost_repeats))
        log(f"PostgreSQL and the consumer's calls (median ms): {cost}")
        server_env = environment.variables()
        if args.conn_max_age is not None:
            server_env["DATABASE_URL"] = (
                f"{database_url}?CONN_MAX_AGE={args.conn_max_age}"
            )
        for size in sizes:
            _servers.flush_redis(args.redis)
            # A fresh server per N, so memory and CPU belong to that N alone.
            server = _servers.start_layout(layout, server_env, directory)
            try:
                idle = server.usage()
                result = asyncio.run(run_size(server, groups, size, args, database_url))
                result["server"]["rss_mb_idle"] = round(idle["rss_bytes"] / 1e6, 1)
                result["server"]["alive_at_end"] = server.alive()
                results.append(result)
            finally:
                server.stop()
            result["server_errors"] = server.error_lines()
            kept = server.keep_log(args.logs, f"workspaces-{args.server}-{size}")
            if result["server_errors"]:
                log(f"errors in the server's log ({kept}): {result['server_errors']}")

    print(
        json.dumps(
            {
                "benchmark": "workspaces",
                "machine": _servers.machine(),
                "note": "clients, the server, PostgreSQL and Redis share this machine",
                "settings": {
                    "server": args.server,
                    "settings_module": "hack.settings.production",
                    "channel_layer": "channels_redis " + args.redis,
                    "group_size": GROUP_SIZE,
                    "connected_members_per_group": GROUP_SIZE,
                    "members_per_group": GROUP_SIZE + 1,
                    "expected_deliveries": "sent x 10 (every connected member, "
                    "the sender included)",
                    "interval_s": args.interval,
                    "duration_s": args.duration,
                    "connect_concurrency": args.connect_concurrency,
                    "workspace_recheck_seconds": recheck,
                    "conn_max_age": args.conn_max_age,
                    "open_files_limit": open_files,
                },
                "call_costs_ms": cost,
                "sizes": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
