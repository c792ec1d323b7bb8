from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hack.seeds.models import SeedPage

from .models import MAX_ATTACHMENTS


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Your question"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Once answered, the question and answer are published on the need page "
            "without your name or organisation."
        ),
    )


class ProposalForm(forms.Form):
    """The proposal an organisation member writes; saved as they type."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    public_summary = forms.CharField(
        label=_("Short public summary"),
        max_length=400,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Two or three sentences, up to 400 characters."),
    )
    summary_is_public = forms.BooleanField(
        label=_("Show the title and short summary publicly with the call"),
        required=False,
        help_text=_(
            "The proposal itself and its attachments always stay confidential."
        ),
    )
    body = forms.CharField(
        label=_("Proposal"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_(
            "Confidential: read only by your organisation, the department in charge "
            "and the coordinators. Up to 20,000 characters."
        ),
    )
    seeds = forms.ModelMultipleChoiceField(
        label=_("Seeds it builds on"),
        queryset=SeedPage.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attachment = forms.FileField(
        label=_("Add an attachment"),
        required=False,
    )
    accept_terms = forms.BooleanField(
        label=_("I have read and accept the terms of the call"), required=False
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        seeds = SeedPage.objects.filter(organization=organization).order_by("title")
        self.fields["seeds"].queryset = seeds
        self.fields["attachment"].help_text = gettext(
            "PDF, Word, Excel, PowerPoint or an image (JPEG, PNG, WebP); up to 10 MB "
            "each and %(count)s files per proposal."
        ) % {"count": MAX_ATTACHMENTS}
        if not seeds.exists():
            self.fields["seeds"].help_text = _(
                "Your organisation has no seeds yet; you can add them later."
            )
