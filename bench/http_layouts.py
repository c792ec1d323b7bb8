"""Page latency over HTTP per serving layout (issue 5, "Tests and measurements").

    .venv/bin/python bench/http_layouts.py [--users 50] [--duration 30]
        [--layouts daphne,uvicorn-2,uvicorn-5,gthread-2x8,sync-5]
    .venv/bin/python bench/http_layouts.py --quick      # 10 users, 8 s each

A throw-away PostgreSQL database with the demo content (`load_demo`, or a
handful of needs and seeds with `--content minimal`), the production settings
and Redis (database 9) as cache and channel layer. For each layout a server is
started, `--users` concurrent users (aiohttp, each with its own connection and
cookies) fetch /, /needs/, a need page, /seeds/ and /cases/ in a loop with no
pause between requests, for `--warmup` seconds unrecorded and `--duration`
seconds recorded. Every response must be 200; anything else is an error.

Layouts (`--layouts`, comma-separated):
  daphne           one daphne process serving everything (README.md's command)
  uvicorn-N        gunicorn with N uvicorn workers (ASGI: HTTP and websockets)
  gthread-NxT      gunicorn WSGI, N processes x T threads, for HTTP only;
                   websockets stay on daphne behind the same proxy
  sync-N           gunicorn WSGI, N single-threaded processes
  ...-cmaS         any of them with ?CONN_MAX_AGE=S in DATABASE_URL
                   (persistent database connections; WSGI layouts only: under
                   ASGI, Django opens a thread per request and they would leak)
hack has no wsgi.py: WSGI layouts load 'django.core.wsgi:get_wsgi_application()'.

Figures only: nothing here asserts a time. The last line is one JSON object.
"""

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _servers  # noqa: E402
from _servers import log, parse_layout, percentiles, start_layout  # noqa: E402

DEFAULT_LAYOUTS = "daphne,uvicorn-2,uvicorn-5,gthread-2x8,gthread-5x4,sync-5"


# Content ---------------------------------------------------------------------------


def load_content(kind: str) -> None:
    from django.core.management import call_command

    started = time.monotonic()
    if kind == "demo":
        os.environ.setdefault("DEMO_PASSWORD", "bench-demo-password-not-used")
        call_command("load_demo", verbosity=0)
    else:
        from hack.seeds.models import SeedPage  # noqa: F401 - app loaded
        from tests import factories

        coordinator = factories.make_coordinator("coordinator@bench.example.jp")
        department = factories.make_department(slug="bench")
        staff = factories.make_staff(department, "staff@bench.example.jp")
        for _ in range(12):
            factories.make_need(department, staff, publish_by=coordinator)
        owner = factories.make_user("owner@bench.example.jp")
        organization = factories.make_organization(owner, name="ベンチ株式会社")
        for _ in range(12):
            factories.make_seed(organization, owner, publish_by=coordinator)
    log(f"content ({kind}) loaded in {time.monotonic() - started:.1f} s")


def page_paths() -> list[str]:
    from hack.needs.models import NeedPage

    need = NeedPage.objects.live().order_by("pk").first()
    if need is None:
        raise RuntimeError("no published need to fetch")
    return ["/", "/needs/", need.get_url(), "/seeds/", "/cases/"]


# Clients ---------------------------------------------------------------------------


class Tally:
    def __init__(self):
        self.recording = False
        self.latencies: list[float] = []
        self.by_page: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.bytes = 0


async def user(
    origin: str,
    paths: list[str],
    tally: Tally,
    stop: asyncio.Event,
    offset: int,
    timeout: float,
) -> None:
    import aiohttp

    # Each user: its own connection (keep-alive) and cookie jar, as a browser.
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=1),
        timeout=aiohttp.ClientTimeout(total=timeout),
        headers={"Accept-Language": "ja"},
    ) as session:
        turn = offset
        while not stop.is_set():
            path = paths[turn % len(paths)]
            turn += 1
            started = time.monotonic()
            try:
                async with session.get(origin + path, allow_redirects=False) as reply:
                    body = await reply.read()
                    status = reply.status
            except (aiohttp.ClientError, TimeoutError) as error:
                if tally.recording:
                    tally.errors[type(error).__name__] += 1
                continue
            elapsed = time.monotonic() - started
            if not tally.recording:
                continue
            if status != 200:
                tally.errors[f"HTTP {status} {path}"] += 1
                continue
            tally.latencies.append(elapsed)
            tally.by_page[path].append(elapsed)
            tally.bytes += len(body)


