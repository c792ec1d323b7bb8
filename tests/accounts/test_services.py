"""Organisations, memberships and invitations, through the services."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hack.accounts import services
from hack.accounts.models import (
    Invitation,
    Membership,
    MembershipRole,
    Organization,
    OrganizationType,
)
from hack.accounts.roles import get_organization_of, is_owner_of
from tests import factories

BASE_URL = "https://hack.example.jp/"


# --- create_organization ------------------------------------------------------


def test_creator_becomes_owner(site):
    user = factories.make_user()
    organization = services.create_organization(
        by=user,
        name="株式会社ヨコハマ",
        org_type=OrganizationType.STARTUP,
        corporate_number="7000012050002",
        is_startup=True,
        website="https://example.jp",
        description="説明",
    )
    membership = Membership.objects.get()
    assert (membership.user, membership.organization, membership.role) == (
        user,
        organization,
        MembershipRole.OWNER,
    )
    assert organization.corporate_number == "7000012050002"
    assert organization.is_startup


def test_unknown_fields_are_ignored(site):
    organization = services.create_organization(
        by=factories.make_user(), name="株式会社", org_type="company", id=999, pk=999
    )
    assert organization.name == "株式会社"


def test_a_second_organisation_for_the_same_user_is_refused(member_a):
    with pytest.raises(ValidationError):
        factories.make_organization(member_a, name="二つ目")
    assert Organization.objects.count() == 1


@pytest.mark.parametrize("role", ["staff", "coordinator"])
def test_city_staff_cannot_create_organisations(staff_x, coordinator, role):
    user = staff_x if role == "staff" else coordinator
    with pytest.raises(PermissionDenied):
        factories.make_organization(user)
    assert not Organization.objects.exists()
    assert not Membership.objects.exists()


def test_invalid_organisation_is_not_saved(site):
    user = factories.make_user()
    with pytest.raises(ValidationError) as caught:
        services.create_organization(
            by=user, name="", org_type="bogus", corporate_number="7000012050003"
        )
    assert {"name", "org_type", "corporate_number"} <= set(caught.value.error_dict)
    assert not Organization.objects.exists()
    assert not Membership.objects.exists()


def test_members_cannot_become_department_staff(member_a, dept_x):
    with pytest.raises(ValidationError):
        services.add_department_staff(user=member_a, department=dept_x)


# --- update_organization ------------------------------------------------------


def test_owner_updates_profile(org_a, member_a):
    services.update_organization(organization=org_a, by=member_a, name="株式会社エー改")
    org_a.refresh_from_db()
    assert org_a.name == "株式会社エー改"


def test_plain_member_cannot_update(org_a):
    member = factories.make_member(org_a)
    with pytest.raises(PermissionDenied):
        services.update_organization(organization=org_a, by=member, name="乗っ取り")
    org_a.refresh_from_db()
    assert org_a.name == "株式会社エー"


def test_outsider_cannot_update(org_a, member_b, coordinator):
    for user in (member_b, coordinator):
        with pytest.raises(PermissionDenied):
            services.update_organization(organization=org_a, by=user, name="乗っ取り")


def test_update_validates_the_corporate_number(org_a, member_a):
    with pytest.raises(ValidationError):
        services.update_organization(
            organization=org_a, by=member_a, corporate_number="7000012050003"
        )
    org_a.refresh_from_db()
    assert org_a.corporate_number == ""


# --- invitations --------------------------------------------------------------


def _invite(org, by, email="colleague@example.jp", role=MembershipRole.MEMBER):
    return services.invite_member(
        organization=org, email=email, by=by, role=role, base_url=BASE_URL
    )


def _accept_url(message) -> str:
    match = re.search(r"https?://\S+/invitations/[0-9a-f-]{36}/", message.body)
    assert match, message.body
    return match.group(0)


def test_invitation_sends_email_with_accept_link(
    org_a, member_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitation = _invite(org_a, member_a, email="  Colleague@Example.JP ")
    assert len(callbacks) == 1
    assert invitation.email == "colleague@example.jp"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["colleague@example.jp"]
    assert "株式会社エー" in message.subject
    assert "\n" not in message.subject
    assert (
        _accept_url(message)
        == f"https://hack.example.jp/invitations/{invitation.token}/"
    )


def test_no_email_when_the_transaction_rolls_back(
    org_a, member_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _invite(org_a, member_a)
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_only_owners_invite(org_a, member_b, django_capture_on_commit_callbacks):
    member = factories.make_member(org_a)
    with django_capture_on_commit_callbacks(execute=True):
        for user in (member, member_b):
            with pytest.raises(PermissionDenied):
                _invite(org_a, user)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_inviting_an_existing_member_is_refused(org_a, member_a):
    member = factories.make_member(org_a, "already@example.jp")
    with pytest.raises(ValidationError):
        _invite(org_a, member_a, email="ALREADY@example.jp")
    assert member.memberships.count() == 1


def test_accepting_makes_a_membership_with_the_invited_role(org_a, member_a):
    invitation = _invite(org_a, member_a, email="new-owner@example.jp", role="owner")
    user = factories.make_user("new-owner@example.jp")
    membership = services.accept_invitation(invitation=invitation, user=user)
    assert (membership.user, membership.organization, membership.role) == (
        user,
        org_a,
        MembershipRole.OWNER,
    )
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert is_owner_of(user, org_a)


def test_accepting_as_member(org_a, member_a):
    invitation = _invite(org_a, member_a)
    user = factories.make_user("colleague@example.jp")
    services.accept_invitation(invitation=invitation, user=user)
    assert get_organization_of(user) == org_a
    assert not is_owner_of(user, org_a)


def test_accepting_matches_the_email_case_insensitively(org_a, member_a):
    invitation = _invite(org_a, member_a, email="colleague@example.jp")
    user = factories.make_user("Colleague@EXAMPLE.jp")
    services.accept_invitation(invitation=invitation, user=user)
    assert get_organization_of(user) == org_a


def test_accepting_with_another_email_is_refused(org_a, member_a):
    invitation = _invite(org_a, member_a)
    intruder = factories.make_user("intruder@example.jp")
    with pytest.raises(PermissionDenied):
        services.accept_invitation(invitation=invitation, user=intruder)
    assert not intruder.memberships.exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_accepting_an_expired_invitation_is_refused(org_a, member_a):
    invitation = _invite(org_a, member_a)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=15)
    )
    invitation.refresh_from_db()
    assert invitation.is_expired
    user = factories.make_user("colleague@example.jp")
    with pytest.raises(ValidationError):
        services.accept_invitation(invitation=invitation, user=user)
    assert not user.memberships.exists()


def test_invitation_is_valid_for_fourteen_days(org_a, member_a):
    invitation = _invite(org_a, member_a)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=13, hours=23)
    )
    invitation.refresh_from_db()
    services.accept_invitation(
        invitation=invitation, user=factories.make_user("colleague@example.jp")
    )


def test_an_invitation_is_used_once(org_a, member_a):
    invitation = _invite(org_a, member_a)
    user = factories.make_user("colleague@example.jp")
    services.accept_invitation(invitation=invitation, user=user)
    with pytest.raises(ValidationError):
        services.accept_invitation(invitation=invitation, user=user)


def test_member_of_another_organisation_cannot_accept(org_a, member_a, member_b):
    invitation = _invite(org_a, member_a, email=member_b.email)
    with pytest.raises(ValidationError):
        services.accept_invitation(invitation=invitation, user=member_b)
    assert get_organization_of(member_b).name == "一般社団法人ビー"


def test_city_staff_cannot_accept(org_a, member_a, staff_x):
    invitation = _invite(org_a, member_a, email=staff_x.email)
    with pytest.raises(PermissionDenied):
        services.accept_invitation(invitation=invitation, user=staff_x)
    assert not staff_x.memberships.exists()


# --- remove_member ------------------------------------------------------------


def test_owner_removes_a_member(org_a, member_a):
    member = factories.make_member(org_a)
    services.remove_member(membership=member.memberships.get(), by=member_a)
    assert not member.memberships.exists()


def test_the_last_owner_cannot_be_removed(org_a, member_a):
    with pytest.raises(ValidationError):
        services.remove_member(membership=member_a.memberships.get(), by=member_a)
    assert is_owner_of(member_a, org_a)


def test_an_owner_can_leave_when_another_owner_remains(org_a, member_a):
    invitation = _invite(org_a, member_a, email="second@example.jp", role="owner")
    second = factories.make_user("second@example.jp")
    services.accept_invitation(invitation=invitation, user=second)
    services.remove_member(membership=member_a.memberships.get(), by=second)
    assert not member_a.memberships.exists()
    assert is_owner_of(second, org_a)


def test_only_owners_remove_members(org_a, member_a, member_b):
    member = factories.make_member(org_a)
    for user in (member, member_b):
        with pytest.raises(PermissionDenied):
            services.remove_member(membership=member_a.memberships.get(), by=user)
    assert Membership.objects.filter(organization=org_a).count() == 2
