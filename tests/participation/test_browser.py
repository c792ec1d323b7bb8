"""The participation pages in Chromium on a 360 px screen: axe-core finds no
serious or critical WCAG 2.1 AA violation, nothing scrolls sideways but the
tables (inside their own region), and the charts are drawn without JavaScript."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from hack.needs.choices import Stage
from hack.participation.models import ParticipationTarget
from tests import factories
from tests.browser.axe import AXE_SCRIPT, format_violations, run_axe
from tests.browser.conftest import CHROMIUM

from .builders import (
    form_group_at,
    jst,
    move_need_at,
    open_call,
    publish_need_at,
    publish_seed_at,
    submit_proposal_at,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
    pytest.mark.skipif(not AXE_SCRIPT.exists(), reason=f"{AXE_SCRIPT} is missing"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page, user) -> None:
    page.goto(reverse("account_login"))
    form = page.locator(f'main form[action="{reverse("account_login")}"]')
    form.locator('input[name="login"]').fill(user.email)
    form.locator('input[name="password"]').fill(factories.PASSWORD)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()


def check(page, url: str, *, status: int = 200) -> list[str]:
    problems = []
    response = page.goto(url)
    if response.status != status:
        problems.append(f"{url}: HTTP {response.status}")
    violations = run_axe(page)
    if violations:
        problems.append(f"{url}:\n{format_violations(violations)}")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > 360:
        problems.append(f"{url}: the page is {width}px wide at 360px")
    return problems


@pytest.fixture
def built(today, monkeypatch, coordinator, dept_x, staff_x, org_a):
    """Built before the browser starts (Playwright's event loop would refuse the
    workspace's broadcasts)."""
    monkeypatch.setattr("hack.workspaces.realtime._send", lambda *args: None)
    today(date(2025, 11, 1))
    start = jst(2023, 6, 1)
    for number in range(3):
        need = publish_need_at(dept_x, staff_x, coordinator, start)
        publish_seed_at(
            org_a, factories.make_member(org_a), coordinator, jst(2022 + number, 9, 1)
        )
        submit_proposal_at(
            open_call(need, staff_x),
            factories.make_member(factories.make_organization()),
            start + timedelta(days=5 + number),
        )
        form_group_at(need, coordinator, jst(2024, 6, 1), organizations=[org_a])
    move_need_at(need, Stage.PILOT, coordinator, jst(2025, 5, 1))


def test_pages_on_a_phone(built, coordinator, new_context, browser_problems):
    figures = reverse("participation:figures")
    page = new_context(java_script_enabled=False).new_page()
    page.goto(figures)
    assert page.locator("svg.chart-svg rect").count() > 0
    assert page.locator("progress").count() == 1

    page = new_context().new_page()
    problems = check(page, figures)
    log_in(page, coordinator)
    problems += check(page, reverse("participation:dashboard"))
    problems += check(page, reverse("participation:target-list"))
    target = ParticipationTarget.objects.get(fiscal_year=2025)
    edit = reverse("participation:target-edit", args=[target.pk])
    page.goto(edit)
    page.fill('input[name="cumulative_target"]', "10")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator(".error-summary").count() == 1
    violations = run_axe(page)
    if violations:
        problems.append(f"{edit} with errors:\n{format_violations(violations)}")
    assert not problems, "\n".join(problems)
    assert not browser_problems
