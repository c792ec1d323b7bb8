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
from hack.calls import selectors as call_selectors
from hack.calls import services as call_services
from hack.calls.models import AccessKind, ProposalStatus
from hack.matching import curation
from hack.matching.encoders import get_encoder
from hack.matching.indexing import embed_pages
from hack.needs.choices import Field, Specificity, Stage
from hack.needs.selectors import get_department_folder
from hack.needs.services import change_need_stage
from hack.notifications import services as notification_services
from hack.notifications.kinds import EmailCategory
from hack.notifications.models import Frequency, Notification, SubscriptionKinds
from hack.seeds.choices import Maturity
from tests import factories
from tests.browser.axe import AXE_SCRIPT, format_violations, run_axe
from tests.calls.factories import close_call, make_call, make_proposal, pdf_upload
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


def submit_subscription_without_kinds(page: Page) -> Response | None:
    """The subscription form after a failed submit: its radio buttons come
    checked, so untick "what to follow" first (the form has novalidate)."""
    page.locator('main form.stacked-form [name="kinds"]').evaluate_all(
        "radios => radios.forEach(radio => { radio.checked = false; })"
    )
    return submit()(page)


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
    Check("needs with an open idea call", lambda w: "/needs/?open_call=on"),
    Check("need", lambda w: w.need.url),
    Check("need open for ideas", lambda w: w.open_need.url),
    Check(
        "need with an open idea call (documents, answers, public proposal)",
        lambda w: w.call_need.url,
    ),
    Check("need whose idea call has closed", lambda w: w.closed_need.url),
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
    # At 360 px the outcome table scrolls inside its region and axe cannot see
    # the contrast of the cells out of view: check them where the table fits.
    Check("case study (desktop)", lambda w: w.case.url, viewport=DESKTOP_VIEWPORT),
    Check("columns", lambda w: "/columns/"),
    Check("column", lambda w: w.column.url),
    Check("standard page", lambda w: w.standard_page.url),
    Check("page not found", lambda w: "/no-such-page/", status=404),
    Check("log in", lambda w: reverse("account_login")),
    Check("log in, with errors", lambda w: reverse("account_login"), then=submit()),
    Check("sign up", lambda w: reverse("account_signup")),
    Check("sign up, with errors", lambda w: reverse("account_signup"), then=submit()),
    Check("password reset", lambda w: reverse("account_reset_password")),
    Check(
        "unsubscribe from a subscription",
        lambda w: reverse("notifications:unsubscribe", args=[w.subscription_token]),
    ),
    Check(
        "unsubscribe from a kind of email",
        lambda w: reverse("notifications:unsubscribe", args=[w.category_token]),
    ),
    Check(
        "unsubscribe, link that does not work",
        lambda w: reverse("notifications:unsubscribe", args=["not-a-valid-token"]),
        status=400,
    ),
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
    Check("need with an open idea call, our proposal", lambda w: w.call_need.url),
    Check("question form", lambda w: reverse("calls:question-ask", args=[w.call.pk])),
    Check(
        "question form, with errors",
        lambda w: reverse("calls:question-ask", args=[w.call.pk]),
        then=submit(),
        status=400,
    ),
    Check("my proposals", lambda w: reverse("calls:proposal-list-mine")),
    Check(
        "proposal form, empty draft",
        lambda w: reverse("calls:proposal-edit", args=[w.draft_proposal.pk]),
    ),
    Check(
        "proposal form, failed submit",
        lambda w: reverse("calls:proposal-edit", args=[w.draft_proposal.pk]),
        then=submit(form="main form#proposal-form", button='button[name="submit"]'),
        status=400,
    ),
    Check(
        "proposal form, submitted with attachments",
        lambda w: reverse("calls:proposal-edit", args=[w.submitted_proposal.pk]),
    ),
    Check(
        "draft proposal",
        lambda w: reverse("calls:proposal-detail", args=[w.draft_proposal.pk]),
    ),
    Check(
        "submitted proposal",
        lambda w: reverse("calls:proposal-detail", args=[w.submitted_proposal.pk]),
    ),
    Check(
        "decided proposal (with the city's message)",
        lambda w: reverse("calls:proposal-detail", args=[w.decided_proposal.pk]),
    ),
    Check(
        "notifications, some unread",
        lambda w: reverse("notifications:notification-list"),
    ),
    Check("notification settings", lambda w: reverse("notifications:settings")),
    Check("subscriptions", lambda w: reverse("notifications:subscription-list")),
    Check("new subscription", lambda w: reverse("notifications:subscription-create")),
    Check(
        "new subscription, with errors",
        lambda w: reverse("notifications:subscription-create"),
        then=submit_subscription_without_kinds,
        status=400,
    ),
    Check(
        "subscription edit form",
        lambda w: reverse("notifications:subscription-edit", args=[w.subscription.pk]),
    ),
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
    Check("idea calls", lambda w: reverse("calls:call-list")),
    Check(  # where the table fits: axe sees every cell's contrast
        "idea calls (desktop)",
        lambda w: reverse("calls:call-list"),
        viewport=DESKTOP_VIEWPORT,
    ),
    Check(
        "open an idea call", lambda w: reverse("calls:call-create", args=[w.need.pk])
    ),
    Check(
        "open an idea call, with errors",
        lambda w: reverse("calls:call-create", args=[w.need.pk]),
        then=submit(),
        status=400,
    ),
    Check(
        "idea call (questions, scored proposals)",
        lambda w: reverse("calls:call-manage", args=[w.call.pk]),
    ),
    Check("need with an open idea call, as its department", lambda w: w.call_need.url),
    Check(
        "proposal, as the department",
        lambda w: reverse("calls:proposal-detail", args=[w.submitted_proposal.pk]),
    ),
    Check(
        "score a proposal",
        lambda w: reverse("calls:proposal-review", args=[w.submitted_proposal.pk]),
    ),
    Check(
        "score a proposal, with errors",
        lambda w: reverse("calls:proposal-review", args=[w.submitted_proposal.pk]),
        then=submit(),
        status=400,
    ),
    Check(
        "change my scores",
        lambda w: reverse("calls:proposal-review", args=[w.public_proposal.pk]),
    ),
    Check(
        "decide on a proposal",
        lambda w: reverse("calls:proposal-decide", args=[w.submitted_proposal.pk]),
    ),
    Check(
        "decide on a proposal, with errors",
        lambda w: reverse("calls:proposal-decide", args=[w.submitted_proposal.pk]),
        then=submit(),
        status=400,
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
    Check(
        "who read a proposal",
        lambda w: reverse("calls:proposal-access-log", args=[w.submitted_proposal.pk]),
    ),
]


