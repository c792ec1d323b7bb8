"""Forms for department staff and coordinators: opening a call, answering
questions, scoring and deciding. They only shape input; the rules (dates, file
types, who may do what) are checked by services.py."""

from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import DEFAULT_TERMS, MAX_CALL_DOCUMENTS, ProposalStatus
from .services import DEFAULT_CRITERIA

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
MAX_CRITERIA = 12
SCORE_CHOICES = [(str(score), str(score)) for score in range(1, 6)]


def _city_time_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


class CityDateTimeField(forms.DateTimeField):
    """A `datetime-local` input read and shown in the city's time zone
    (settings.TIME_ZONE), whatever time zone the request happens to use."""

    widget = forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", [DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if hasattr(value, "tzinfo") and timezone.is_aware(value):
            return timezone.localtime(value, _city_time_zone()).replace(tzinfo=None)
        return value

    def to_python(self, value):
        with timezone.override(_city_time_zone()):
            return super().to_python(value)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [
                super(MultipleFileField, self).clean(item, initial) for item in data
            ]
        cleaned = super().clean(data, initial)
        return [cleaned] if cleaned else []


class IdeaCallForm(forms.Form):
    opens_at = CityDateTimeField(label=_("Opens at"))
    closes_at = CityDateTimeField(label=_("Closes at (deadline)"))
    what_we_want = forms.CharField(
        label=_("What we want proposed"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the department hopes to receive: scope, budget, timing."),
    )
    review_criteria = forms.CharField(
        label=_("How proposals are reviewed"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown publicly with the call."),
    )
    terms = forms.CharField(
        label=_("Terms of the call"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Proposers accept these terms before they submit."),
    )
    criteria = forms.CharField(
        label=_("Scoring criteria"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One criterion per line. Reviewers give each a score from 1 to 5. "
            "Not shown to proposers."
        ),
    )
    documents = MultipleFileField(
        label=_("Add documents"),
        required=False,
    )

    def __init__(self, *args, existing_documents: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        zone = settings.TIME_ZONE
        for name in ("opens_at", "closes_at"):
            self.fields[name].help_text = _(
                "Date and time in %(zone)s (Japan time)."
            ) % {"zone": zone}
        self.fields["documents"].help_text = _(
            "PDF, Word, Excel, PowerPoint or an image (JPEG, PNG, WebP); up to "
            "%(count)s documents per call. Published with the call."
        ) % {"count": MAX_CALL_DOCUMENTS}
        self.existing_documents = existing_documents

    @staticmethod
    def default_initial() -> dict:
        return {
            "terms": str(DEFAULT_TERMS),
            "criteria": "\n".join(DEFAULT_CRITERIA),
        }

    def clean_criteria(self) -> list[str]:
        labels = [line.strip() for line in self.cleaned_data["criteria"].splitlines()]
        labels = [label for label in labels if label]
        if not labels:
            raise forms.ValidationError(_("Give at least one criterion."))
        if len(labels) > MAX_CRITERIA:
            raise forms.ValidationError(
                _("Use at most %(count)s criteria.") % {"count": MAX_CRITERIA}
            )
        if too_long := [label for label in labels if len(label) > 120]:
            raise forms.ValidationError(
                _("“%(label)s” is too long: a criterion has at most 120 characters.")
                % {"label": too_long[0][:30]}
            )
        return labels

    def clean_documents(self) -> list:
        documents = self.cleaned_data.get("documents") or []
        if self.existing_documents + len(documents) > MAX_CALL_DOCUMENTS:
            raise forms.ValidationError(
                _("A call can have at most %(count)s documents.")
                % {"count": MAX_CALL_DOCUMENTS}
            )
        return documents


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The question and this answer are published on the need page, without "
            "the name of the person who asked."
        ),
    )


class ReviewForm(forms.Form):
    """One 1–5 score and a comment per criterion of the call's rubric."""

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"score_{criterion.pk}"] = forms.ChoiceField(
                label=criterion.label,
                choices=SCORE_CHOICES,
                widget=forms.RadioSelect,
                help_text=_("1 is the lowest, 5 the highest."),
                error_messages={
                    "required": _("Give a score from 1 to 5."),
                    "invalid_choice": _("A score is a whole number from 1 to 5."),
                },
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on “%(criterion)s”") % {"criterion": criterion.label},
                max_length=1000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    @staticmethod
    def initial_from(review) -> dict:
        if review is None:
            return {}
        initial = {}
        for score in review.scores.all():
            initial[f"score_{score.criterion_id}"] = str(score.score)
            initial[f"comment_{score.criterion_id}"] = score.comment
        return initial

    def rows(self):
        """(score field, comment field) per criterion, for the template."""
        return [(self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def scores(self) -> dict[int, tuple[int, str]]:
        return {
            c.pk: (
                int(self.cleaned_data[f"score_{c.pk}"]),
                self.cleaned_data[f"comment_{c.pk}"],
            )
            for c in self.criteria
        }


class ConflictForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=400,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "For example: “I advised this organisation last year.” Seen by the "
            "reviewers and coordinators only."
        ),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a decision."),
            "invalid_choice": _(
                "This decision is not possible for the proposal's current status."
            ),
        },
    )
    message = forms.CharField(
        label=_("Message to the proposer"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Sent by email to the members of the proposing organisation and shown "
            "on their proposal page."
        ),
        error_messages={"required": _("Write a message to the proposer.")},
    )

    def __init__(self, *args, allowed, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [
            (status.value, status.label)
            for status in (
                ProposalStatus.SHORTLISTED,
                ProposalStatus.INVITED,
                ProposalStatus.DECLINED,
            )
            if status in allowed
        ]
