from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import SPECIFICITY_SHORT_LABELS, Field, Stage, allowed_next_stages


def _with_blank(choices):
    return [("", _("All")), *choices]


class NeedFilterForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), required=False, max_length=100)
    field = forms.ChoiceField(
        label=_("Field"), required=False, choices=_with_blank(Field.choices)
    )
    stage = forms.ChoiceField(
        label=_("Status"), required=False, choices=_with_blank(Stage.choices)
    )
    specificity = forms.ChoiceField(
        label=_("Specificity"),
        required=False,
        choices=_with_blank(list(SPECIFICITY_SHORT_LABELS.items())),
    )
    open_call = forms.BooleanField(label=_("Open idea calls only"), required=False)


class NeedStageForm(forms.Form):
    stage = forms.ChoiceField(label=_("New stage"))

    def __init__(self, *args, need, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [
            (stage.value, stage.label) for stage in allowed_next_stages(need.stage)
        ]
