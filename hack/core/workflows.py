"""Moderation helpers shared by needs and seeds."""

from wagtail.models import Page, WorkflowState


def needs_changes(page: Page) -> bool:
    state = page.current_workflow_state
    return state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES


def submit_to_workflow(page: Page, by) -> WorkflowState:
    """Start the page's workflow, or resume it after a reviewer asked for changes
    (Wagtail allows one unfinished workflow per page)."""
    if needs_changes(page):
        state = page.current_workflow_state
        state.resume(user=by)
        return state
    return page.get_workflow().start(page, by)
