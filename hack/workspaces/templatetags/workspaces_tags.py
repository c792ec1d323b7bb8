"""The working-group panel on a need page, and the sentence for one timeline
entry. A template tag, so that the needs app does not import workspaces
(workspaces depends on needs, not the other way round)."""

from django import template
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hack.accounts.roles import get_organization_of
from hack.needs.choices import Stage

from .. import selectors
from ..models import ActivityVerb

register = template.Library()


@register.inclusion_tag("workspaces/includes/group_panel.html", takes_context=True)
def working_group_panel(context, need):
    request = context.get("request")
    user = getattr(request, "user", None) or AnonymousUser()
    groups = selectors.list_public_groups_of_need(need)
    can_form = (
        need.live and need.stage != Stage.CLOSED and selectors.can_form_group(user)
    )
    organizations = selectors.list_group_organizations(g.pk for g in groups)
    my_organization = get_organization_of(user)
    rows = []
    for group in groups:
        is_member = selectors.is_active_member(user.pk, group.pk)
        rows.append(
            {
                "group": group,
                "organizations": organizations.get(group.pk, []),
                "is_member": is_member,
                "can_manage": selectors.can_manage_group(user, group),
                "can_request": not is_member
                and selectors.can_request_to_join(user, group),
                "pending": selectors.get_pending_request(group, my_organization),
                "open_to_requests": group.is_active and group.accepts_requests,
            }
        )
    return {
        "request": request,
        "user": user,
        "need": need,
        "rows": rows,
        "can_form": can_form,
        "show": bool(rows) or can_form,
        "any_open": any(row["open_to_requests"] for row in rows),
    }


SENTENCES = {
    ActivityVerb.FORMED: gettext_lazy("%(actor)s formed the group “%(title)s”."),
    ActivityVerb.MEMBER_ADDED: gettext_lazy("%(actor)s added %(member)s (%(role)s)."),
    ActivityVerb.MEMBER_REMOVED: gettext_lazy("%(actor)s removed %(member)s."),
    ActivityVerb.MEMBER_LEFT: gettext_lazy("%(actor)s left the group."),
    ActivityVerb.JOIN_REQUESTED: gettext_lazy(
        "%(actor)s asked to join for %(organization)s."
    ),
    ActivityVerb.JOIN_ACCEPTED: gettext_lazy(
        "%(actor)s accepted the request of %(organization)s."
    ),
    ActivityVerb.JOIN_DECLINED: gettext_lazy(
        "%(actor)s declined the request of %(organization)s."
    ),
    ActivityVerb.STAGE_CHANGED: gettext_lazy(
        "%(actor)s moved the group from “%(from_stage)s” to “%(to_stage)s”."
    ),
    ActivityVerb.NOTES_SAVED: gettext_lazy(
        "%(actor)s saved version %(version)s of the notes."
    ),
    ActivityVerb.MEETING_SCHEDULED: gettext_lazy(
        "%(actor)s scheduled the meeting “%(meeting)s” on %(when)s."
    ),
    ActivityVerb.MINUTES_RECORDED: gettext_lazy(
        "%(actor)s recorded the minutes of “%(meeting)s”."
    ),
    ActivityVerb.FILE_ADDED: gettext_lazy("%(actor)s added the file “%(file)s”."),
    ActivityVerb.FILE_REMOVED: gettext_lazy("%(actor)s removed the file “%(file)s”."),
    ActivityVerb.CLOSED: gettext_lazy("%(actor)s closed the group."),
}
ORGANIZATION_MEMBER_ADDED = gettext_lazy(
    "%(actor)s added %(member)s of %(organization)s."
)
PARAMS = (
    "title",
    "member",
    "role",
    "organization",
    "from_stage",
    "to_stage",
    "version",
    "meeting",
    "when",
    "file",
)


def _param(activity, name: str) -> str:
    params = activity.params if isinstance(activity.params, dict) else {}
    return str(params.get(name, ""))


@register.filter
def activity_sentence(activity) -> str:
    """One timeline entry as a sentence in the current language. The params are
    names and labels kept at the time (see models.Activity); the result is plain
    text, escaped by the template."""
    values = {name: _param(activity, name) for name in PARAMS}
    values["actor"] = str(activity.actor) if activity.actor else _("A former member")
    sentence = SENTENCES.get(activity.verb)
    if activity.verb == ActivityVerb.MEMBER_ADDED and values["organization"]:
        sentence = ORGANIZATION_MEMBER_ADDED
    if sentence is None:
        return f"{values['actor']} {activity.verb}"
    return str(sentence) % values


@register.filter
def activity_reason(activity) -> str:
    """The reason given when the group closed, if any."""
    if activity.verb != ActivityVerb.CLOSED:
        return ""
    return _param(activity, "reason")
