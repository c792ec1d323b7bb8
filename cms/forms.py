from django import forms
from django.utils.translation import gettext_lazy as _

from hack.matching.match_types import MatchType
from hack.needs.choices import Field


def _with_blank(choices):
    return [("", _("All")), *choices]


class CaseStudyFilterForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Field"), required=False, choices=_with_blank(Field.choices)
    )
    matching_type = forms.TypedChoiceField(
        label=_("Matching type"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_with_blank(MatchType.choices),
    )
