"""Forms of the curation pages: the queue filter and one small form per action."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hack.accounts.models import Department
from hack.needs.choices import Field

# Long enough for a paragraph of reasons, short enough to stay a note.
MAX_NOTE_CHARS = 2000


def _with_blank(choices):
    return [("", _("All")), *choices]


class QueueFilterForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Field"), required=False, choices=_with_blank(Field.choices)
    )
    department = forms.ChoiceField(label=_("Department"), required=False)
    undecided = forms.ChoiceField(
        label=_("Suggestions"),
        required=False,
        choices=[
            ("", _("All")),
            ("yes", _("With undecided suggestions")),
            ("no", _("Without undecided suggestions")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Slugs, not primary keys: the filter's query string stays readable.
        self.fields["department"].choices = _with_blank(
            [(d.slug, str(d)) for d in Department.objects.order_by("bureau", "section")]
        )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required. The pair is not suggested again unless the need or the seed "
            "changes substantially."
        ),
        error_messages={
            "required": _("Write why this seed does not fit the need."),
        },
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Coordinator note"),
        required=False,
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by coordinators only."),
    )


class InviteForm(forms.Form):
    message = forms.CharField(
        label=_("Message to add to the email"),
        required=False,
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional."),
    )
