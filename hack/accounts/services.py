"""Writes with side effects for accounts, organisations and departments."""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    WorkflowPage,
)

from .models import (
    Department,
    Invitation,
    Membership,
    MembershipRole,
    Organization,
    User,
)
from .roles import (
    COORDINATORS_GROUP,
    DEPARTMENT_STAFF_GROUP,
    get_organization_of,
    is_city_staff,
    is_owner_of,
)

# Department staff write and edit; only coordinators publish.
STAFF_PAGE_PERMISSIONS = ("add_page", "change_page")
COORDINATOR_PAGE_PERMISSIONS = (
    "add_page",
    "change_page",
    "publish_page",
    "lock_page",
    "unlock_page",
)

# Images and documents: the city's own, and organisations' seed uploads, kept apart.
CITY_COLLECTION_NAME = "市の資料"
SEED_UPLOADS_COLLECTION_NAME = "シーズの添付ファイル"

ORGANIZATION_FIELDS = (
    "name",
    "org_type",
    "corporate_number",
    "is_startup",
    "website",
    "description",
)


def _permissions(*codenames: str) -> list[Permission]:
    found = []
    for codename in codenames:
        app_label, code = codename.split(".")
        found.append(
            Permission.objects.get(content_type__app_label=app_label, codename=code)
        )
    return found


def _grant_collection_permissions(
    group: Group, *, collection: Collection, codenames: tuple[str, ...]
) -> None:
    for permission in _permissions(*codenames):
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=permission
        )


def ensure_collection(name: str) -> Collection:
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=name).first()
    return collection or root.add_child(name=name)


@transaction.atomic
def ensure_role_groups() -> tuple[Group, Group]:
    """Create (or repair) the coordinator and department-staff groups. Idempotent."""
    coordinators, _created = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    coordinators.permissions.add(
        *_permissions(
            "wagtailadmin.access_admin",
            "accounts.add_user",
            "accounts.change_user",
            "accounts.view_user",
            "accounts.add_department",
            "accounts.change_department",
            "accounts.view_department",
            "accounts.add_organization",
            "accounts.change_organization",
            "accounts.view_organization",
        )
    )
    _grant_collection_permissions(
        coordinators,
        collection=Collection.get_first_root_node(),
        codenames=(
            "wagtailimages.add_image",
            "wagtailimages.change_image",
            "wagtailimages.choose_image",
            "wagtaildocs.add_document",
            "wagtaildocs.change_document",
            "wagtaildocs.choose_document",
        ),
    )
    staff, _created = Group.objects.get_or_create(name=DEPARTMENT_STAFF_GROUP)
    staff.permissions.add(*_permissions("wagtailadmin.access_admin"))
    # Staff work in the city's collection only: a permission on the root collection
    # would reach organisations' uploads for seeds still in draft.
    GroupCollectionPermission.objects.filter(
        group=staff, collection=Collection.get_first_root_node()
    ).delete()
    _grant_collection_permissions(
        staff,
        collection=ensure_collection(CITY_COLLECTION_NAME),
        codenames=(
            "wagtailimages.add_image",
            "wagtailimages.choose_image",
            "wagtaildocs.add_document",
            "wagtaildocs.choose_document",
        ),
    )
    return coordinators, staff


DISPLAY_NAME_MAX_LENGTH = User._meta.get_field("display_name").max_length


@transaction.atomic
def update_profile(*, user: User, display_name: str) -> User:
    """Set how other people see this person. Empty is allowed: they are then
    shown by their full name or a numbered label (`User.public_name`), never by
    their email."""
    display_name = (display_name or "").strip()
    if len(display_name) > DISPLAY_NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "display_name": _(
                    "Your display name is %(length)s characters long. Use at most "
                    "%(max)s characters."
                )
                % {"length": len(display_name), "max": DISPLAY_NAME_MAX_LENGTH}
            }
        )
    if display_name != user.display_name:
        user.display_name = display_name
        user.save(update_fields=["display_name"])
    return user


@transaction.atomic
def create_department(*, bureau: str, section: str, slug: str) -> Department:
    """A department with its permission group (needs makes its needs folder)."""
    department, _created = Department.objects.get_or_create(
        bureau=bureau, section=section, defaults={"slug": slug}
    )
    attach_department_group(department=department)
    return department


@transaction.atomic
def attach_department_group(*, department: Department) -> Group:
    if department.staff_group_id is None:
        group, _created = Group.objects.get_or_create(
            name=f"Department: {department.slug}"
        )
        department.staff_group = group
        department.save(update_fields=["staff_group"])
    return department.staff_group


@transaction.atomic
def add_department_staff(*, user: User, department: Department) -> User:
    _coordinators, staff = ensure_role_groups()
    if user.memberships.exists():
        raise ValidationError(
            _("An organisation member cannot also be staff of a department.")
        )
    previous = user.department
    if previous and previous.staff_group and previous != department:
        user.groups.remove(previous.staff_group)
    user.department = department
    user.save(update_fields=["department"])
    user.groups.add(staff, attach_department_group(department=department))
    return user


