"""The timeline entry as a sentence, in the reader's language.

Activity params keep codes (stage, role) and an ISO date-time where there is one,
so each reader sees them in their own language; names and titles are kept as they
were at the time. One set of sentences serves the pages (`describe`) and
workspace.js (`sentence_templates` + `param_labels`, for live entries).
"""

from collections import defaultdict
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import ActivityVerb, GroupStage, MemberRole

LABELLED_PARAMS = {"role": MemberRole, "from_stage": GroupStage, "to_stage": GroupStage}


def sentence_templates() -> dict[str, str]:
    """One sentence per verb, with %(name)s placeholders filled from the params."""
    return {
        ActivityVerb.FORMED: _("%(actor)s formed the group “%(title)s”."),
        ActivityVerb.MEMBER_ADDED: _("%(actor)s added %(member)s (%(role)s)."),
        ActivityVerb.MEMBER_REMOVED: _("%(actor)s removed %(member)s."),
        ActivityVerb.MEMBER_LEFT: _("%(actor)s left the group."),
        ActivityVerb.JOIN_REQUESTED: _("%(actor)s asked to join for %(organization)s."),
        ActivityVerb.JOIN_ACCEPTED: _(
            "%(actor)s accepted the request to join of %(organization)s."
        ),
        ActivityVerb.JOIN_DECLINED: _(
            "%(actor)s declined the request to join of %(organization)s."
        ),
        ActivityVerb.STAGE_CHANGED: _(
            "%(actor)s moved the group from “%(from_stage)s” to “%(to_stage)s”."
        ),
        ActivityVerb.NOTES_SAVED: _(
            "%(actor)s saved version %(version)s of the notes."
        ),
        ActivityVerb.MEETING_SCHEDULED: _(
            "%(actor)s scheduled the meeting “%(meeting)s” on %(when)s."
        ),
        ActivityVerb.MINUTES_RECORDED: _(
            "%(actor)s recorded the minutes of “%(meeting)s”."
        ),
        ActivityVerb.FILE_ADDED: _("%(actor)s added the file “%(file)s”."),
        ActivityVerb.FILE_REMOVED: _("%(actor)s removed the file “%(file)s”."),
        ActivityVerb.CLOSED: _("%(actor)s closed the group."),
        ActivityVerb.BECAME_PILOT: _(
            "%(actor)s turned the group into the pilot “%(pilot)s”."
        ),
    }


def param_labels() -> dict[str, dict[str, str]]:
    """Code → label for the params that hold codes (for workspace.js)."""
    return {
        name: {value: str(label) for value, label in choices.choices}
        for name, choices in LABELLED_PARAMS.items()
    }


def _when(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # written before params kept ISO date-times
    if timezone.is_naive(moment):
        return value
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def display_params(params) -> dict[str, str]:
    shown: dict[str, str] = defaultdict(str)
    if not isinstance(params, dict):
        return shown
    for name, value in params.items():
        value = str(value)
        choices = LABELLED_PARAMS.get(name)
        if choices is not None and value in choices.values:
            value = str(choices(value).label)
        elif name == "when":
            value = _when(value)
        shown[str(name)] = value
    return shown


def describe(activity, templates: dict[str, str] | None = None) -> str:
    templates = templates or sentence_templates()
    params = display_params(activity.params)
    params["actor"] = activity.actor.public_name if activity.actor else _("Someone")
    template = templates.get(activity.verb, "%(actor)s: " + activity.verb)
    return template % params


def reason(activity) -> str:
    """The reason given when the group closed, if any."""
    if activity.verb != ActivityVerb.CLOSED or not isinstance(activity.params, dict):
        return ""
    return str(activity.params.get("reason", ""))
