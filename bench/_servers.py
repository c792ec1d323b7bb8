"""Shared helpers of the serving benchmarks (bench/workspaces.py,
bench/http_layouts.py): a throw-away PostgreSQL database and Redis database,
the production settings pointed at them, servers started and stopped as child
processes, and their memory and CPU read from /proc.

Everything runs on this machine: the clients share its cores with the servers,
PostgreSQL and Redis, which the figures must be read with.
"""

import contextlib
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")

ERROR_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Full|Exit)\b")

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"
LOG_DIRECTORY = ROOT / "var" / "bench"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def raise_open_files() -> int:
    """Raise this process's file-descriptor limit to its hard limit; servers
    started from here inherit it. Returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1_048_576
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# PostgreSQL and Redis ------------------------------------------------------------


def _with_path(url: str, path: str, query: str = "") -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


@contextlib.contextmanager
def throwaway_database(server_url: str, name: str) -> Iterator[str]:
    """CREATE DATABASE `name` (dropping a leftover of a crashed run first),
    yield its URL, DROP it at the end. `server_url` names the server only."""
    import psycopg

    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name: {name!r}")
    admin = _with_path(server_url, "/postgres")

    def execute(sql: str) -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql)

    execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    execute(f'CREATE DATABASE "{name}"')
    log(f"created database {name}")
    try:
        yield _with_path(server_url, f"/{name}")
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped database {name}")


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def database_stats(database_url: str) -> dict:
    """Counters of pg_stat_database for the bench database: transactions,
    rows read and written, and sessions opened (PostgreSQL 14+). They cover
    every client of that database, that is the servers under test."""
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(_with_path(database_url, "/postgres")) as connection:
        row = connection.execute(
            "SELECT xact_commit + xact_rollback, tup_returned, tup_fetched,"
            " tup_inserted, tup_updated, tup_deleted, sessions,"
            " (SELECT count(*) FROM pg_stat_activity WHERE datname = %s)"
            " FROM pg_stat_database WHERE datname = %s",
            (name, name),
        ).fetchone()
    keys = (
        "transactions",
        "rows_returned",
        "rows_fetched",
        "rows_inserted",
        "rows_updated",
        "rows_deleted",
        "sessions",
        "backends_now",
    )
    return dict(zip(keys, (int(value or 0) for value in row), strict=True))


def connection_cost(database_url: str, repeats: int = 30) -> dict:
    """What one database call costs with a new connection each time (Django's
    default CONN_MAX_AGE=0, which DATABASE_URL keeps unless it says otherwise)
    and on an open one: median milliseconds of connect + SELECT 1 + close
    against SELECT 1 alone."""
    import statistics

    import psycopg

    fresh, reused = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        with psycopg.connect(database_url) as connection:
            connection.execute("SELECT 1").fetchone()
        fresh.append(time.perf_counter() - started)
    with psycopg.connect(database_url) as connection:
        for _ in range(repeats):
            started = time.perf_counter()
            connection.execute("SELECT 1").fetchone()
            reused.append(time.perf_counter() - started)
    return {
        "new_connection_ms": round(statistics.median(fresh) * 1000, 2),
        "open_connection_ms": round(statistics.median(reused) * 1000, 3),
    }


def stats_delta(before: dict, after: dict, seconds: float) -> dict:
    delta = {
        f"{key}_per_s": round((after[key] - before[key]) / seconds, 1)
        for key in before
        if key != "backends_now"
    }
    delta["backends_at_end"] = after["backends_now"]
    return delta


# Settings ----------------------------------------------------------------------


@dataclass
class BenchEnvironment:
    """The environment of the production settings, pointed at throw-away
    services. SECRET_KEY is random per run; TLS redirects are off because the
    clients speak plain HTTP to 127.0.0.1 (production has a TLS proxy)."""

    database_url: str
    redis_url: str
    directory: Path
    extra: dict = field(default_factory=dict)
    # One key per run: sessions made here must be valid in the servers.
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))

    def variables(self) -> dict:
        return {
            "DJANGO_SETTINGS_MODULE": "hack.settings.production",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CACHE_KEY_PREFIX": "bench",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "STATIC_ROOT": str(self.directory / "static"),
            "MEDIA_ROOT": str(self.directory / "media"),
            "PRIVATE_MEDIA_ROOT": str(self.directory / "private"),
            # Setup must not embed or mail; the servers do not publish anything.
            "MATCHING_EMBED_ON_PUBLISH": "off",
            "NOTIFICATIONS_DELIVERY": "off",
            "EMAIL_URL": "consolemail://",
            "LOG_LEVEL": "WARNING",
            # The bundled encoder is loaded at startup (hack/asgi.py); one thread
            # keeps it from spinning on a shared machine.
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "PYTHONUNBUFFERED": "1",
            **self.extra,
        }

    def apply(self) -> dict:
        """Export the variables into this process (before django.setup())."""
        values = self.variables()
        os.environ.update(values)
        return values


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate_and_set_up_site() -> None:
    from django.core.management import call_command

    from cms.services import set_up_site

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    set_up_site(hostname="127.0.0.1")
    log(f"migrated and set up the site in {time.monotonic() - started:.1f} s")


def collectstatic() -> None:
    """Production uses ManifestStaticFilesStorage: pages cannot render their
    {% static %} links without a collected manifest."""
    from django.core.management import call_command

    started = time.monotonic()
    call_command("collectstatic", verbosity=0, interactive=False)
    log(f"collected static files in {time.monotonic() - started:.1f} s")


# Users and sessions ----------------------------------------------------------------


def make_users(count: int, prefix: str = "bench") -> list:
    """`count` active users in bulk, with unusable passwords: hashing a real
    password (PBKDF2, a million rounds) would take minutes for a thousand."""
    from django.contrib.auth.hashers import make_password

    from hack.accounts.models import User

    users = [
        User(
            username=f"{prefix}{number}",
            email=f"{prefix}{number}@bench.example.jp",
            display_name=f"Bench {number}",
            password=make_password(None),
        )
        for number in range(count)
    ]
    User.objects.bulk_create(users, batch_size=500)
    return list(User.objects.filter(username__startswith=prefix).order_by("pk"))


def log_in(users: list) -> dict[int, str]:
    """A database session per user, as django.contrib.auth.login() writes it.
    Returns {user id: session key} for the `sessionid` cookie."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    keys = {}
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys[user.pk] = session.session_key
    return keys


