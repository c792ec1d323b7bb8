from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from hack.accounts.models import Department

from .kinds import EmailCategory
from .models import Frequency, SubscriptionKinds
from .selectors import field_choices


class NotificationSettingsForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language for emails"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
    )
    email_categories = forms.MultipleChoiceField(
        label=_("Send me emails about"),
        choices=EmailCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Notifications on this site are always kept; this only chooses emails."
        ),
    )


class SubscriptionForm(forms.Form):
    kinds = forms.ChoiceField(
        label=_("What to follow"),
        choices=SubscriptionKinds.choices,
        initial=SubscriptionKinds.BOTH,
        widget=forms.RadioSelect,
    )
    fields = forms.MultipleChoiceField(
        label=_("Fields"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to follow every field."),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("All departments"),
    )
    keyword = forms.CharField(
        label=_("Keyword"),
        required=False,
        max_length=100,
        help_text=_(
            "Only items whose title or summary contains this word, e.g. 防災. "
            "Leave empty to follow everything."
        ),
    )
    frequency = forms.ChoiceField(
        label=_("How often to email"),
        choices=Frequency.choices,
        initial=Frequency.DAILY,
        widget=forms.RadioSelect,
    )
    is_active = forms.BooleanField(
        label=_("Keep this subscription on"), required=False, initial=True
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # The need fields come from the NeedPage model through the app registry.
        self.fields["fields"].choices = field_choices()
        if not editing:
            del self.fields["is_active"]
