"""End to end on a phone-sized screen: an organisation member drafts a proposal
(autosaved), reloads and finds the draft, attaches a file and submits; the
department's staff score it and decide; the proposer sees the decision and got
the email.

Selectors use URLs, names and ARIA attributes, never translated text.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from hack.calls.models import Proposal, ProposalStatus
from tests import factories
from tests.calls.factories import PDF_BYTES, make_call

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TITLE = "AI 受付で待ち時間を半分に"
BODY = "【機密】受付システムを 3 か月試行します。"
DECISION = "二次審査にお進みください。日程は追ってご連絡します。"


def log_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    form = page.locator('main form[action="/accounts/login/"]')
    form.locator('input[name="login"]').fill(email)
    password = form.locator('input[name="password"]')
    password.fill(factories.PASSWORD)
    password.press("Enter")
    page.wait_for_url(re.compile(r"/my/"))


@pytest.fixture
def setting(site, tmp_path):
    coordinator = factories.make_coordinator()
    department = factories.make_department()
    staff = factories.make_staff(department)
    need = factories.make_need(department, staff, publish_by=coordinator)
    call = make_call(need, staff)
    member = factories.make_user()
    factories.make_organization(member, name="株式会社みなとテック")
    pdf = tmp_path / "提案資料.pdf"
    pdf.write_bytes(PDF_BYTES)
    return {"staff": staff, "need": need, "call": call, "member": member, "pdf": pdf}


def test_member_drafts_submits_and_hears_the_decision(
    new_context, browser_problems, setting
):
    mail.outbox.clear()
    member = new_context().new_page()
    log_in(member, setting["member"].email)

    member.goto(setting["need"].url)
    member.locator(
        f'form[action$="/calls/{setting["call"].pk}/proposal/"] button'
    ).click()
    member.wait_for_url(re.compile(r"/proposals/\d+/edit/"))
    edit_url = member.url

    form = member.locator("#proposal-form")
    form.locator('input[name="title"]').fill(TITLE)
    form.locator('textarea[name="body"]').fill(BODY)
    # The autosave reports through a live region once the server has the text.
    expect(member.locator("#autosave-status")).to_contain_text(
        re.compile(r"\d{2}:\d{2}"), timeout=10_000
    )
    proposal = Proposal.objects.get()
    assert proposal.title == TITLE and proposal.body == BODY

    member.reload()
    expect(form.locator('input[name="title"]')).to_have_value(TITLE)
    expect(form.locator('textarea[name="body"]')).to_have_value(BODY)

    form.locator('input[name="attachment"]').set_input_files(str(setting["pdf"]))
    form.locator('input[name="accept_terms"]').check()
    form.locator('button[name="submit"]').click()
    member.wait_for_url(re.compile(r"/proposals/\d+/$"))
    assert member.url != edit_url
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.attachments.count() == 1

    staff = new_context().new_page()
    log_in(staff, setting["staff"].email)
    staff.goto(f"/manage/calls/{setting['call'].pk}/")
    expect(staff.locator(f'a[href="/proposals/{proposal.pk}/"]').first).to_be_visible()
    staff.goto(f"/manage/proposals/{proposal.pk}/review/")
    review = staff.locator("main form").filter(has=staff.locator('input[type="radio"]'))
    for group in review.locator("fieldset").all():
        radios = group.locator('input[type="radio"][value="4"]')
        if radios.count():
            radios.first.check()
    review.locator('button[type="submit"]').first.click()
    staff.wait_for_load_state()
    assert proposal.reviews.get().scores.count() == proposal.call.criteria.count()

    staff.goto(f"/manage/proposals/{proposal.pk}/decide/")
    decide = staff.locator("main form").filter(has=staff.locator('[name="message"]'))
    decide.locator('[name="decision"]').first.evaluate(
        "(el) => el.tagName === 'SELECT' ? (el.value = 'shortlisted') : null"
    )
    shortlisted = decide.locator('input[name="decision"][value="shortlisted"]')
    if shortlisted.count():
        shortlisted.check()
    decide.locator('[name="message"]').fill(DECISION)
    decide.locator('button[type="submit"]').first.click()
    staff.wait_for_load_state()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SHORTLISTED

    member.goto(f"/proposals/{proposal.pk}/")
    expect(member.locator("main")).to_contain_text(DECISION)
    emails = [m for m in mail.outbox if setting["member"].email in m.to]
    assert any(DECISION in m.body for m in emails)
    assert browser_problems == []


def test_text_typed_after_the_session_expired_is_kept_and_restored(
    new_context, browser_problems, setting
):
    from hack.calls import services as call_services

    proposal = call_services.start_proposal(call=setting["call"], by=setting["member"])
    context = new_context()
    page = context.new_page()
    log_in(page, setting["member"].email)
    page.goto(f"/proposals/{proposal.pk}/edit/")
    form = page.locator("#proposal-form")
    expired = form.get_attribute("data-text-expired")

    context.clear_cookies()  # the session ends while the member is writing
    form.locator('textarea[name="body"]').fill(BODY)
    expect(page.locator("#autosave-status")).to_have_text(expired, timeout=10_000)
    proposal.refresh_from_db()
    assert proposal.body == ""

    log_in(page, setting["member"].email)
    page.goto(f"/proposals/{proposal.pk}/edit/")
    restore = page.locator("#autosave-restore")
    expect(restore).to_be_visible()
    restore.locator('[data-restore="yes"]').click()
    expect(form.locator('textarea[name="body"]')).to_have_value(BODY)
    expect(page.locator("#autosave-status")).to_contain_text(
        re.compile(r"\d{2}:\d{2}"), timeout=10_000
    )
    proposal.refresh_from_db()
    assert proposal.body == BODY
    assert browser_problems == []
