"""The idea call panel on a need page. A template tag, so that the needs app
does not import calls (calls depends on needs, not the other way round)."""

from django import template

from hack.accounts.roles import get_organization_of

from .. import selectors
from ..models import REVIEWABLE_STATUSES

register = template.Library()


@register.inclusion_tag("calls/includes/call_panel.html", takes_context=True)
def idea_call_panel(context, need):
    request = context.get("request")
    user = getattr(request, "user", None)
    call = selectors.get_current_call(need)
    if call is None:
        return {"call": None, "need": need, "can_manage": _can_manage(user, need)}
    organization = get_organization_of(user) if user is not None else None
    return {
        "request": request,
        "need": need,
        "call": call,
        "documents": call.documents.all(),
        "answered_questions": selectors.list_answered_questions(call),
        "public_proposals": call.proposals.filter(
            summary_is_public=True, status__in=REVIEWABLE_STATUSES
        ).select_related("organization"),
        "my_proposal": selectors.get_proposal_of(organization, call),
        "has_organization": organization is not None,
        "can_manage": _can_manage(user, need),
        "user": user,
    }


def _can_manage(user, need) -> bool:
    return user is not None and selectors.can_manage_call(user, need)


@register.filter
def proposal_status_label(code: str) -> str:
    """A status code as stored in notification params, in the current language."""
    from ..models import ProposalStatus

    return ProposalStatus(code).label if code in ProposalStatus.values else code


@register.filter
def has_open_call(need) -> bool:
    call = selectors.get_current_call(need)
    return call is not None and call.is_open
