from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MembershipRole, Organization


class OrganizationForm(forms.ModelForm):
    # Longer than the 13 digits stored: people type hyphens and spaces.
    corporate_number = forms.CharField(
        label=Organization._meta.get_field("corporate_number").verbose_name,
        help_text=Organization._meta.get_field("corporate_number").help_text,
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "org_type",
            "corporate_number",
            "is_startup",
            "website",
            "description",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
        }

    def clean_corporate_number(self):
        # Accept full-width digits and hyphens as people type them, store 13 digits.
        value = self.cleaned_data.get("corporate_number", "")
        normalised = value.translate(
            str.maketrans("０１２３４５６７８９", "0123456789", "-－ 　")
        )
        return normalised


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's email address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.MEMBER
    )


class ProfileForm(forms.Form):
    # No max_length here: the rule (and its message) is in services.update_profile.
    display_name = forms.CharField(
        label=_("Display name"),
        required=False,
        help_text=_(
            "Other members of your working groups see this name instead of your "
            "email address, e.g. your name and organisation. Up to 100 characters."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
