"""Who someone is on the platform. Every permission check starts here."""

from django.contrib.auth.models import AnonymousUser

from .models import Membership, MembershipRole, Organization, User

COORDINATORS_GROUP = "Coordinators"
DEPARTMENT_STAFF_GROUP = "Department staff"


def is_coordinator(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name=COORDINATORS_GROUP).exists()


def is_department_staff(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.department_id is not None


def get_organization_of(user: User | AnonymousUser) -> Organization | None:
    """The organisation a member belongs to (a person belongs to at most one)."""
    if not user.is_authenticated:
        return None
    membership = (
        Membership.objects.select_related("organization").filter(user=user).first()
    )
    return membership.organization if membership else None


def is_member_of(user: User | AnonymousUser, organization: Organization) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(user=user, organization=organization).exists()
    )


def is_owner_of(user: User | AnonymousUser, organization: Organization) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(
            user=user, organization=organization, role=MembershipRole.OWNER
        ).exists()
    )


def is_city_staff(user: User | AnonymousUser) -> bool:
    return is_coordinator(user) or is_department_staff(user)


def list_active_members(organization_id: int) -> list[User]:
    """The people who speak for an organisation: its active members."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            organization_id=organization_id, user__is_active=True
        ).select_related("user")
    ]
