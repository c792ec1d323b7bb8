from django.http import Http404
from wagtail import hooks

from hack.accounts.roles import get_organization_of, is_coordinator, is_member_of
from hack.accounts.services import SEED_UPLOADS_COLLECTION_NAME

from .models import SeedPage


@hooks.register("before_serve_document")
def keep_draft_seed_documents_private(document, request):
    """An organisation's upload is public once a published seed shows it; before
    that only the organisation and the coordinators may download it."""
    if document.collection.name != SEED_UPLOADS_COLLECTION_NAME:
        return None
    if SeedPage.objects.live().public().filter(brochure=document).exists():
        return None
    user = request.user
    if is_coordinator(user):
        return None
    uploader_organization = (
        get_organization_of(document.uploaded_by_user)
        if document.uploaded_by_user
        else None
    )
    if uploader_organization and is_member_of(user, uploader_organization):
        return None
    raise Http404
