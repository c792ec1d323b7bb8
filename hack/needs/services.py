"""Writes for needs: the folder structure and permissions, drafts, review, stages."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import Page

from hack.accounts.models import Department, User
from hack.accounts.roles import is_coordinator
from hack.accounts.services import (
    STAFF_PAGE_PERMISSIONS,
    attach_department_group,
    grant_page_permissions,
    put_under_coordinator_review,
)
from hack.core.workflows import submit_to_workflow

from .choices import Stage, allowed_next_stages
from .models import DepartmentNeedsPage, NeedIndexPage, NeedPage, NeedStageChange
from .selectors import can_edit_need, get_department_folder, get_need_index

NEED_FIELDS = (
    "title",
    "slug",
    "summary",
    "current_situation",
    "pain_points",
    "desired_outcome",
    "constraints",
    "field",
    "specificity",
)


@transaction.atomic
def ensure_need_index(*, parent: Page) -> NeedIndexPage:
    index = get_need_index()
    if index is None:
        index = NeedIndexPage(title="ニーズ", slug="needs")
        parent.add_child(instance=index)
        index.save_revision().publish()
    put_under_coordinator_review(index=index)
    return index


@transaction.atomic
def set_up_department_needs(*, department: Department) -> DepartmentNeedsPage:
    """Give a department its needs folder, where its staff may add and edit."""
    folder = get_department_folder(department)
    if folder is None:
        index = get_need_index()
        if index is None:
            raise ValidationError(_("The site is not set up yet: run setup_site."))
        folder = DepartmentNeedsPage(
            title=str(department), slug=department.slug, department=department
        )
        index.add_child(instance=folder)
        folder.save_revision().publish()
    grant_page_permissions(
        group=attach_department_group(department=department),
        page=folder,
        codenames=STAFF_PAGE_PERMISSIONS,
    )
    return folder


@transaction.atomic
def create_need_draft(*, department: Department, by: User, **fields) -> NeedPage:
    """What the Wagtail editor does on “Save draft”, for demo data and tests."""
    if not (is_coordinator(by) or by.department_id == department.pk):
        raise PermissionDenied(_("You can write needs only for your own department."))
    folder = set_up_department_needs(department=department)
    need = NeedPage(
        live=False, owner=by, **{k: fields[k] for k in NEED_FIELDS if k in fields}
    )
    if "body" in fields:
        need.body = fields["body"]
    folder.add_child(instance=need)
    need.save_revision(user=by, log_action=True)
    return need


@transaction.atomic
def submit_need_for_review(*, need: NeedPage, by: User):
    if not can_edit_need(by, need):
        raise PermissionDenied(_("You cannot submit this need."))
    if need.workflow_in_progress:
        raise ValidationError(_("This need is already in review."))
    return submit_to_workflow(need, by)


@transaction.atomic
def publish_need(*, need: NeedPage, by: User) -> NeedPage:
    """A coordinator publishes the latest revision, approving any review."""
    if not is_coordinator(by):
        raise PermissionDenied(_("Only coordinators publish needs."))
    state = need.current_workflow_state
    if state is not None:
        state.current_task_state.approve(user=by)
    else:
        need.get_latest_revision().publish(user=by)
    need.refresh_from_db()
    return need


@transaction.atomic
def change_need_stage(*, need: NeedPage, to: str, by: User) -> NeedPage:
    """Move a published need along its lifecycle; never backwards, never from closed."""
    need = NeedPage.objects.select_for_update().get(pk=need.pk)
    if not can_edit_need(by, need):
        raise PermissionDenied(_("You cannot change the stage of this need."))
    if not need.live:
        raise ValidationError(
            _("The stage can change only once the need is published.")
        )
    if to not in allowed_next_stages(need.stage):
        raise ValidationError(
            _("A need cannot move from “%(from)s” to “%(to)s”.")
            % {
                "from": Stage(need.stage).label,
                "to": Stage(to).label if to in Stage.values else to,
            }
        )
    NeedStageChange.objects.create(
        need=need, from_stage=need.stage, to_stage=to, changed_by=by
    )
    need.stage = to
    need.stage_changed_at = timezone.now()
    need.save(update_fields=["stage", "stage_changed_at"], clean=False)
    log(instance=need, action="needs.stage_changed", user=by, data={"stage": to})
    return need


@transaction.atomic
def sync_need_department(*, need: NeedPage) -> NeedPage:
    """After a need is moved or copied into another department's folder, it belongs
    to that department (Wagtail's page permissions already follow the folder)."""
    need = NeedPage.objects.get(pk=need.pk)
    folder = need.get_parent().specific
    if (
        isinstance(folder, DepartmentNeedsPage)
        and need.department_id != folder.department_id
    ):
        need.department_id = folder.department_id
        need.save(update_fields=["department"], clean=False)
    return need
