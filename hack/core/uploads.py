"""Upload checks: the type is read from the content, never from the file name."""

from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class UploadKind:
    label: str
    mime_types: frozenset[str]


IMAGE_UPLOAD = UploadKind(
    label="JPEG, PNG, WebP",
    mime_types=frozenset({"image/jpeg", "image/png", "image/webp"}),
)
DOCUMENT_UPLOAD = UploadKind(
    label="PDF, Word, Excel, PowerPoint",
    mime_types=frozenset(
        {
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        }
    ),
)


def sniff_mime_type(upload) -> str | None:
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(position)
    kind = filetype.guess(head)
    return kind.mime if kind else None


def validate_upload(upload, kind: UploadKind) -> None:
    """Refuse files over the size limit or whose content is not of the allowed kind."""
    limit = settings.MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s). The limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="file_too_large",
        )
    mime = sniff_mime_type(upload)
    if mime not in kind.mime_types:
        raise ValidationError(
            _("This type of file cannot be uploaded. Allowed types: %(allowed)s.")
            % {"allowed": kind.label},
            code="file_type",
        )
