"""End to end, on a phone-sized screen: a visitor signs up, verifies their address,
registers their organisation, writes a seed and submits it; a coordinator approves it
in the Wagtail admin; the public then finds it on /seeds/.

Selectors use URLs, names, ids and ARIA attributes, never translated text or styling
classes: the site is in Japanese (LANGUAGE_CODE = "ja") and so is the admin.
"""

import re
import uuid

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation
from playwright.sync_api import Page, expect

from hack.core.validators import validate_corporate_number
from hack.seeds.models import SeedPage
from tests import factories

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data. serialized_rollback restores the rows
    # the migrations made (Wagtail's root page and collection...) in case an earlier
    # transactional test flushed them.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Unique per run: allauth rate-limits verification emails per address (one per
# three minutes) in the cache, and on Redis the cache outlives the test run.
EMAIL = f"hanako-{uuid.uuid4().hex[:8]}@startup.example.jp"
PASSWORD = "Yokohama-minatomirai-2025"
ORGANIZATION = "株式会社みなとテック"
INVALID_CORPORATE_NUMBER = "1234567890123"  # its check digit would be 9, not 1
VALID_CORPORATE_NUMBER = "7000012050002"
SEED = {
    "title": "電力センサーで見守る独居シニア",
    "summary": (
        "分電盤に付けるセンサーで生活リズムを把握し、異変を家族と地域に知らせます。"
    ),
    "description": (
        "工事不要で設置できます。\nプライバシーに配慮し、カメラは使いません。"
    ),
    "tags": "IoT, 見守り",
    "maturity": "deployed_elsewhere",  # required when deployments > 0
    "deployments": "2",
    "municipalities": "川崎市\n相模原市",
    "contact_name": "山田 花子",
    "contact_email": "contact@startup.example.jp",
}


def click_header_link(page: Page, href: str) -> None:
    """Follow a link of the site header, opening the menu first should a phone
    layout hide the navigation behind a toggle."""
    link = page.locator(f'header a[href="{href}"]')
    if not link.is_visible():
        toggle = page.locator('header button[aria-expanded="false"]')
        if toggle.count():
            toggle.first.click()
    link.click()


def confirmation_link(email: str) -> str:
    messages = [message for message in mail.outbox if email in message.to]
    assert len(messages) == 1, [message.subject for message in mail.outbox]
    assert messages[0].subject.startswith("[YOKOHAMA Hack!] ")
    match = re.search(r"https?://\S+/accounts/confirm-email/[^\s/]+/", messages[0].body)
    assert match, messages[0].body
    return match.group(0)


def expected_corporate_number_error() -> str:
    """The message as the site shows it, whatever its current Japanese wording."""
    with translation.override("ja"), pytest.raises(ValidationError) as error:
        validate_corporate_number(INVALID_CORPORATE_NUMBER)
    return error.value.messages[0]


