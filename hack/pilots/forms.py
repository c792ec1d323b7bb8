"""Forms for pilot projects. They only shape input; the rules (period, targets,
progress, who may do what) are checked by services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import (
    NOTE_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    GoalKind,
    PilotGoal,
)

DATE_FORMAT = "%Y-%m-%d"
NUMBER_OPTIONS = {
    "max_digits": 14,
    "decimal_places": 2,
    "localize": False,
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", DATE_FORMAT)
        super().__init__(**kwargs)


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DateInput(),
        input_formats=[DATE_FORMAT, "%Y/%m/%d"],
        help_text=_("YYYY-MM-DD"),
        **kwargs,
    )


def _number_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        **NUMBER_OPTIONS,
        **kwargs,
    )


class PilotForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=SUMMARY_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is tried out, where and with whom."),
    )
    starts_on = _date_field(_("Starts on"))
    ends_on = _date_field(_("Ends on"))

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The pilot cannot end before it starts."))
        return cleaned


class GoalForm(forms.Form):
    label = forms.CharField(
        label=_("Measure"),
        max_length=200,
        help_text=_("e.g. time spent on the counter work per month"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=GoalKind.choices)
    unit = forms.CharField(
        label=_("Unit"),
        max_length=40,
        required=False,
        help_text=_("e.g. %, hours, people"),
    )
    baseline = _number_field(
        _("Baseline"),
        required=False,
        help_text=_("The value before the pilot, if known."),
    )
    target = _number_field(
        _("Target"), error_messages={"required": _("Give a target value.")}
    )
    result = _number_field(
        _("Result"),
        required=False,
        help_text=_("Leave empty while it is still being measured."),
    )
    higher_is_better = forms.TypedChoiceField(
        label=_("Which way is better?"),
        choices=[
            ("1", _("Higher is better")),
            ("0", _("Lower is better (e.g. time spent, cost)")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @staticmethod
    def initial_for(goal: PilotGoal) -> dict:
        return {
            "label": goal.label,
            "kind": goal.kind,
            "unit": goal.unit,
            "baseline": goal.baseline,
            "target": goal.target,
            "result": goal.result,
            "higher_is_better": "1" if goal.higher_is_better else "0",
            "note": goal.note,
        }


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = _date_field(_("Due on"))
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
        help_text=_("A whole number from 0 to 100. At 100 the milestone is done."),
        error_messages={
            "min_value": _("Progress is a percentage: a whole number from 0 to 100."),
            "max_value": _("Progress is a percentage: a whole number from 0 to 100."),
            "invalid": _("Progress is a percentage: a whole number from 0 to 100."),
        },
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResultsForm(forms.Form):
    """One result field per goal, and the summary of the results."""

    results_summary = forms.CharField(
        label=_("Summary of the results"),
        max_length=SUMMARY_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What worked, what did not, and what comes next."),
    )

    def __init__(self, *args, goals, **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        for goal in self.goals:
            target = f"{goal.target.normalize():f}"
            unit = f" {goal.unit}" if goal.unit else ""
            self.fields[self.field_name(goal)] = _number_field(
                goal.label,
                required=False,
                initial=goal.result,
                help_text=_("Target: %(target)s. Leave empty if not measured yet.")
                % {"target": target + unit},
            )
        # The summary last, after the figures.
        self.order_fields(
            [*(self.field_name(g) for g in self.goals), "results_summary"]
        )

    @staticmethod
    def field_name(goal: PilotGoal) -> str:
        return f"result_{goal.pk}"

    def goal_fields(self):
        return [self[self.field_name(goal)] for goal in self.goals]

    def results(self) -> dict[int, object]:
        return {
            goal.pk: self.cleaned_data.get(self.field_name(goal)) for goal in self.goals
        }