# Processes -------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def process_tree(pid: int) -> list[int]:
    tree = _children()
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        stack.extend(tree.get(current, []))
    return pids


def process_usage(pid: int) -> dict:
    """RSS (bytes) and CPU seconds (user + system) of a process and all its
    descendants (gunicorn's workers), read from /proc."""
    rss = cpu = 0
    processes = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{member}/statm") as statm:
                resident_pages = int(statm.read().split()[1])
        except OSError:
            continue
        # fields[0] is field 3 of stat(5): utime and stime are fields 14, 15.
        cpu += (int(fields[11]) + int(fields[12])) / TICKS
        rss += resident_pages * PAGE_BYTES
        processes += 1
    return {"rss_bytes": rss, "cpu_seconds": round(cpu, 2), "processes": processes}


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def busy_fraction(before: tuple[float, float], after: tuple[float, float]) -> float:
    total = after[1] - before[1]
    return round((after[0] - before[0]) / total, 3) if total else 0.0


class Server:
    """A server started as a child process in its own process group, with its
    output in a log file; stopped by signalling that group only."""

    def __init__(
        self, name: str, command: list[str], *, port: int, env: dict, directory: Path
    ):
        self.name = name
        self.command = command
        self.port = port
        self.env = {**os.environ, **env}
        self.log_path = directory / f"{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, ready_path: str = "/", timeout: float = 120) -> "Server":
        log(f"starting {self.name}: {' '.join(self.command)}")
        started = time.monotonic()
        self.log_file = open(self.log_path, "ab")
        self.process = subprocess.Popen(  # noqa: S603
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n"
                    + self.log_tail()
                )
            if time.monotonic() - started > timeout:
                self.stop()
                raise RuntimeError(f"{self.name} did not answer:\n" + self.log_tail())
            try:
                with urllib.request.urlopen(  # noqa: S310
                    self.origin + ready_path, timeout=5
                ):
                    break
            except urllib.error.HTTPError:
                break  # it answers, even if not with 200
            except OSError:
                time.sleep(0.3)
        self.startup_seconds = round(time.monotonic() - started, 1)
        log(f"{self.name} answers after {self.startup_seconds} s")
        return self

    def usage(self) -> dict:
        return process_usage(self.process.pid) if self.process else {}

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def error_lines(self) -> dict[str, int]:
        """The exception lines of the log (`SomeError: text`), counted: what
        went wrong inside the server, without the tracebacks."""
        counts: dict[str, int] = {}
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return counts
        for line in lines:
            if ERROR_LINE.match(line):
                counts[line[:200]] = counts.get(line[:200], 0) + 1
        return counts

    def keep_log(self, directory: Path, name: str) -> Path:
        """Copy the log out of the temporary directory before it goes."""
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / f"{name}.log"
        shutil.copyfile(self.log_path, target)
        return target

    def stop(self, timeout: float = 20) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()
        self.process = None