def test_visitor_signs_up_writes_a_seed_and_a_coordinator_publishes_it(
    new_context, live_server, coordinator, browser_problems
):
    # 1. A new visitor finds the sign-up link in the header of the home page.
    member = new_context().new_page()
    member.goto("/")
    click_header_link(member, "/accounts/signup/")
    member.wait_for_url("**/accounts/signup/")

    signup = member.locator('main form[action="/accounts/signup/"]')
    signup.locator('input[name="email"]').fill(EMAIL)
    signup.locator('input[name="password1"]').fill(PASSWORD)
    signup.locator('input[name="password2"]').fill(PASSWORD)
    signup.locator('button[type="submit"]').click()
    member.wait_for_url("**/accounts/confirm-email/")

    # 2. The verification email links to a page with a confirm button.
    member.goto(confirmation_link(EMAIL))
    member.locator('main form[method="post"] button[type="submit"]').click()

    # 3. Signed in at once (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION), on My page.
    member.wait_for_url("**/my/")
    expect(member.locator("main")).to_contain_text(EMAIL)
    member.locator('main a[href="/my/organization/new/"]').first.click()
    member.wait_for_url("**/my/organization/new/")

    organization_form = member.locator('main form:has(input[name="corporate_number"])')
    corporate_number = organization_form.locator('input[name="corporate_number"]')
    organization_form.locator('input[name="name"]').fill(ORGANIZATION)
    organization_form.locator('select[name="org_type"]').select_option("startup")
    corporate_number.fill(INVALID_CORPORATE_NUMBER)
    organization_form.locator('button[type="submit"]').click()

    # An invalid corporate number is explained, and what was typed is kept.
    expect(corporate_number).to_have_attribute("aria-invalid", "true")
    expect(member.locator('main [role="alert"]')).to_contain_text(
        expected_corporate_number_error()
    )
    expect(organization_form.locator('input[name="name"]')).to_have_value(ORGANIZATION)
    expect(organization_form.locator('select[name="org_type"]')).to_have_value(
        "startup"
    )
    expect(corporate_number).to_have_value(INVALID_CORPORATE_NUMBER)

    corporate_number.fill(VALID_CORPORATE_NUMBER)
    organization_form.locator('button[type="submit"]').click()
    member.wait_for_url("**/my/")
    expect(member.locator("main")).to_contain_text(ORGANIZATION)

    # The member writes a seed and submits it for review.
    member.locator('main a[href="/my/seeds/new/"]').first.click()
    member.wait_for_url("**/my/seeds/new/")
    seed_form = member.locator('main form:has(button[name="submit"])')
    for name, value in SEED.items():
        if name != "maturity":
            seed_form.locator(f'[name="{name}"]').fill(value)
    seed_form.locator('select[name="maturity"]').select_option(SEED["maturity"])
    seed_form.locator('button[name="submit"]').click()
    member.wait_for_url(re.compile(r"/my/seeds/\d+/$"))
    expect(member.locator("main h1")).to_have_text(SEED["title"])
    seed_pk = int(re.search(r"/my/seeds/(\d+)/$", member.url).group(1))
    # In review: the member can withdraw it, but no longer edit it.
    expect(
        member.locator(f'form[action="/my/seeds/{seed_pk}/withdraw/"]')
    ).to_be_visible()
    expect(member.locator(f'a[href="/my/seeds/{seed_pk}/edit/"]')).to_have_count(0)
    seed_url = SeedPage.objects.get(pk=seed_pk).url
    assert seed_url.startswith("/seeds/"), seed_url

    # 4. The public cannot see it yet: not listed, and its address is not found.
    public = new_context().new_page()
    public.goto("/seeds/")
    expect(public.locator("main h1")).to_be_visible()
    expect(public.locator(f'main a[href="{seed_url}"]')).to_have_count(0)
    expect(public.get_by_text(SEED["title"])).to_have_count(0)
    assert public.goto(seed_url).status == 404

    # 5. A coordinator signs in and approves it from the admin dashboard.
    admin = new_context().new_page()
    admin.goto("/accounts/login/")
    login = admin.locator('main form[action="/accounts/login/"]')
    login.locator('input[name="login"]').fill(coordinator.email)
    login.locator('input[name="password"]').fill(factories.PASSWORD)
    login.locator('button[type="submit"]').click()
    admin.wait_for_url("**/my/")

    admin.goto("/admin/")
    edit_url = f"/admin/pages/{seed_pk}/edit/"
    row = admin.locator("#awaiting-review-section tbody tr").filter(
        has=admin.locator(f'a[href="{edit_url}"]')
    )
    expect(row).to_have_count(1)
    expect(row).to_contain_text(SEED["title"])
    row.locator('button[data-w-dropdown-target="toggle"]').click()
    # The plain "approve" action (the other one asks for a comment in a modal).
    approve = admin.locator(
        f'button[data-workflow-action-url^="/admin/pages/workflow/action/{seed_pk}/approve/"]'
        ":not([data-launch-modal])"
    )
    with admin.expect_navigation():
        approve.click()
    admin.wait_for_url("**/admin/")
    expect(admin.locator(f'a[href="{edit_url}"]')).to_have_count(0)
    assert SeedPage.objects.get(pk=seed_pk).live

    # 6. Anyone now finds the seed on /seeds/ and opens it.
    public.goto("/seeds/")
    card_link = public.locator(f'main a[href="{seed_url}"]')
    expect(card_link).to_have_text(SEED["title"])
    card_link.click()
    public.wait_for_url(f"**{seed_url}")
    expect(public.locator("main h1")).to_have_text(SEED["title"])
    expect(public.locator("main")).to_contain_text(ORGANIZATION)
    contact_link = public.locator(f'main a[href="mailto:{SEED["contact_email"]}"]')
    expect(contact_link).to_be_visible()

    assert browser_problems == []
