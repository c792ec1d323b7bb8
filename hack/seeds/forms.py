from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hack.accounts.models import OrganizationType
from hack.core.uploads import DOCUMENT_UPLOAD, IMAGE_UPLOAD, validate_upload

from .choices import Maturity
from .models import MAX_TAGS


class SeedFilterForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), required=False, max_length=100)
    maturity = forms.ChoiceField(
        label=_("Maturity"), required=False, choices=[("", _("All")), *Maturity.choices]
    )
    org_type = forms.ChoiceField(
        label=_("Organisation type"),
        required=False,
        choices=[("", _("All")), *OrganizationType.choices],
    )


class SeedForm(forms.Form):
    """The front-end form organisation members write seeds with."""

    title = forms.CharField(label=_("Title"), max_length=120)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Two or three sentences, shown in lists. Up to 400 characters."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What it does, for whom, and what it needs from the city."),
    )
    tags = forms.CharField(
        label=_("Technology tags"),
        required=False,
        max_length=300,
        help_text=_("Separate with commas, e.g. IoT, 見守り, AI-OCR."),
    )
    maturity = forms.ChoiceField(label=_("Maturity"), choices=Maturity.choices)
    deployments = forms.IntegerField(
        label=_("Municipalities already using it"),
        min_value=0,
        max_value=2000,
        initial=0,
        help_text=_(
            "Enter 1 or more only if the maturity is “Deployed in other "
            "municipalities”; otherwise leave 0."
        ),
    )
    municipalities = forms.CharField(
        label=_("Names of those municipalities"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. 川崎市."),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=100)
    contact_email = forms.EmailField(label=_("Contact email"))
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=30, required=False
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=_("JPEG, PNG or WebP, up to 10 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp"}
        ),
    )
    image_alt = forms.CharField(
        label=_("Image description"),
        required=False,
        max_length=200,
        help_text=_("Describe the image for people using a screen reader."),
    )
    brochure = forms.FileField(
        label=_("Brochure"),
        required=False,
        help_text=_("PDF or Office document, up to 10 MB."),
    )

    def clean_tags(self) -> list[str]:
        names = [
            name.strip()
            for name in self.cleaned_data["tags"].replace("、", ",").split(",")
            if name.strip()
        ]
        if len(names) > MAX_TAGS:
            raise ValidationError(_("Up to %(max)d tags.") % {"max": MAX_TAGS})
        if any(len(name) > 50 for name in names):
            raise ValidationError(_("Each tag can have up to 50 characters."))
        return list(dict.fromkeys(names))

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload:
            validate_upload(upload, IMAGE_UPLOAD)
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("image") and not cleaned.get("image_alt"):
            self.add_error(
                "image_alt", _("Describe the image for people using a screen reader.")
            )
        return cleaned

    def clean_brochure(self):
        upload = self.cleaned_data.get("brochure")
        if upload:
            validate_upload(upload, DOCUMENT_UPLOAD)
        return upload
