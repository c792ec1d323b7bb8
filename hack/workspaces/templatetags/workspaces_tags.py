"""The working-group panel on a need page, and the sentence for one timeline
entry. A template tag, so that the needs app does not import workspaces
(workspaces depends on needs, not the other way round)."""

from django import template
from django.contrib.auth.models import AnonymousUser

from hack.accounts.roles import get_organization_of
from hack.needs.choices import Stage

from .. import selectors
from ..activity import describe, reason

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


@register.filter
def activity_sentence(activity) -> str:
    """One timeline entry as a sentence in the current language (plain text,
    escaped by the template)."""
    return describe(activity)


@register.filter
def activity_reason(activity) -> str:
    """The reason given when the group closed, if any."""
    return reason(activity)
