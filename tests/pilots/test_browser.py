"""The pilot pages and the need's path at 360 px pass axe-core (WCAG 2.1 AA, no
serious or critical violation), including a form after a failed submit."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from hack.pilots import services
from tests import factories
from tests.browser.axe import AXE_SCRIPT, format_violations, run_axe
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _allow_async_unsafe,
    browser,
    browser_problems,
    new_context,
)

from .factories import add_goals

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not AXE_SCRIPT.exists(),
        reason=f"{AXE_SCRIPT} is missing: run bin/ensure-browser (npm axe-core)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SCREENSHOTS = os.environ.get("PILOT_SCREENSHOTS")


def log_in(page, user) -> None:
    page.goto(reverse("account_login"))
    form = page.locator(f'main form[action="{reverse("account_login")}"]')
    form.locator('input[name="login"]').fill(user.email)
    form.locator('input[name="password"]').fill(factories.PASSWORD)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()


def test_pilot_pages_and_need_path_pass_axe(
    new_context,  # noqa: F811 (the fixture imported above)
    browser_problems,  # noqa: F811
    pilot_x,
    staff_x,
    coordinator,
):
    add_goals(pilot_x, coordinator, results=True)
    services.add_milestone(
        pilot=pilot_x,
        by=coordinator,
        title="予約枠の設置",
        due_on=timezone.localdate(),
        progress=60,
    )
    reports = []
    anonymous = new_context().new_page()
    staff = new_context().new_page()
    log_in(staff, staff_x)
    visits = [
        ("need page with its path", anonymous, pilot_x.need.url, None),
        ("pilot list", staff, reverse("pilots:pilot-list"), None),
        ("pilot page", staff, reverse("pilots:pilot-detail", args=[pilot_x.pk]), None),
        (
            "goal form, errors",
            staff,
            reverse("pilots:goal-create", args=[pilot_x.pk]),
            "submit",
        ),
        (
            "milestone form",
            staff,
            reverse("pilots:milestone-create", args=[pilot_x.pk]),
            None,
        ),
        (
            "results form",
            staff,
            reverse("pilots:results-edit", args=[pilot_x.pk]),
            None,
        ),
    ]
    for name, page, url, action in visits:
        response = page.goto(url)
        if action == "submit":
            with page.expect_navigation():
                page.locator("main form.stacked-form button[type=submit]").click()
        status = response.status if response else None
        if status != 200:
            reports.append(f"{name}: HTTP {status}")
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)
        if violations := run_axe(page):
            reports.append(format_violations(violations, where=name))
    reports.extend(browser_problems)
    assert not reports, "\n".join(reports)