@transaction.atomic
def set_user_department(*, user: User, department: Department | None) -> User:
    """Make someone a department's staff, move them, or (None) end their staff role."""
    if department is not None:
        return add_department_staff(user=user, department=department)
    if user.department_id is not None:
        _coordinators, staff = ensure_role_groups()
        if user.department.staff_group_id:
            user.groups.remove(user.department.staff_group)
        user.groups.remove(staff)
        user.department = None
        user.save(update_fields=["department"])
    return user


@transaction.atomic
def make_coordinator(*, user: User) -> User:
    coordinators, _staff = ensure_role_groups()
    user.groups.add(coordinators)
    return user


@transaction.atomic
def create_organization(*, by: User, **fields) -> Organization:
    """The first member creates the organisation and becomes its owner."""
    if is_city_staff(by):
        raise PermissionDenied(_("City staff cannot register an organisation."))
    if get_organization_of(by) is not None:
        raise ValidationError(_("You already belong to an organisation."))
    organization = Organization(
        **{k: fields[k] for k in ORGANIZATION_FIELDS if k in fields}
    )
    organization.full_clean()
    organization.save()
    Membership.objects.create(
        user=by, organization=organization, role=MembershipRole.OWNER
    )
    return organization


@transaction.atomic
def update_organization(
    *, organization: Organization, by: User, **fields
) -> Organization:
    if not is_owner_of(by, organization):
        raise PermissionDenied(_("Only an owner can change the organisation profile."))
    for name in ORGANIZATION_FIELDS:
        if name in fields:
            setattr(organization, name, fields[name])
    organization.full_clean()
    organization.save()
    return organization


def _send_invitation_email(invitation_id: int, accept_url: str) -> None:
    invitation = Invitation.objects.select_related("organization", "invited_by").get(
        pk=invitation_id
    )
    with translation.override("ja"):
        context = {"invitation": invitation, "accept_url": accept_url}
        subject = render_to_string("account/email/invitation_subject.txt", context)
        body = render_to_string("account/email/invitation_message.txt", context)
    send_mail(" ".join(subject.split()), body, None, [invitation.email])


@transaction.atomic
def invite_member(
    *,
    organization: Organization,
    email: str,
    by: User,
    role: str = MembershipRole.MEMBER,
    base_url: str,
) -> Invitation:
    """Invite a colleague by email; the link lets them join after signing in."""
    if not is_owner_of(by, organization):
        raise PermissionDenied(_("Only an owner can invite colleagues."))
    email = email.strip().lower()
    if Membership.objects.filter(
        organization=organization, user__email__iexact=email
    ).exists():
        raise ValidationError(_("This person is already a member."))
    invitation = Invitation.objects.create(
        organization=organization, email=email, role=role, invited_by=by
    )
    accept_url = base_url.rstrip("/") + reverse(
        "accounts:invitation-accept", kwargs={"token": invitation.token}
    )
    transaction.on_commit(lambda: _send_invitation_email(invitation.pk, accept_url))
    return invitation


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    if not invitation.is_pending:
        raise ValidationError(_("This invitation has expired or was already used."))
    if user.email.lower() != invitation.email.lower():
        raise PermissionDenied(_("This invitation was sent to another email address."))
    if is_city_staff(user):
        raise PermissionDenied(_("City staff cannot join an organisation."))
    current = get_organization_of(user)
    if current is not None and current != invitation.organization:
        raise ValidationError(_("You already belong to another organisation."))
    membership, _created = Membership.objects.get_or_create(
        user=user,
        organization=invitation.organization,
        defaults={"role": invitation.role},
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, by: User) -> None:
    organization = membership.organization
    if not is_owner_of(by, organization):
        raise PermissionDenied(_("Only an owner can remove members."))
    owners = organization.memberships.filter(role=MembershipRole.OWNER)
    if membership.role == MembershipRole.OWNER and owners.count() == 1:
        raise ValidationError(_("An organisation needs at least one owner."))
    membership.delete()


COORDINATOR_WORKFLOW_NAME = "コーディネーター承認"


@transaction.atomic
def ensure_coordinator_workflow():
    """The moderation workflow for needs and seeds: one approval by a coordinator."""
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowTask

    coordinators, _staff = ensure_role_groups()
    workflow, _created = Workflow.objects.get_or_create(name=COORDINATOR_WORKFLOW_NAME)
    if not workflow.workflow_tasks.exists():
        task = GroupApprovalTask.objects.create(name=COORDINATOR_WORKFLOW_NAME)
        task.groups.set([coordinators])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    return workflow


def grant_page_permissions(*, group, page: Page, codenames) -> None:
    for codename in codenames:
        permission = Permission.objects.get(
            content_type__app_label="wagtailcore", codename=codename
        )
        GroupPagePermission.objects.get_or_create(
            group=group, page=page, permission=permission
        )


def put_under_coordinator_review(*, index: Page) -> None:
    """Coordinators add, edit and publish under an index page, and what is
    submitted there goes through the coordinator approval workflow."""
    coordinators, _staff = ensure_role_groups()
    grant_page_permissions(
        group=coordinators, page=index, codenames=COORDINATOR_PAGE_PERMISSIONS
    )
    WorkflowPage.objects.update_or_create(
        page=index, defaults={"workflow": ensure_coordinator_workflow()}
    )
