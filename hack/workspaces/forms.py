"""Forms of the member-facing workspace pages. They only shape input; the rules
(membership, a meeting in the past, file types, merging the notes) are checked
by services.py, whose errors are shown on these forms with what was typed kept.

The workspace page holds several forms at once: each is built with its own
`auto_id` so field ids stay unique while the field names stay plain.
"""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from hack.calls.staff_forms import CityDateTimeField

from .models import (
    MAX_FILES_PER_GROUP,
    MESSAGE_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    NotesFormat,
)

MINUTES_MAX_LENGTH = 50_000
AGENDA_MAX_LENGTH = 10_000
JOIN_MESSAGE_MAX_LENGTH = 2000


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a message first.")},
    )
    # Sent again with a retried post, so the message is stored once.
    client_id = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_chat_%s")
        super().__init__(*args, **kwargs)


class NotesForm(forms.Form):
    body = forms.CharField(
        label=_("Notes"),
        max_length=NOTES_MAX_LENGTH,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=NotesFormat.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose plain text or Markdown.")},
    )
    base_version = forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("The page was out of date. Reload it and save again."),
            "invalid": _("The page was out of date. Reload it and save again."),
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_notes_%s")
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _(
            "Everyone in the group can edit the notes. If someone saves while you "
            "are writing, both edits are merged; nobody's text is lost."
        )


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = CityDateTimeField(label=_("Starts at"))
    ends_at = CityDateTimeField(label=_("Ends at"), required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_url = forms.URLField(
        label=_("Online meeting link"),
        max_length=200,
        required=False,
        assume_scheme="https",
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        max_length=AGENDA_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_meeting_%s")
        super().__init__(*args, **kwargs)
        zone = settings.TIME_ZONE
        for name in ("starts_at", "ends_at"):
            self.fields[name].help_text = _(
                "Date and time in %(zone)s (Japan time)."
            ) % {"zone": zone}
        self.fields["place"].help_text = _(
            "Give a place, an online meeting link, or both."
        )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        max_length=MINUTES_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, meeting_pk: int, **kwargs):
        kwargs.setdefault("auto_id", f"id_minutes{meeting_pk}_%s")
        super().__init__(*args, **kwargs)
        self.meeting_pk = meeting_pk


class FileForm(forms.Form):
    file = forms.FileField(
        label=_("Add a file"),
        error_messages={"required": _("Choose a file to add.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_file_%s")
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "PDF, Word, Excel, PowerPoint or an image (JPEG, PNG, WebP); up to "
            "%(size)s each and %(count)s files per workspace. Only the group's "
            "members can download them."
        ) % {
            "size": filesizeformat(settings.MAX_UPLOAD_BYTES),
            "count": MAX_FILES_PER_GROUP,
        }


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the coordinators"),
        max_length=JOIN_MESSAGE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "What your organisation could bring to the group (optional, up to "
            "2,000 characters)."
        ),
    )
