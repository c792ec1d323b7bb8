"""Every public page, the account pages and the signed-in pages of each role pass
axe-core at WCAG 2.1 AA with no serious or critical violation, on a phone-sized
screen (the home page and the matching queue also on a desktop-sized one), in
their ordinary states and in the states that change them: a form after a failed
submit, a message after saving, a region a script fills in.

One test per role, one browser and one live server for its whole list: it visits
every page, collects all violations (and server or JavaScript errors) and fails
once with a report naming each page, rule and element. To cover a new page or
state, add a ``Check`` to the list of the role that sees it (and whatever it
shows to ``world``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.urls import reverse
from playwright.sync_api import Page, Response

from cms.models import HomePage, StandardPage
from hack.matching import curation
from hack.matching.encoders import get_encoder
from hack.matching.indexing import embed_pages
from hack.needs.choices import Field, Specificity, Stage
from hack.needs.selectors import get_department_folder
from hack.needs.services import change_need_stage
from hack.seeds.choices import Maturity
from tests import factories
from tests.browser.axe import AXE_SCRIPT, format_violations, run_axe
from tests.cms.pages import (
    ACCURACY_MEASURE,
    MISSED_MEASURE,
    TIME_MEASURE,
    TIMELINE,
    make_case,
    make_column,
)
from tests.matching.factories import CARE_SEED, TOURISM_SEED, make_match

pytestmark = [
    pytest.mark.browser,
    # Before any fixture: no database, live server or browser for nothing.
    pytest.mark.skipif(
        not AXE_SCRIPT.exists(),
        reason=f"{AXE_SCRIPT} is missing: run bin/ensure-browser (npm axe-core)",
    ),
    # The live server needs committed data (see test_signup_to_publish.py).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
DRAFT_SEED = {  # what the seed form needs to save a draft
    "title": "書きかけのシーズ",
    "summary": "混雑の見通しを来庁前に知らせます。",
    "description": "窓口の受付データから待ち時間を予測します。",
    "deployments": "0",
    "contact_name": "山田 花子",
    "contact_email": "contact@example.jp",
}


@dataclass(frozen=True)
class Check:
    """One page to check: its name in the report, its URL built from the world,
    optionally what to do on it first (`then`: submit a form...; it returns the
    response of the page it leads to), the HTTP status expected at the end and a
    viewport other than the phone's."""

    name: str
    url: Callable[[SimpleNamespace], str]
    status: int = 200
    then: Callable[[Page], Response | None] | None = None
    viewport: dict | None = None
    # Wait until nothing is aria-busy (scripts fetching content) before checking.
    settle: bool = True


def submit(
    form: str = "main form.stacked-form",
    button: str = 'button[type="submit"]',
    fill: dict[str, str] | None = None,
):
    """Fill the given fields (name: value), submit the form with `button` and
    return the response of the page that answers."""

    def act(page: Page) -> Response | None:
        for name, value in (fill or {}).items():
            page.locator(f'{form} [name="{name}"]').fill(value)
        with page.expect_navigation() as navigation:
            page.locator(f"{form} {button}").first.click()
        return navigation.value

    return act


def type_similar_seed(page: Page) -> None:
    """Write a seed like a published one and wait for the similar seeds
    (js/similar.js) to appear."""
    page.locator('main [name="title"]').fill("分電盤のセンサーで独居高齢者を見守る")
    page.locator('main [name="summary"]').fill(
        "分電盤に付けたセンサーで独居高齢者の生活リズムを見守り、"
        "いつもと違うときに家族へ知らせるサービスです。"
    )
    page.locator("[data-similar] .similar-list a").first.wait_for()


def show_similar_seeds_loading(page: Page) -> None:
    """The similar seeds region as it looks while an answer is on its way."""
    wait_until_settled(page)
    page.locator("[data-similar-results]").evaluate(
        "element => element.setAttribute('aria-busy', 'true')"
    )


def wait_until_settled(page: Page) -> None:
    page.wait_for_function("() => !document.querySelector('[aria-busy=\"true\"]')")


PUBLIC_PAGES = [
    Check("home", lambda w: "/"),
    Check("home (desktop)", lambda w: "/", viewport=DESKTOP_VIEWPORT),
    Check("home in English", lambda w: "/en/"),
    Check("needs", lambda w: "/needs/"),
    Check("needs, page 2", lambda w: "/needs/?page=2"),
    Check(
        "needs, filtered",
        lambda w: (
            f"/needs/?q=窓口&field={Field.COUNTER}&stage={Stage.PUBLISHED}"
            f"&specificity={Specificity.MEDIUM}"
        ),
    ),
    Check("needs, filtered to nothing", lambda w: "/needs/?q=存在しない言葉"),
    Check("need", lambda w: w.need.url),
    Check("need open for ideas", lambda w: w.open_need.url),
    Check("department folder", lambda w: get_department_folder(w.department).url),
    Check("seeds", lambda w: "/seeds/"),
    Check("seeds, page 2", lambda w: "/seeds/?page=2"),
    Check(
        "seeds, filtered",
        lambda w: f"/seeds/?q=見守り&maturity={Maturity.PROTOTYPE}&org_type=company",
    ),
    Check("seed", lambda w: w.seed.url),
    Check("seed used elsewhere", lambda w: w.deployed_seed.url),
    Check(
        "organisation",
        lambda w: reverse("seeds:organization-detail", args=[w.organization.pk]),
    ),
    Check("case studies", lambda w: "/cases/"),
    Check("case studies, filtered", lambda w: f"/cases/?field={Field.COUNTER}"),
    Check("case study", lambda w: w.case.url),
    Check("columns", lambda w: "/columns/"),
    Check("column", lambda w: w.column.url),
    Check("standard page", lambda w: w.standard_page.url),
    Check("page not found", lambda w: "/no-such-page/", status=404),
    Check("log in", lambda w: reverse("account_login")),
    Check("log in, with errors", lambda w: reverse("account_login"), then=submit()),
    Check("sign up", lambda w: reverse("account_signup")),
    Check("sign up, with errors", lambda w: reverse("account_signup"), then=submit()),
    Check("password reset", lambda w: reverse("account_reset_password")),
]

