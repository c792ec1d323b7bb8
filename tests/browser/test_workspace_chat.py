"""Two members chat live in the workspace on phone-sized screens: a message typed
in one page appears in the other without a reload, and both see two people
connected. The workspace page passes axe-core (WCAG 2.1 AA) with no serious or
critical violation.

pytest-django's ``live_server`` speaks WSGI only, so it cannot serve the
websocket. Channels' ChannelsLiveServerTestCase runs daphne in another process,
which cannot see the in-memory SQLite test database. So daphne runs here in a
thread of the test process, serving the real ASGI application (HTTP, static
files and websockets): it shares the test database on SQLite (shared-cache
memory database) and on PostgreSQL alike. Twisted's reactor cannot be restarted,
so the server is started once per test process and left running.

Selectors use ids, names and ARIA attributes, never translated text.
"""

import re
import threading
from datetime import timedelta

import pytest
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import OperationalError, connections
from django.db.backends.signals import connection_created
from django.utils import timezone
from playwright.sync_api import Page, expect

from hack.workspaces import services
from hack.workspaces.models import Connection, Message
from tests import factories
from tests.browser.axe import AXE_SCRIPT, format_violations, run_axe
from tests.browser.conftest import PHONE_VIEWPORT, TIMEOUT_MS

pytestmark = [
    pytest.mark.browser,
    # The server thread reads what the test wrote: it must be committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

_server: dict = {}


def daphne_url() -> str:
    """The URL of daphne serving hack.asgi in a thread of this process."""
    if "url" in _server:
        return _server["url"]
    from daphne.server import Server  # installs the asyncio reactor

    import hack.asgi

    server = Server(
        application=ASGIStaticFilesHandler(hack.asgi.application),
        endpoints=["tcp:port=0:interface=127.0.0.1"],
        signal_handlers=False,
        verbosity=0,
    )
    thread = threading.Thread(target=server.run, name="daphne", daemon=True)
    thread.start()
    ready = threading.Event()

    def wait_for_port():
        from twisted.internet import reactor

        if server.listening_addresses:
            ready.set()
        else:
            reactor.callLater(0.05, wait_for_port)

    from twisted.internet import reactor

    reactor.callFromThread(wait_for_port)
    if not ready.wait(timeout=20):
        raise RuntimeError("daphne did not start listening")
    host, port = server.listening_addresses[0]
    _server["url"] = f"http://{host}:{port}"
    return _server["url"]


def _read_uncommitted(connection, on: bool) -> None:
    """On the shared-cache memory database of SQLite, a read meeting another
    thread's open write fails at once ("database table is locked") instead of
    waiting. Reading uncommitted rows avoids that; a test does not mind."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA read_uncommitted = {int(on)}")


def _on_connection_created(sender, connection, **kwargs):
    _read_uncommitted(connection, True)


@pytest.fixture
def asgi_server(settings):
    # The consumer re-checks membership on a timer; slow it down so the only
    # database writes during the test are the ones the test causes.
    settings.WORKSPACE_RECHECK_SECONDS = 60
    connection_created.connect(_on_connection_created)
    _read_uncommitted(connections["default"], True)
    yield daphne_url()
    connection_created.disconnect(_on_connection_created)
    _read_uncommitted(connections["default"], False)


@pytest.fixture
def open_page(browser, asgi_server, browser_problems):
    """Phone-sized pages in Japanese, one isolated context per person, on daphne.
    Closes them (and their websockets) before the database is emptied."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(
            base_url=asgi_server,
            viewport=PHONE_VIEWPORT,
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.route(
            lambda url: not url.startswith(asgi_server) and not url.startswith("data:"),
            lambda route: route.abort(),
        )

        def server_error(response):
            if response.status >= 500:
                browser_problems.append(f"HTTP {response.status} {response.url}")

        def javascript_error(web_error):
            browser_problems.append(f"JavaScript error: {web_error.error}")

        context.on("response", server_error)
        context.on("weberror", javascript_error)
        contexts.append(context)
        return context.new_page()

    yield make
    # One at a time, each until its consumer has deleted its Connection row:
    # the test database is flushed only when the server is idle.
    for context in contexts:
        context.close()
        wait_until_idle()
    connections.close_all()


def wait_until_idle(attempts: int = 100) -> None:
    for _attempt in range(attempts):
        try:
            if not Connection.objects.exists():
                return
        except OperationalError:
            pass  # the server thread is writing: look again
        threading.Event().wait(0.1)


@pytest.fixture
def group_x(dept_x, staff_x, coordinator, org_a):
    """A group on a published need: the coordinator facilitates, staff X and
    organisation A's member are in it (as in tests/workspaces/conftest.py)."""
    need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    group = services.form_working_group(
        need=need, by=coordinator, title="窓口の待ち時間を減らす WG"
    )
    services.add_staff_member(group=group, user=staff_x, by=coordinator)
    services.add_organization(group=group, organization=org_a, by=coordinator)
    return group


@pytest.fixture
def first_message(group_x, member_a):
    return services.post_message(group=group_x, by=member_a, body="こんにちは")


def log_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    form = page.locator('main form[action="/accounts/login/"]')
    form.locator('input[name="login"]').fill(email)
    password = form.locator('input[name="password"]')
    password.fill(factories.PASSWORD)
    password.press("Enter")
    page.wait_for_url(re.compile(r"/my/"))


def open_workspace(page: Page, group) -> None:
    page.goto(f"/workspaces/{group.pk}/")
    expect(page.locator("#chat-connection")).to_have_attribute(
        "data-state", "connected"
    )


def schedule_meeting_on(page: Page, title: str) -> None:
    """Schedule a meeting in two days through the page's form (no script)."""
    page.locator("#meeting-new summary").click()
    form = page.locator("#meeting-new form")
    form.locator("input[name=title]").fill(title)
    starts = timezone.localtime(timezone.now() + timedelta(days=2))
    form.locator("input[name=starts_at]").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=place]").fill("港南区役所")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"#meetings$"))