@pytest.fixture
def world(coordinator, dept_x, staff_x, dept_y, staff_y, org_a, member_a, org_b):
    """Realistic content, built through the services: needs in several fields and
    stages, seeds of two organisations (published, draft), stored suggestions of
    every type (one accepted, one rejected), a case study, a column, a standard
    page, idea calls (open, closed) with questions, proposals in every state,
    scores, notifications and subscriptions."""
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

    calls = make_calls(
        dept_x, staff_x, coordinator, member_a, member_b, publish_by=coordinator
    )

    return SimpleNamespace(
        **calls,
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


def make_calls(department, staff, coordinator, member, other_member, *, publish_by):
    """Idea calls on needs of `department`, with what each page shows.

    - an open call with documents, an answered and an unanswered question, the
      other organisation's submitted proposal (public summary, scored by two
      reviewers) and `member`'s submitted one (attachments, read by `staff`, the
      coordinator stepped aside);
    - a closed call; a call where `member` has an empty draft; a call where
      `member`'s proposal was shortlisted with a message;
    - `member`'s notifications (one read), two subscriptions and unsubscribe
      tokens.
    """

    def call_on(title, **fields):
        need = factories.make_need(
            department, staff, publish_by=publish_by, title=title
        )
        return make_call(need, staff, **fields)

    call = call_on(
        "窓口の呼び出し順をスマートフォンで知らせたい",
        documents=[pdf_upload("募集要項.pdf"), pdf_upload("窓口の現状.pdf", size=4096)],
    )
    asked = call_services.ask_question(
        call=call, by=member, question="既存の受付番号発券機との連携は必須ですか？"
    )
    call_services.answer_question(
        question=asked,
        by=staff,
        answer="必須ではありません。\n発券機の番号を使える場合は評価で考慮します。",
    )
    call_services.ask_question(
        call=call, by=other_member, question="試行に使える窓口はいくつありますか？"
    )
    public_proposal = make_proposal(
        call,
        other_member,
        title="LINE で呼び出し順を知らせる",
        public_summary="待っている人のスマートフォンに呼び出しの近さを知らせます。",
        summary_is_public=True,
    )
    criteria = list(call_selectors.list_criteria(call))
    call_services.save_review(
        proposal=public_proposal,
        by=staff,
        scores={c.pk: (4, "具体的です。") for c in criteria},
    )
    call_services.save_review(
        proposal=public_proposal,
        by=coordinator,
        scores={c.pk: (2, "") for c in criteria},
    )
    submitted_proposal = make_proposal(call, member)
    attachment = call_services.add_attachment(
        proposal=submitted_proposal, by=member, upload=pdf_upload()
    )
    call_services.add_attachment(
        proposal=submitted_proposal,
        by=member,
        upload=pdf_upload(
            "費用見積もり_2025年度_窓口混雑予測システム.pdf", size=20_000
        ),
    )
    call_services.declare_conflict(
        proposal=submitted_proposal, by=coordinator, note="昨年この会社に助言しました。"
    )
    call_services.record_proposal_access(proposal=submitted_proposal, by=staff)
    call_services.record_proposal_access(
        proposal=submitted_proposal,
        by=staff,
        kind=AccessKind.DOWNLOAD,
        attachment=attachment,
    )

    closed_call = close_call(call_on("図書館の予約本の受け取りを早くしたい"))
    draft_call = call_on("保育園の入園申請の書類を減らしたい")
    draft_proposal = call_services.start_proposal(call=draft_call, by=member)
    decided_call = call_on("粗大ごみの収集予約の電話をなくしたい")
    decided_proposal = make_proposal(
        decided_call, member, title="チャットで粗大ごみの収集を予約"
    )
    decided_proposal = call_services.decide_proposal(
        proposal=decided_proposal,
        by=staff,
        decision=ProposalStatus.SHORTLISTED,
        message="一次審査を通過しました。\n来月、担当課との打ち合わせをお願いします。",
    )

    # Submitting, the answer and the decision told `member`: read the oldest.
    notification_services.mark_notification_read(
        notification=Notification.objects.filter(recipient=member).earliest("pk"),
        by=member,
    )
    subscription = notification_services.create_subscription(
        user=member,
        data={
            "fields": [Field.COUNTER, Field.DISASTER],
            "department": department,
            "keyword": "防災",
            "kinds": SubscriptionKinds.CALLS,
            "frequency": Frequency.WEEKLY,
        },
    )
    notification_services.create_subscription(user=member, data={"is_active": False})
    return {
        "call": call,
        "call_need": call.need,
        "closed_need": closed_call.need,
        "public_proposal": public_proposal,
        "submitted_proposal": submitted_proposal,
        "draft_proposal": draft_proposal,
        "decided_proposal": decided_proposal,
        "subscription": subscription,
        "subscription_token": notification_services.make_unsubscribe_token(
            user=member, subscription=subscription
        ),
        "category_token": notification_services.make_unsubscribe_token(
            user=member, category=EmailCategory.PROPOSALS
        ),
    }


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