async def measure(server, paths: list[str], args) -> dict:
    tally = Tally()
    stop = asyncio.Event()
    users = [
        asyncio.ensure_future(
            user(server.origin, paths, tally, stop, number, args.timeout)
        )
        for number in range(args.users)
    ]
    await asyncio.sleep(args.warmup)
    usage_before = server.usage()
    cpu_before = _servers.machine_cpu()
    client_before = _cpu_self()
    tally.recording = True
    started = time.monotonic()
    await asyncio.sleep(args.duration)
    tally.recording = False
    elapsed = time.monotonic() - started
    usage_after = server.usage()
    cpu_after = _servers.machine_cpu()
    client_cpu = _cpu_self() - client_before
    stop.set()
    await asyncio.gather(*users, return_exceptions=True)
    server_cpu = usage_after["cpu_seconds"] - usage_before["cpu_seconds"]
    return {
        "requests_ok": len(tally.latencies),
        "errors": dict(tally.errors),
        "error_count": sum(tally.errors.values()),
        "throughput_rps": round(len(tally.latencies) / elapsed, 1),
        "latency": percentiles(tally.latencies),
        "p50_ms_by_page": {
            path: percentiles(samples, points=(50,))["p50_ms"]
            for path, samples in tally.by_page.items()
        },
        "mean_page_kb": round(tally.bytes / max(len(tally.latencies), 1) / 1024, 1),
        "server_processes": usage_after["processes"],
        "server_rss_mb": round(usage_after["rss_bytes"] / 1e6, 1),
        "server_cpu_cores": round(server_cpu / elapsed, 2),
        "server_cpu_ms_per_request": (
            round(server_cpu * 1000 / len(tally.latencies), 1)
            if tally.latencies
            else None
        ),
        "client_cpu_cores": round(client_cpu / elapsed, 2),
        "machine_cpu_busy_fraction": _servers.busy_fraction(cpu_before, cpu_after),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# Main ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layouts", default=DEFAULT_LAYOUTS)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30, help="recorded s")
    parser.add_argument("--warmup", type=float, default=5, help="unrecorded s")
    parser.add_argument("--timeout", type=float, default=60, help="per request")
    parser.add_argument("--content", choices=("demo", "minimal"), default="demo")
    parser.add_argument("--quick", action="store_true", help="10 users, 8 s each")
    parser.add_argument(
        "--logs", type=Path, default=_servers.LOG_DIRECTORY, help="servers' logs"
    )
    parser.add_argument("--postgres", default=_servers.DEFAULT_POSTGRES)
    parser.add_argument("--database-name", default="bench_http")
    parser.add_argument("--redis", default=_servers.DEFAULT_REDIS)
    args = parser.parse_args()
    if args.quick:
        args.users, args.duration, args.warmup = 10, 8, 2
        if args.layouts == DEFAULT_LAYOUTS:
            args.layouts = "daphne,uvicorn-2,gthread-2x4"
    layouts = [parse_layout(name) for name in args.layouts.split(",")]

    _servers.raise_open_files()
    log(f"load average {os.getloadavg()}")
    _servers.flush_redis(args.redis)
    results = {}
    with (
        _servers.temporary_directory() as directory,
        _servers.throwaway_database(args.postgres, args.database_name) as database_url,
    ):
        directory = Path(directory)
        environment = _servers.BenchEnvironment(database_url, args.redis, directory)
        environment.apply()
        _servers.setup_django()
        from django.db import connections

        _servers.migrate_and_set_up_site()
        _servers.collectstatic()
        load_content(args.content)
        paths = page_paths()
        log(f"pages: {paths}")
        connections.close_all()

        for layout in layouts:
            _servers.flush_redis(args.redis)
            env = environment.variables()
            if layout["cma"] is not None:
                env["DATABASE_URL"] = f"{database_url}?CONN_MAX_AGE={layout['cma']}"
            server = start_layout(layout, env, directory)
            try:
                result = asyncio.run(measure(server, paths, args))
                result["alive_at_end"] = server.alive()
                result["startup_seconds"] = server.startup_seconds
            finally:
                server.stop()
            result["server_errors"] = server.error_lines()
            kept = server.keep_log(args.logs, f"http-{layout['name']}")
            if result["error_count"] or result["server_errors"]:
                log(f"errors in the server's log ({kept}): {result['server_errors']}")
            results[layout["name"]] = result
            log(
                f"{layout['name']:>14}: {result['throughput_rps']:7.1f} req/s, "
                f"p50/p95/p99 {result['latency']['p50_ms']}/"
                f"{result['latency']['p95_ms']}/{result['latency']['p99_ms']} ms, "
                f"errors {result['error_count']}, server CPU "
                f"{result['server_cpu_cores']} cores, RSS {result['server_rss_mb']} MB"
            )

    base = results.get("daphne")
    if base and base["throughput_rps"]:
        for result in results.values():
            result["vs_daphne"] = {
                "throughput": round(
                    result["throughput_rps"] / base["throughput_rps"], 2
                ),
                "p95": (
                    round(result["latency"]["p95_ms"] / base["latency"]["p95_ms"], 2)
                    if result["latency"]["p95_ms"] and base["latency"]["p95_ms"]
                    else None
                ),
            }
    print_table(results)
    print(
        json.dumps(
            {
                "benchmark": "http_layouts",
                "machine": _servers.machine(),
                "note": "clients, servers, PostgreSQL and Redis share this machine",
                "settings": {
                    "users": args.users,
                    "duration_s": args.duration,
                    "warmup_s": args.warmup,
                    "content": args.content,
                    "pages": paths,
                    "settings_module": "hack.settings.production",
                },
                "layouts": results,
            },
            ensure_ascii=False,
        )
    )


def print_table(results: dict) -> None:
    header = (
        f"{'layout':>14} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} "
        f"{'errors':>6} {'CPU':>5} {'RSS MB':>7} {'x req/s':>7} {'x p95':>6}"
    )
    log(header)
    for name, result in results.items():
        ratio = result.get("vs_daphne", {})
        log(
            f"{name:>14} {result['throughput_rps']:>7} "
            f"{result['latency']['p50_ms']!s:>7} {result['latency']['p95_ms']!s:>7} "
            f"{result['latency']['p99_ms']!s:>7} {result['error_count']:>6} "
            f"{result['server_cpu_cores']:>5} {result['server_rss_mb']:>7} "
            f"{ratio.get('throughput', '')!s:>7} {ratio.get('p95', '')!s:>6}"
        )


if __name__ == "__main__":
    main()