def test_a_message_appears_live_in_the_other_members_page(
    group_x, member_a, staff_x, open_page, browser_problems
):
    # (The data is built before the browser starts: Playwright's event loop in
    # this thread would keep the services' broadcasts from being sent.)
    member = open_page()
    staff = open_page()
    log_in(member, member_a.email)
    log_in(staff, staff_x.email)
    open_workspace(member, group_x)
    # Its presence is stored before the second page loads.
    expect(member.locator("#presence-count")).to_have_text("1")
    open_workspace(staff, group_x)

    # Both pages count two people connected.
    expect(member.locator("#presence-count")).to_have_text("2")
    expect(staff.locator("#presence-count")).to_have_text("2")
    expect(member.locator("#member-total")).to_have_text("3")

    text = "明日の会議資料を共有しました"
    box = member.locator("#chat-form textarea[name=body]")
    box.fill(text)
    member.locator("#chat-form button[type=submit]").click()

    # The other page shows it without a reload, once; the box of the sender
    # empties when the server has stored it.
    expect(staff.locator("#chat-messages .chat-body")).to_have_text([text])
    expect(staff.locator("#chat-announcer")).to_contain_text(text)
    expect(box).to_have_value("")
    expect(member.locator("#chat-messages .chat-body")).to_have_text([text])
    assert staff.url.endswith(f"/workspaces/{group_x.pk}/")
    assert Message.objects.filter(group=group_x, body=text).count() == 1
    assert browser_problems == []


def test_a_meeting_scheduled_by_another_member_is_drawn_without_a_reload(
    group_x, member_a, staff_x, open_page, browser_problems
):
    member = open_page()
    staff = open_page()
    log_in(member, member_a.email)
    log_in(staff, staff_x.email)
    open_workspace(member, group_x)
    member.evaluate("() => { window.notReloaded = true; }")
    open_workspace(staff, group_x)

    schedule_meeting_on(staff, "第2回 定例会")

    expect(member.locator("#meetings-lists")).to_contain_text("第2回 定例会")
    assert member.evaluate("() => window.notReloaded") is True
    assert browser_problems == []


def test_minutes_being_typed_are_not_redrawn_away(
    group_x, member_a, staff_x, coordinator, open_page, browser_problems
):
    meeting = services.schedule_meeting(
        group=group_x,
        by=coordinator,
        title="第1回",
        starts_at=timezone.now() + timedelta(days=1),
        place="区役所",
    )
    member = open_page()
    staff = open_page()
    log_in(member, member_a.email)
    log_in(staff, staff_x.email)
    open_workspace(member, group_x)
    open_workspace(staff, group_x)
    minutes = member.locator(f"#meeting-{meeting.pk} textarea[name=minutes]")
    member.locator(f"#meeting-{meeting.pk} summary").first.click()
    minutes.fill("書きかけの議事録")

    schedule_meeting_on(staff, "第2回")

    # A notice offers a reload; what was typed stays.
    expect(member.locator("#workspace-notice a")).to_be_visible()
    expect(minutes).to_have_value("書きかけの議事録")
    expect(member.locator("#meetings-lists")).not_to_contain_text("第2回")
    assert browser_problems == []


@pytest.mark.skipif(
    not AXE_SCRIPT.exists(),
    reason=f"{AXE_SCRIPT} is missing: run bin/ensure-browser (npm axe-core)",
)
def test_the_workspace_page_passes_axe(
    group_x, member_a, first_message, open_page, browser_problems
):
    page = open_page()
    log_in(page, member_a.email)
    open_workspace(page, group_x)
    # The states a script or a details element changes, opened.
    page.evaluate(
        "() => document.querySelectorAll('details').forEach(d => d.open = true)"
    )
    violations = run_axe(page)
    assert violations == [], format_violations(violations, where="workspace")
    assert browser_problems == []