MEMBER_PAGES = [
    Check("my page", lambda w: reverse("accounts:dashboard")),
    Check(
        "my page, invitation with errors",
        lambda w: reverse("accounts:dashboard"),
        then=submit(form='main form[action$="/my/organization/invite/"]'),
        status=400,
    ),
    Check("my seeds", lambda w: reverse("seeds:seed-list-mine")),
    Check("seed form", lambda w: reverse("seeds:seed-create")),
    Check(
        "seed form, with errors",
        lambda w: reverse("seeds:seed-create"),
        then=submit(button='button[name="submit"]'),
        status=400,
    ),
    Check(
        "seed form, similar seeds shown",
        lambda w: reverse("seeds:seed-create"),
        then=type_similar_seed,
    ),
    Check(
        "seed saved as a draft (with its message)",
        lambda w: reverse("seeds:seed-create"),
        then=submit(button='button[name="save"]', fill=DRAFT_SEED),
    ),
    Check("seed preview", lambda w: reverse("seeds:seed-preview", args=[w.seed.pk])),
    Check("seed edit form", lambda w: reverse("seeds:seed-edit", args=[w.seed.pk])),
    Check(
        "seed edit form, similar seeds loading",
        lambda w: reverse("seeds:seed-edit", args=[w.seed.pk]),
        then=show_similar_seeds_loading,
        settle=False,
    ),
    Check(
        "draft seed preview",
        lambda w: reverse("seeds:seed-preview", args=[w.draft_seed.pk]),
    ),
    Check("organisation form", lambda w: reverse("accounts:organization-edit")),
    Check("matched needs of my seeds", lambda w: reverse("matching:member-seed-list")),
    Check(
        "matched needs of a seed",
        lambda w: reverse("matching:seed-needs", args=[w.seed.pk]),
    ),
    Check("email addresses", lambda w: reverse("account_email")),
    Check("change password", lambda w: reverse("account_change_password")),
    Check("two-factor authentication", lambda w: reverse("mfa_index")),
]

STAFF_PAGES = [
    Check("my page", lambda w: reverse("accounts:dashboard")),
    Check(
        "matches of my department's needs",
        lambda w: reverse("matching:department-need-list"),
    ),
    Check(
        "accepted seeds of a need",
        lambda w: reverse("matching:department-need-matches", args=[w.need.pk]),
    ),
    Check(
        "seeds you may not know you need",
        lambda w: reverse("matching:department-discover", args=[w.department.slug]),
    ),
]

NEWCOMER_PAGES = [  # signed in, verified, no organisation yet
    Check("my page, no organisation", lambda w: reverse("accounts:dashboard")),
    Check("organisation form", lambda w: reverse("accounts:organization-create")),
    Check(
        "organisation form, with errors",
        lambda w: reverse("accounts:organization-create"),
        then=submit(fill={"corporate_number": "1234567890123"}),
    ),
]

COORDINATOR_PAGES = [
    Check("matching queue", lambda w: reverse("matching:queue")),
    Check(
        "matching queue (desktop)",
        lambda w: reverse("matching:queue"),
        viewport=DESKTOP_VIEWPORT,
    ),
    Check(
        "matching queue, filtered",
        lambda w: reverse("matching:queue") + f"?field={Field.COUNTER}",
    ),
    Check(
        "curation of a need",
        lambda w: reverse("matching:need-matches", args=[w.need.pk]),
    ),
]


