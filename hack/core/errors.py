"""Turning a service's refusal into the sentence shown to the person."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def refusal_text(error: Exception) -> str:
    """A ValidationError's messages joined, or a PermissionDenied's reason."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You cannot do this.")
