"""Writes for seeds: drafts from the front-end form, review, publication."""

import secrets
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from hack.accounts.models import Organization, User
from hack.accounts.roles import is_coordinator, is_member_of
from hack.accounts.services import (
    SEED_UPLOADS_COLLECTION_NAME,
    ensure_collection,
    put_under_coordinator_review,
)
from hack.core.workflows import submit_to_workflow

from .models import SeedIndexPage, SeedPage
from .selectors import get_seed_index

SEED_FIELDS = (
    "title",
    "summary",
    "description",
    "maturity",
    "deployments",
    "municipalities",
    "contact_name",
    "contact_email",
    "contact_phone",
    "image_alt",
)


@transaction.atomic
def ensure_seed_index(*, parent: Page) -> SeedIndexPage:
    index = get_seed_index()
    if index is None:
        index = SeedIndexPage(title="シーズ", slug="seeds")
        parent.add_child(instance=index)
        index.save_revision().publish()
    put_under_coordinator_review(index=index)
    return index


def _store_upload(model, upload, *, title: str, by: User):
    # Organisations' uploads live apart from the city's: department staff cannot
    # browse them in the admin choosers before the seed is published. Files are
    # served from /media/ without a permission check, so their names are random.
    upload.name = secrets.token_urlsafe(16) + Path(upload.name).suffix.lower()
    stored = model(
        title=title,
        file=upload,
        collection=ensure_collection(SEED_UPLOADS_COLLECTION_NAME),
        uploaded_by_user=by,
    )
    stored.save()
    return stored


@transaction.atomic
def save_seed_draft(
    *,
    by: User,
    organization: Organization,
    data: dict,
    seed: SeedPage | None = None,
    image_file=None,
    brochure_file=None,
) -> SeedPage:
    """Save what a member wrote as a new revision. A published seed stays online as
    it is until the new revision is approved."""
    if not is_member_of(by, organization):
        raise PermissionDenied(
            _("Only members of the organisation can write its seeds.")
        )
    if seed is not None:
        if seed.organization_id != organization.pk:
            raise PermissionDenied(_("This seed belongs to another organisation."))
        if seed.workflow_in_progress:
            raise ValidationError(
                _("This seed is in review. Withdraw it from review to make changes.")
            )
        seed = seed.get_latest_revision_as_object()
    else:
        seed = SeedPage(
            organization=organization,
            live=False,
            owner=by,
            # ASCII slugs keep URLs short and shareable; titles are mostly Japanese.
            slug=f"{timezone.localdate():%Y%m%d}-{secrets.token_hex(3)}",
        )
    for name in SEED_FIELDS:
        if name in data:
            setattr(seed, name, data[name] if data[name] is not None else "")
    if "tags" in data:
        seed.tags.set(data["tags"], clear=True)
    if image_file is not None and not seed.image_alt:
        raise ValidationError(
            {"image_alt": _("Describe the image for people using a screen reader.")}
        )
    # Validate before storing uploads, so a refused draft leaves no orphan files.
    seed.full_clean(exclude=["path", "depth", "url_path"])
    if image_file is not None:
        seed.image = _store_upload(
            get_image_model(), image_file, title=seed.title, by=by
        )
    if brochure_file is not None:
        seed.brochure = _store_upload(
            get_document_model(), brochure_file, title=seed.title, by=by
        )
    if seed.pk is None:
        index = get_seed_index()
        if index is None:
            raise ValidationError(_("The site is not set up yet: run setup_site."))
        index.add_child(instance=seed)
    seed.save_revision(user=by, log_action=True)
    return seed


@transaction.atomic
def submit_seed_for_review(*, seed: SeedPage, by: User):
    if not is_member_of(by, seed.organization):
        raise PermissionDenied(
            _("Only members of the organisation can submit its seeds.")
        )
    if seed.workflow_in_progress:
        raise ValidationError(_("This seed is already in review."))
    if seed.live and not seed.has_unpublished_changes:
        raise ValidationError(_("There are no changes to submit."))
    return submit_to_workflow(seed, by)


@transaction.atomic
def withdraw_seed_from_review(*, seed: SeedPage, by: User) -> None:
    if not is_member_of(by, seed.organization):
        raise PermissionDenied(
            _("Only members of the organisation can withdraw its seeds.")
        )
    state = seed.current_workflow_state
    if state is None:
        raise ValidationError(_("This seed is not in review."))
    state.cancel(user=by)


@transaction.atomic
def publish_seed(*, seed: SeedPage, by: User) -> SeedPage:
    """A coordinator publishes the latest revision, approving any review."""
    if not is_coordinator(by):
        raise PermissionDenied(_("Only coordinators publish seeds."))
    state = seed.current_workflow_state
    if state is not None:
        state.current_task_state.approve(user=by)
    else:
        seed.get_latest_revision().publish(user=by)
    seed.refresh_from_db()
    return seed
