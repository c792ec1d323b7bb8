"""Forms for the target editor. They only shape input; the rules (periods that
have ended, targets that never decrease) are checked by services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, MAX_TARGET
from .services import LABEL_MAX_LENGTH

FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９，", "0123456789,")


class WholeNumberField(forms.IntegerField):
    """An integer as people type it: “1,250” and full-width “１２５０” too."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.NumberInput(attrs={"inputmode": "numeric", "step": 1})
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate(FULL_WIDTH_DIGITS).replace(",", "").strip()
        return super().to_python(value)


def target_field() -> WholeNumberField:
    return WholeNumberField(
        label=_("Cumulative target (participants)"),
        help_text=_("Participants in total by the end of the period, e.g. 1250."),
        min_value=1,
        max_value=MAX_TARGET,
    )


class TargetEditForm(forms.Form):
    cumulative_target = target_field()


class TargetAddForm(forms.Form):
    fiscal_year = WholeNumberField(
        label=_("Fiscal year"),
        help_text=_("The year it starts in: 2026 for April 2026 to March 2027."),
        min_value=FIRST_FISCAL_YEAR,
        max_value=LAST_FISCAL_YEAR,
    )
    label = forms.CharField(
        label=_("Period name"),
        help_text=_("The city's name for the period, e.g. 5Q."),
        max_length=LABEL_MAX_LENGTH,
    )
    cumulative_target = target_field()