@pytest.fixture
def world(coordinator, dept_x, staff_x, dept_y, staff_y, org_a, member_a, org_b):
    """Realistic content, built through the services: needs in several fields and
    stages, seeds of two organisations (published, draft), stored suggestions of
    every type (one accepted, one rejected), a case study, a column and a standard
    page."""
    member_b = org_b.memberships.get().user
    need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    open_need = factories.make_need(
        dept_x,
        staff_x,
        publish_by=coordinator,
        title="災害時の避難所の混雑をリアルタイムに伝えたい",
        field=Field.DISASTER,
        specificity=Specificity.HIGH,
    )
    open_need = change_need_stage(
        need=open_need, to=Stage.OPEN_FOR_IDEAS, by=coordinator
    )
    other_need = factories.make_need(
        dept_y,
        staff_y,
        publish_by=coordinator,
        title="救急車の出場件数の増加に備えたい",
        field=Field.HEALTH,
        specificity=Specificity.LOW,
    )
    factories.make_need(dept_x, staff_x, title="下書きのニーズ")  # never shown

    seed = factories.make_seed(org_a, member_a, publish_by=coordinator, **CARE_SEED)
    deployed_seed = factories.make_seed(
        org_b,
        member_b,
        publish_by=coordinator,
        contact_phone="045-000-0000",
        **TOURISM_SEED,
    )
    draft_seed = factories.make_seed(org_a, member_a, title="下書きのシーズ")

    accepted = make_match(need, seed, match_type=3)
    curation.accept_match(match=accepted, by=coordinator)
    rejected = make_match(need, deployed_seed, match_type=2)
    curation.reject_match(
        match=rejected, by=coordinator, reason="窓口の課題とは関係がありません。"
    )
    make_match(open_need, deployed_seed, match_type=1)
    make_match(other_need, seed, match_type=2)

    case = make_case(
        title="窓口の混雑予測で待ち時間を三割短縮",
        need=need,
        organizations=[org_a],
        timeline=TIMELINE,
        measures=[TIME_MEASURE, ACCURACY_MEASURE, MISSED_MEASURE],
    )
    column = make_column(title="実証に参加した企業に聞く")

    home = HomePage.objects.get()
    standard_page = home.add_child(
        instance=StandardPage(
            title="アクセシビリティ方針",
            slug="accessibility",
            lead="YOKOHAMA Hack! のアクセシビリティへの取り組みです。",
            body=[
                (
                    "paragraph",
                    "<h2>対象</h2><p>このサイトのすべてのページを対象とします。</p>"
                    '<ul><li>JIS X 8341-3:2016</li><li><a href="/needs/">ニーズ</a>'
                    "</li></ul>",
                )
            ],
        )
    )
    standard_page.save_revision().publish()

    return SimpleNamespace(
        need=need,
        open_need=open_need,
        seed=seed,
        deployed_seed=deployed_seed,
        draft_seed=draft_seed,
        department=dept_x,
        organization=org_a,
        standard_page=standard_page,
        case=case,
        column=column,
        member=member_a,
        newcomer=factories.make_user("newcomer@example.jp"),
        staff=staff_x,
        coordinator=coordinator,
    )


@pytest.fixture
def check_pages(new_context, world, browser_problems):
    """Visit each page with one browser context (signed in as `user` when given)
    and return every problem found, formatted; empty when all pages pass."""

    def run(checks: list[Check], user=None) -> str:
        # bypass_csp: axe is injected as an inline script.
        page = new_context(bypass_csp=True).new_page()
        if user is not None:
            log_in(page, user)
        default_viewport = page.viewport_size
        reports = []
        for check in checks:
            page.set_viewport_size(check.viewport or default_viewport)
            url = check.url(world)
            response = page.goto(url)
            if check.then is not None:
                # None: still the same page (content changed by a script).
                response = check.then(page) or response
            if check.settle:
                wait_until_settled(page)
            where = f"{check.name} ({url})"
            status = response.status if response else None
            if status != check.status:
                reports.append(f"{where}: HTTP {status}, expected {check.status}")
                continue
            if violations := run_axe(page):
                reports.append(format_violations(violations, where=where))
        reports.extend(browser_problems)
        return "\n".join(reports)

    return run


def log_in(page: Page, user) -> None:
    page.goto(reverse("account_login"))
    form = page.locator(f'main form[action="{reverse("account_login")}"]')
    form.locator('input[name="login"]').fill(user.email)
    form.locator('input[name="password"]').fill(factories.PASSWORD)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    assert page.url.endswith(reverse("accounts:dashboard")), page.url


def test_public_pages_pass_axe(check_pages, monkeypatch):
    # Two cards a page, so that the lists show their pagination.
    monkeypatch.setattr("hack.needs.models.NEEDS_PER_PAGE", 2)
    monkeypatch.setattr("hack.seeds.models.SEEDS_PER_PAGE", 2)
    report = check_pages(PUBLIC_PAGES)
    assert not report, "\n" + report


def test_organisation_member_pages_pass_axe(check_pages, world):
    # The seed form shows similar published seeds: they need embeddings.
    embed_pages([world.seed, world.deployed_seed], encoder=get_encoder())
    report = check_pages(MEMBER_PAGES, user=world.member)
    assert not report, "\n" + report


def test_newcomer_pages_pass_axe(check_pages, world):
    report = check_pages(NEWCOMER_PAGES, user=world.newcomer)
    assert not report, "\n" + report


def test_department_staff_pages_pass_axe(check_pages, world):
    report = check_pages(STAFF_PAGES, user=world.staff)
    assert not report, "\n" + report


def test_coordinator_pages_pass_axe(check_pages, world):
    report = check_pages(COORDINATOR_PAGES, user=world.coordinator)
    assert not report, "\n" + report
