"""Serving private files (proposal attachments, call documents, workspace files)."""

from django.http import FileResponse, Http404


def private_download(file_field, *, name: str, content_type: str) -> FileResponse:
    """A download that no browser renders inline or sniffs into another type, and
    no cache keeps. A file missing from storage is a 404, not a 500."""
    try:
        handle = file_field.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
