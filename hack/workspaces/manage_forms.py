"""Forms for coordinators and facilitators managing a working group. They only
shape input; who may do what, and the group's rules, are checked by services.py.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from hack.accounts.models import Organization, User

from .models import GroupStage, WorkingGroup

NAME_MAX_LENGTH = WorkingGroup._meta.get_field("title").max_length
PURPOSE_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 2000
CLOSE_REASON_MAX_LENGTH = 500  # what the timeline keeps
SEARCH_MAX_LENGTH = 100


class GroupForm(forms.Form):
    title = forms.CharField(
        label=_("Name of the working group"),
        max_length=NAME_MAX_LENGTH,
        error_messages={"required": _("Give the group a name.")},
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=PURPOSE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "What the group works on and what it hopes to reach. Shown to its "
            "members in the workspace."
        ),
    )
    accepts_requests = forms.BooleanField(
        label=_("Organisations may ask to join"),
        required=False,
        initial=True,
        help_text=_(
            "The group is then listed on the need page with a button to ask to "
            "join; you accept or decline each request."
        ),
    )

    @staticmethod
    def initial_for(need) -> dict:
        return {"title": need.title[:NAME_MAX_LENGTH], "accepts_requests": True}


class _UserChoiceForm(forms.Form):
    """A select of people, in labelled groups; the id posted must be one of the
    people offered, or the form says so."""

    user = forms.ChoiceField(
        error_messages={
            "required": _("Choose a person."),
            "invalid_choice": _(
                "This person cannot be added: choose someone from the list."
            ),
        },
    )

    def __init__(self, *args, groups: list[tuple[str, list[User]]], **kwargs):
        super().__init__(*args, **kwargs)
        self._people = {str(u.pk): u for _label, users in groups for u in users}
        self.fields["user"].choices = [("", _("Choose…"))] + [
            (label, [(str(u.pk), self.label_for(u)) for u in users])
            for label, users in groups
            if users
        ]

    @staticmethod
    def label_for(user: User) -> str:
        return f"{user} ({user.email})" if user.email else str(user)

    def clean_user(self) -> User:
        return self._people[self.cleaned_data["user"]]

    @property
    def has_choices(self) -> bool:
        return bool(self._people)


class DepartmentStaffForm(_UserChoiceForm):
    kind = "staff"

    def __init__(self, *args, candidates: dict, need_department, **kwargs):
        groups = [
            (
                _("Staff of %(department)s") % {"department": need_department}
                if need_department
                else _("Staff of the need's department"),
                candidates["same_department"],
            ),
            (_("Staff of other departments"), candidates["other_departments"]),
        ]
        super().__init__(*args, groups=groups, prefix="staff", **kwargs)
        self.fields["user"].label = _("Department staff")
        self.fields["user"].help_text = _(
            "Staff of the need's department come first. They join as department "
            "members and are told by email."
        )

    @staticmethod
    def label_for(user: User) -> str:
        return f"{user} ({user.department})"


class FacilitatorForm(_UserChoiceForm):
    kind = "facilitator"

    def __init__(self, *args, candidates: dict, **kwargs):
        groups = [(_("Coordinators"), candidates["coordinators"])]
        super().__init__(*args, groups=groups, prefix="facilitator", **kwargs)
        self.fields["user"].label = _("Coordinator")
        self.fields["user"].help_text = _(
            "A coordinator joins as a facilitator and can manage the group."
        )


class OrganizationForm(forms.Form):
    """One organisation to invite, from the candidates or the search results."""

    organization = forms.ModelChoiceField(
        queryset=Organization.objects.all(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose an organisation to invite."),
            "invalid_choice": _(
                "This organisation was not found: search for it again."
            ),
        },
    )


class OrganizationSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search organisations by name"),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
    )

    def query(self) -> str:
        if self.is_valid():
            return self.cleaned_data["q"].strip()
        return ""


class JoinRequestDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("decline", _("Decline"))],
        error_messages={
            "required": _("Choose to accept or decline."),
            "invalid_choice": _("Choose to accept or decline."),
        },
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "When you decline, the organisation's members are told, with this reason."
        ),
    )

    @property
    def accept(self) -> bool:
        return self.cleaned_data["decision"] == "accept"


class StageForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Design-thinking stage"),
        choices=GroupStage.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the stages."),
            "invalid_choice": _("Choose one of the stages."),
        },
        help_text=_("A group may go back to an earlier stage."),
    )


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the group closes"),
        max_length=CLOSE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the group's timeline, which every member sees."),
        error_messages={"required": _("Say why the group closes.")},
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand: the workspace becomes read-only and nobody can post, "
            "add files or join any more"
        ),
        error_messages={"required": _("Tick the box to confirm.")},
    )
