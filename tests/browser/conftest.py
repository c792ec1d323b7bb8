"""Playwright fixtures for the end-to-end browser tests (marker ``browser``).

They drive Debian's chromium (``/usr/bin/chromium``, installed by
``bin/ensure-browser``), never a browser downloaded by ``playwright install``.
Every test here runs against pytest-django's ``live_server`` with a transactional
database.
"""

import os
import re
import tempfile
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE_VIEWPORT = {"width": 360, "height": 740}
# Where a failing test leaves a screenshot of every page it had open.
FAILURE_SCREENSHOTS = Path(
    os.environ.get("BROWSER_SCREENSHOTS")
    or Path(tempfile.gettempdir()) / "browser-screenshots"
)
TIMEOUT_MS = 15_000


def pytest_runtest_setup(item):
    # Before any fixture: no test database or live server for nothing.
    if item.get_closest_marker("browser") and not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run bin/ensure-browser (Debian chromium)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Let fixtures see whether the test failed, to screenshot every open page.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def _allow_async_unsafe():
    """Playwright's sync API runs an event loop in this thread, so Django refuses
    ORM calls from the test and its fixtures while a browser is open. Allow them for
    the browser tests only, and restore the environment afterwards."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser(_allow_async_unsafe):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connections
        # (asgiref's Local follows the context): close them here, in that context,
        # or PostgreSQL refuses to drop the test database at the end.
        connections.close_all()


@pytest.fixture
def browser_problems():
    """Server errors (HTTP 5xx) and uncaught JavaScript errors seen by any page;
    a test asserts it stays empty."""
    return []


@pytest.fixture
def new_context(request, browser, live_server, browser_problems):
    """A factory of isolated browser contexts (one per visitor), phone-sized, in
    Japanese, with relative URLs resolved against the live server. Requests that
    leave the live server (Gravatar in the admin...) are aborted: the tests must not
    depend on the network."""
    contexts = []
    own_origin = live_server.url

    def server_error(response):
        if response.status >= 500:
            browser_problems.append(f"HTTP {response.status} {response.url}")

    def javascript_error(web_error):
        page_url = web_error.page.url if web_error.page else "?"
        browser_problems.append(f"JavaScript error on {page_url}: {web_error.error}")

    def make(**options):
        options = {
            "base_url": live_server.url,
            "viewport": PHONE_VIEWPORT,
            "locale": "ja-JP",
            "timezone_id": "Asia/Tokyo",
            **options,
        }
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.route(
            lambda url: not url.startswith(own_origin) and not url.startswith("data:"),
            lambda route: route.abort(),
        )
        context.on("response", server_error)
        context.on("weberror", javascript_error)
        contexts.append(context)
        return context

    yield make

    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        FAILURE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for number, context in enumerate(contexts, start=1):
            for tab, page in enumerate(context.pages, start=1):
                path = FAILURE_SCREENSHOTS / f"{name}-context{number}-page{tab}.png"
                try:
                    page.screenshot(path=path, full_page=True)
                except Exception as error:  # noqa: BLE001 - best effort on failure
                    print(f"could not screenshot {page.url}: {error}")  # noqa: T201
                else:
                    print(f"screenshot of {page.url}: {path}")  # noqa: T201
    for context in contexts:
        context.close()
