"""Coordinator curation queue and the per-role views of suggestions.

Actions are POST-only and call the services in curation.py; a form error
re-renders the curation page with what was typed, everything else redirects
back to the match with a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hack.accounts.roles import (
    get_organization_of,
    is_city_staff,
    is_coordinator,
    is_department_staff,
)
from hack.accounts.views import add_service_errors
from hack.needs.models import NeedPage
from hack.needs.selectors import list_published_needs
from hack.seeds.models import SeedPage

from . import curation, selectors
from .forms import InviteForm, NoteForm, RejectForm
from .models import Match, MatchState
from .text import MAX_TEXT_CHARS

NEEDS_PER_PAGE = 25


def _require_coordinator(request) -> None:
    if not is_coordinator(request.user):
        raise PermissionDenied(_("Only coordinators curate matches."))


# --- Coordinators: the queue and the curation page ----------------------------


@login_required
def queue(request):
    _require_coordinator(request)
    needs, filters = selectors.list_queue(request.GET)
    page = Paginator(needs, NEEDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/queue.html",
        {"needs": page, "filters": filters, "querystring": filters.querystring()},
    )


def _forms_for(match: Match, bound: dict) -> dict:
    """The action forms of one match; `bound` holds the one that was posted."""
    forms = {
        "reject": RejectForm(prefix=f"reject-{match.pk}"),
        "note": NoteForm(prefix=f"note-{match.pk}", initial={"note": match.note}),
        "call": InviteForm(prefix=f"call-{match.pk}"),
        "group": InviteForm(prefix=f"group-{match.pk}"),
    }
    forms.update(bound.get(match.pk, {}))
    return forms


def _render_need_matches(request, need: NeedPage, *, bound=None, status=200):
    bound = bound or {}
    matches = selectors.list_matches_for_curation(need)
    for match in matches:
        match.forms = _forms_for(match, bound)
    error_form = next(
        (form for forms in bound.values() for form in forms.values() if form.errors),
        None,
    )
    return render(
        request,
        "matching/need_matches.html",
        {
            "need": need,
            "is_published": list_published_needs().filter(pk=need.pk).exists(),
            "is_truncated": selectors.is_text_truncated(need.pk),
            "max_chars": MAX_TEXT_CHARS,
            "groups": selectors.group_by_type(matches),
            "match_count": len(matches),
            "error_form": error_form,
            "states": MatchState,
        },
        status=status,
    )


@login_required
def need_matches(request, pk):
    _require_coordinator(request)
    need = get_object_or_404(NeedPage, pk=pk)
    return _render_need_matches(request, need)


def _match_for_action(request, pk) -> Match:
    _require_coordinator(request)
    match = selectors.get_match_for_curation(pk)
    if match is None:
        raise Http404
    return match


def _back_to(match: Match):
    url = reverse("matching:need-matches", kwargs={"pk": match.need_id})
    return redirect(f"{url}#match-{match.pk}")


def _run(request, match: Match, service, success: str, **arguments):
    """Run a service; its refusal becomes an error message, not an error page."""
    try:
        service(match=match, by=request.user, **arguments)
    except Match.DoesNotExist as error:
        # Dropped out of the suggestions between the page and the click.
        raise Http404 from error
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return _back_to(match)


def _run_form(request, match: Match, name: str, form, service, success, **mapping):
    """Validate a posted action form; errors re-render the page with the input."""
    if form.is_valid():
        arguments = {key: form.cleaned_data[field] for key, field in mapping.items()}
        try:
            service(match=match, by=request.user, **arguments)
        except Match.DoesNotExist as error:
            raise Http404 from error
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, " ".join(error.messages))
                return _back_to(match)
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return _back_to(match)
    return _render_need_matches(
        request, match.need, bound={match.pk: {name: form}}, status=400
    )


@login_required
@require_POST
def match_accept(request, pk):
    match = _match_for_action(request, pk)
    return _run(
        request,
        match,
        curation.accept_match,
        _("Accepted. The organisation and the department are told by email."),
    )


@login_required
@require_POST
def match_reject(request, pk):
    match = _match_for_action(request, pk)
    form = RejectForm(request.POST, prefix=f"reject-{match.pk}")
    return _run_form(
        request,
        match,
        "reject",
        form,
        curation.reject_match,
        _("Rejected. The pair is not suggested again unless a text changes."),
        reason="reason",
    )


@login_required
@require_POST
def match_reset(request, pk):
    match = _match_for_action(request, pk)
    return _run(
        request, match, curation.reset_match, _("The match is a suggestion again.")
    )


@login_required
@require_POST
def match_pin(request, pk):
    match = _match_for_action(request, pk)
    return _run(
        request,
        match,
        curation.pin_match,
        _("Pinned. The pair stays in the queue even if it drops out of the top."),
    )


@login_required
@require_POST
def match_unpin(request, pk):
    match = _match_for_action(request, pk)
    return _run(request, match, curation.unpin_match, _("Unpinned."))


@login_required
@require_POST
def match_note(request, pk):
    match = _match_for_action(request, pk)
    form = NoteForm(request.POST, prefix=f"note-{match.pk}")
    return _run_form(
        request,
        match,
        "note",
        form,
        curation.set_match_note,
        _("The note is saved."),
        note="note",
    )


@login_required
@require_POST
def match_invite_call(request, pk):
    match = _match_for_action(request, pk)
    form = InviteForm(request.POST, prefix=f"call-{match.pk}")
    return _run_form(
        request,
        match,
        "call",
        form,
        curation.invite_to_idea_call,
        _("The organisation was invited to the idea call by email."),
        message="message",
    )


@login_required
@require_POST
def match_invite_group(request, pk):
    match = _match_for_action(request, pk)
    form = InviteForm(request.POST, prefix=f"group-{match.pk}")
    return _run_form(
        request,
        match,
        "group",
        form,
        curation.invite_to_working_group,
        _("A working group was proposed to the organisation and the department."),
        message="message",
    )


# --- Department staff: the curated matches of their own needs -----------------


@login_required
def department_need_list(request):
    if not is_department_staff(request.user):
        raise PermissionDenied(_("This page is for department staff."))
    department = request.user.department
    return render(
        request,
        "matching/department_need_list.html",
        {
            "department": department,
            "needs": selectors.list_department_needs(department),
        },
    )


@login_required
def department_need_matches(request, pk):
    need = get_object_or_404(NeedPage, pk=pk)
    if not selectors.can_view_department_need(request.user, need):
        raise PermissionDenied(
            _("Only the need's department and the coordinators see its matches.")
        )
    return render(
        request,
        "matching/department_need_matches.html",
        {"need": need, "matches": selectors.list_curated_matches(need)},
    )


# --- Organisation members: needs suggested for their own seeds ----------------


@login_required
def member_seed_list(request):
    organization = get_organization_of(request.user)
    if organization is None:
        if is_city_staff(request.user):
            raise PermissionDenied(_("This page is for organisations."))
        messages.info(request, _("Register your organisation first."))
        return redirect("accounts:organization-create")
    return render(
        request,
        "matching/member_seed_list.html",
        {
            "organization": organization,
            "seeds": selectors.list_member_seeds(organization),
        },
    )


@login_required
def seed_needs(request, pk):
    seed = get_object_or_404(SeedPage.objects.select_related("organization"), pk=pk)
    published = selectors.is_seed_published(seed)
    if not selectors.can_view_seed_suggestions(request.user, seed):
        if not published:
            # Whether someone else's draft exists is nobody's business.
            raise Http404
        raise PermissionDenied(
            _("Only the seed's organisation sees the needs suggested for it.")
        )
    suggestions = selectors.list_suggested_needs(seed) if published else None
    return render(
        request,
        "matching/seed_needs.html",
        {"seed": seed, "is_published": published, "suggestions": suggestions},
    )


urlpatterns = [
    path("queue/", queue, name="queue"),
    path("needs/<int:pk>/", need_matches, name="need-matches"),
    path("matches/<int:pk>/accept/", match_accept, name="match-accept"),
    path("matches/<int:pk>/reject/", match_reject, name="match-reject"),
    path("matches/<int:pk>/reset/", match_reset, name="match-reset"),
    path("matches/<int:pk>/pin/", match_pin, name="match-pin"),
    path("matches/<int:pk>/unpin/", match_unpin, name="match-unpin"),
    path("matches/<int:pk>/note/", match_note, name="match-note"),
    path(
        "matches/<int:pk>/invite-to-idea-call/",
        match_invite_call,
        name="match-invite-call",
    ),
    path(
        "matches/<int:pk>/invite-to-working-group/",
        match_invite_group,
        name="match-invite-group",
    ),
    path("department/needs/", department_need_list, name="department-need-list"),
    path(
        "department/needs/<int:pk>/",
        department_need_matches,
        name="department-need-matches",
    ),
    path("my/seeds/", member_seed_list, name="member-seed-list"),
    path("my/seeds/<int:pk>/needs/", seed_needs, name="seed-needs"),
]
