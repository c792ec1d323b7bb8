"""The member pages: register an organisation, invite, accept, remove."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from hack.accounts.models import Invitation, Membership, MembershipRole, Organization
from hack.accounts.roles import get_organization_of
from tests import factories

NEW_ORG_URL = "/my/organization/new/"
CHECK_DIGIT_MESSAGE = (
    "This corporate number is not valid: its check digit does not match. "
    "Please check the number on the National Tax Agency site."
)


def org_data(**overrides) -> dict:
    data = {
        "name": "株式会社ミナトミライ <テスト> & 子",
        "org_type": "startup",
        "corporate_number": "7000012050003",  # wrong check digit
        "is_startup": "on",
        "website": "https://minatomirai.example.jp/about?x=1&y=2",
        "description": "市民サービスの DX を支援します。\n二行目",
    }
    data.update(overrides)
    return data


@pytest.fixture
def newcomer(site):
    return factories.make_user("newcomer@example.jp")


@pytest.fixture
def newcomer_client(client, newcomer):
    client.force_login(newcomer)
    return client


def assert_values_kept(html: str, data: dict) -> None:
    for name in ("name", "corporate_number", "website", "description"):
        assert escape(data[name]) in html, f"{name} lost"
    assert re.search(r'<option value="startup"[^>]*selected', html)
    assert re.search(r'name="is_startup"[^>]*checked', html)


def corporate_number_errors(html: str) -> str:
    match = re.search(
        r'<ul class="errorlist"[^>]* id="id_corporate_number_error">(.*?)</ul>',
        html,
        re.S,
    )
    assert match, "no error next to the corporate number"
    return match.group(1)


def test_anonymous_is_sent_to_login(client, site):
    response = client.get(NEW_ORG_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_register_form_is_shown(newcomer_client):
    assert newcomer_client.get(NEW_ORG_URL).status_code == 200


def test_invalid_corporate_number_in_english_keeps_input(newcomer_client):
    data = org_data()
    response = newcomer_client.post("/en" + NEW_ORG_URL, data)
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert escape(CHECK_DIGIT_MESSAGE) in corporate_number_errors(html)
    assert_values_kept(html, data)
    assert not Organization.objects.exists()


def test_invalid_corporate_number_in_japanese_keeps_input(newcomer_client):
    data = org_data()
    response = newcomer_client.post(NEW_ORG_URL, data)
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert 'lang="ja"' in html
    with translation.override("ja"):
        expected = gettext(CHECK_DIGIT_MESSAGE)
    assert escape(expected) in corporate_number_errors(html)
    assert_values_kept(html, data)
    assert not Organization.objects.exists()


@pytest.mark.parametrize("number", ["12345", "70000120500021", "abcdefghijklm"])
def test_malformed_corporate_number_keeps_input(newcomer_client, number):
    data = org_data(corporate_number=number)
    response = newcomer_client.post("/en" + NEW_ORG_URL, data)
    assert response.status_code in (200, 400)
    corporate_number_errors(response.content.decode())
    assert escape(number) in response.content.decode()
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    "number", ["7000012050002", "７００００１２０５０００２", "7-0000-1205-0002", ""]
)
def test_success_redirects_to_my_page(newcomer_client, newcomer, number):
    response = newcomer_client.post(NEW_ORG_URL, org_data(corporate_number=number))
    assert response.status_code == 302
    assert response["Location"] == "/my/"
    organization = get_organization_of(newcomer)
    assert organization.corporate_number == ("7000012050002" if number else "")
    assert Membership.objects.get(user=newcomer).role == MembershipRole.OWNER
    assert newcomer_client.get("/my/").status_code == 200


def test_member_with_organisation_is_sent_to_edit(client, member_a):
    client.force_login(member_a)
    response = client.post(NEW_ORG_URL, org_data(corporate_number=""))
    assert response.status_code == 302
    assert response["Location"] == "/my/organization/edit/"
    assert Organization.objects.count() == 1


def test_city_staff_registering_gets_a_403_not_a_500(client, staff_x):
    client.force_login(staff_x)
    response = client.post(NEW_ORG_URL, org_data(corporate_number=""))
    assert response.status_code == 403
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"name": "x" * 100_000, "org_type": "company"},
        {"name": "株式会社", "org_type": "bogus"},
        {"name": "株式会社", "org_type": "company", "website": "javascript:alert(1)"},
        {"name": "nul\x00", "org_type": "company"},
    ],
)
def test_garbage_never_gives_a_500(newcomer_client, data):
    response = newcomer_client.post(NEW_ORG_URL, data)
    assert response.status_code in (200, 400)
    assert not Organization.objects.exists()


def test_plain_member_cannot_edit_profile(client, org_a):
    member = factories.make_member(org_a)
    client.force_login(member)
    assert client.get("/my/organization/edit/").status_code == 403


def test_owner_edits_profile_and_errors_keep_input(client, member_a, org_a):
    client.force_login(member_a)
    data = org_data()
    response = client.post("/en/my/organization/edit/", data)
    assert response.status_code in (200, 400)
    assert_values_kept(response.content.decode(), data)
    org_a.refresh_from_db()
    assert org_a.name == "株式会社エー"
    response = client.post("/my/organization/edit/", org_data(corporate_number=""))
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.name == org_data()["name"]


# --- invitations through the views --------------------------------------------


def test_invite_accept_flow(
    client, member_a, org_a, django_capture_on_commit_callbacks
):
    client.force_login(member_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/my/organization/invite/",
            {"email": "colleague@example.jp", "role": "member"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(
        r"http://testserver(/invitations/[0-9a-f-]{36}/)", mail.outbox[0].body
    )
    assert link, mail.outbox[0].body

    colleague = factories.make_user("colleague@example.jp")
    client.force_login(colleague)
    assert client.get(link.group(1)).status_code == 200
    response = client.post(link.group(1))
    assert response.status_code == 302
    assert get_organization_of(colleague) == org_a


def test_invite_with_bad_email_shows_400(client, member_a):
    client.force_login(member_a)
    response = client.post(
        "/my/organization/invite/", {"email": "nope", "role": "member"}
    )
    assert response.status_code == 400
    assert 'value="nope"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_plain_member_cannot_invite(client, org_a):
    member = factories.make_member(org_a)
    client.force_login(member)
    response = client.post(
        "/my/organization/invite/", {"email": "x@example.jp", "role": "owner"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_accepting_someone_elses_invitation_shows_error(client, member_a, org_a):
    invitation = Invitation.objects.create(
        organization=org_a, email="colleague@example.jp", invited_by=member_a
    )
    intruder = factories.make_user("intruder@example.jp")
    client.force_login(intruder)
    response = client.post(f"/invitations/{invitation.token}/")
    assert response.status_code == 400
    assert not intruder.memberships.exists()


def test_accepting_an_expired_invitation_shows_error(client, member_a, org_a):
    invitation = Invitation.objects.create(
        organization=org_a, email="colleague@example.jp", invited_by=member_a
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=15)
    )
    colleague = factories.make_user("colleague@example.jp")
    client.force_login(colleague)
    response = client.post(f"/en/invitations/{invitation.token}/")
    assert response.status_code == 400
    assert (
        "This invitation has expired or was already used." in response.content.decode()
    )
    assert not colleague.memberships.exists()


def test_removing_the_last_owner_shows_a_message(client, member_a):
    client.force_login(member_a)
    membership = member_a.memberships.get()
    response = client.post(
        f"/en/my/organization/members/{membership.pk}/remove/", follow=True
    )
    assert response.status_code == 200
    assert "An organisation needs at least one owner." in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_plain_member_cannot_remove_by_url(client, member_a, org_a):
    member = factories.make_member(org_a)
    client.force_login(member)
    response = client.post(
        f"/my/organization/members/{member_a.memberships.get().pk}/remove/"
    )
    assert response.status_code == 403
    assert Membership.objects.filter(user=member_a).exists()