def daphne(port: int, env: dict, directory: Path) -> Server:
    """One daphne process, as README.md runs it; no access log (like gunicorn's
    default), so the comparison is of the servers, not of their logging."""
    return Server(
        "daphne",
        [
            str(VENV_BIN / "daphne"),
            "-v",
            "0",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "hack.asgi:application",
        ],
        port=port,
        env=env,
        directory=directory,
    )


# Serving layouts -------------------------------------------------------------------


WSGI_APP = "django.core.wsgi:get_wsgi_application()"


def parse_layout(name: str) -> dict:
    """'gthread-2x8-cma60' -> kind gthread, 2 workers, 8 threads, CONN_MAX_AGE 60."""
    kind, *parts = name.split("-")
    layout = {"name": name, "kind": kind, "workers": 1, "threads": 1, "cma": None}
    for part in parts:
        if part.startswith("cma"):
            layout["cma"] = int(part[3:])
        elif "x" in part:
            workers, threads = part.split("x")
            layout["workers"], layout["threads"] = int(workers), int(threads)
        else:
            layout["workers"] = int(part)
    if kind not in {"daphne", "uvicorn", "gthread", "sync"}:
        raise ValueError(f"unknown layout {name!r}")
    if layout["cma"] is not None and kind in {"daphne", "uvicorn"}:
        raise ValueError(f"{name}: persistent connections leak under ASGI")
    return layout


def start_layout(layout: dict, env: dict, directory: Path) -> Server:
    port = free_port()
    bind = f"127.0.0.1:{port}"
    if layout["kind"] == "daphne":
        server = daphne(port, env, directory)
    else:
        gunicorn = [
            str(VENV_BIN / "gunicorn"),
            "--bind",
            bind,
            "--workers",
            str(layout["workers"]),
            "--backlog",
            "2048",
            "--graceful-timeout",
            "5",
        ]
        if layout["kind"] == "uvicorn":
            command = [
                *gunicorn,
                "-k",
                "uvicorn.workers.UvicornWorker",
                "hack.asgi:application",
            ]
        elif layout["kind"] == "gthread":
            command = [
                *gunicorn,
                "-k",
                "gthread",
                "--threads",
                str(layout["threads"]),
                WSGI_APP,
            ]
        else:
            command = [*gunicorn, "-k", "sync", WSGI_APP]
        server = Server(
            layout["name"], command, port=port, env=env, directory=directory
        )
    return server.start()


def temporary_directory() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="hack-bench-")


def percentiles(samples_s, *, points=(50, 95, 99)) -> dict:
    """Milliseconds; None when there are no samples."""
    if not len(samples_s):
        return {f"p{p}_ms": None for p in points} | {"max_ms": None}
    ordered = sorted(samples_s)

    def at(p: float) -> float:
        # Nearest rank, so a p99 of 100 samples is a real sample.
        index = max(0, min(len(ordered) - 1, int(-(-p * len(ordered) // 100)) - 1))
        return ordered[index]

    result = {f"p{p}_ms": round(at(p) * 1000, 1) for p in points}
    result["max_ms"] = round(ordered[-1] * 1000, 1)
    return result
