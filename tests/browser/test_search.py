"""Search in a real browser at 360 px: the header box suggests as you type and
is used by keyboard alone; /search/ passes axe and does not scroll sideways."""

import pytest

from hack.search import engine
from tests import factories
from tests.browser.axe import AXE_SCRIPT, format_violations, run_axe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not AXE_SCRIPT.exists(),
        reason=f"{AXE_SCRIPT} is missing: run bin/ensure-browser (npm axe-core)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def published(site, settings, monkeypatch):
    settings.SEARCH_INDEX_ON_PUBLISH = "sync"
    monkeypatch.setattr(engine, "REFRESH_SECONDS", 0.0)
    engine.reset()
    coordinator = factories.make_coordinator()
    department = factories.make_department()
    staff = factories.make_staff(department)
    organization = factories.make_organization()
    member = factories.make_member(organization)
    need = factories.make_need(
        department,
        staff,
        publish_by=coordinator,
        title="高齢者の見守り活動を記録したい",
        field="welfare",
    )
    seed = factories.make_seed(
        organization, member, publish_by=coordinator, title="見守りセンサー"
    )
    yield {"need": need, "seed": seed}
    engine.reset()


def test_suggestions_by_keyboard_from_the_header(
    new_context, published, browser_problems
):
    page = new_context().new_page()
    page.goto("/")
    box = page.get_by_role("combobox", name="ニーズ・シーズ・事例・コラムを検索")
    box.focus()
    page.keyboard.type("見守")
    options = page.get_by_role("option")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert options.count() == 2
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    # Down opens the list again on its first option; Enter opens that page.
    page.keyboard.press("ArrowDown")
    first = options.first.inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url("**/seeds/**")
    assert page.locator("h1").inner_text() in first
    assert browser_problems == []


def test_search_page_at_360_px_by_keyboard_and_axe(
    new_context, published, browser_problems
):
    page = new_context().new_page()
    page.goto("/search/?q=みまもり")
    assert page.locator(".search-hit").count() == 2
    assert page.locator(".search-hit-snippet mark").count() >= 1
    # Narrow down by keyboard: open the filters, tick a field, apply.
    page.locator(".search-facets summary").focus()
    page.keyboard.press("Enter")
    page.get_by_role("checkbox", name="福祉・介護").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="適用").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**field=welfare**")
    assert page.locator(".search-hit").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    violations = run_axe(page)
    assert violations == [], format_violations(violations)
    page.goto("/search/?q=" + "あ" * 3000 + "&page=abc&field=nope")
    assert page.locator(".search-notices .notice").count() >= 2
    assert run_axe(page) == []
    assert browser_problems == []
