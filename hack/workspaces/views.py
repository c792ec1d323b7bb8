"""The member-facing pages: my working groups, the workspace (chat, presence,
notes, meetings, files, activity), and asking to join a group.

The workspace is for members only. A logged-in person who is not a member gets
403 with a way to ask to join where that is possible; an unknown group is 404;
a meeting or file of another group is 404 too. Every form works without
JavaScript; workspace.js adds the live parts over the websocket.
"""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hack.accounts.roles import get_organization_of
from hack.accounts.views import add_service_errors
from hack.core.downloads import private_download
from hack.core.errors import refusal_text

from . import selectors, services
from .activity import describe, param_labels, sentence_templates
from .forms import (
    FileForm,
    JoinRequestForm,
    MeetingForm,
    MessageForm,
    MinutesForm,
    NotesForm,
)
from .models import NotesFormat, WorkingGroup

try:  # Markdown is rendered only when markdown-it-py is installed.
    from markdown_it import MarkdownIt
except ImportError:  # pragma: no cover - depends on the environment
    MarkdownIt = None


# Helpers ---------------------------------------------------------------------


def _group_or_404(pk: int) -> WorkingGroup:
    group = selectors.get_group(pk)
    if group is None:
        raise Http404
    return group


def _member_group(request, pk: int) -> WorkingGroup:
    """The group, for one of its members: 404 when unknown, 403 otherwise."""
    group = _group_or_404(pk)
    if not selectors.can_enter_workspace(request.user, group):
        raise PermissionDenied(_("You are not a member of this working group."))
    return group


def _workspace_url(group: WorkingGroup, anchor: str = "") -> str:
    url = reverse("workspaces:workspace", args=[group.pk])
    return f"{url}#{anchor}" if anchor else url


def _query_int(request, name: str) -> int | None:
    try:
        value = int(request.GET.get(name, ""))
    except ValueError:
        return None
    return value if value > 0 else None


def render_markdown(text: str) -> SafeString | None:
    """Markdown as HTML with raw HTML escaped, unsafe link schemes refused and no
    images (nothing is loaded from elsewhere). None when no renderer is
    installed: the template then shows the text as it is."""
    if MarkdownIt is None:
        return None
    renderer = MarkdownIt("commonmark", {"html": False}).disable("image")
    return mark_safe(renderer.render(text))  # noqa: S308 - raw HTML is escaped


def workspace_texts() -> dict[str, str]:
    """What workspace.js writes on the page, translated here."""
    return {
        "connecting": _("Live updates: connecting…"),
        "connected": _("Live updates: connected."),
        "reconnecting": _(
            "Live updates: connection lost. Reconnecting in %(seconds)s seconds…"
        ),
        "ended": _(
            "Your access to this workspace has ended: you were removed from the "
            "group or logged out. Reload the page."
        ),
        "notFound": _("This working group no longer exists."),
        "empty": _("Write a message first."),
        "sendFailed": _("The message could not be sent. Your text is kept."),
        "newMessage": _("New message from %(author)s: %(body)s"),
        "someone": _("Someone"),
        "formerMember": _("Former member"),
        "loadingOlder": _("Loading older messages…"),
        "beginning": _("This is the beginning of the conversation."),
        "notesNewer": _(
            "%(by)s saved version %(version)s of the notes. When you save, your "
            "changes will be merged with theirs."
        ),
        "meetingsChanged": _("The meetings changed. Reload the page to see them."),
        "filesChanged": _("The files changed. Reload the page to see them."),
        "meetingsUpdated": _("The meetings were updated."),
        "filesUpdated": _("The files were updated."),
        "groupChanged": _(
            "The group's stage or status changed. Reload the page to see it."
        ),
        "reload": _("Reload"),
    }


def _workspace_context(request, group: WorkingGroup, **overrides) -> dict:
    """Everything the workspace page shows. Views that redisplay it after an
    error pass their bound form (and `failed_form` for the error summary)."""
    before = _query_int(request, "before")
    history = selectors.list_messages(group.pk, before=before)
    notes = selectors.get_notes(group)
    notes_format = notes.format if notes else NotesFormat.MARKDOWN
    notes_body = notes.body if notes else ""
    upcoming, past = selectors.list_meetings(group)
    for meeting in [*upcoming, *past]:
        meeting.minutes_form = MinutesForm(
            initial={"minutes": meeting.minutes}, meeting_pk=meeting.pk
        )
    minutes_form = overrides.pop("minutes_form", None)
    if minutes_form is not None:
        for meeting in [*upcoming, *past]:
            if meeting.pk == minutes_form.meeting_pk:
                meeting.minutes_form = minutes_form
    templates = sentence_templates()
    activities = [
        (activity, describe(activity, templates))
        for activity in selectors.list_activities(group)
    ]
    files = selectors.list_files(group)
    can_manage = selectors.can_manage_group(request.user, group)
    for stored in files:
        stored.can_delete = can_manage or stored.uploaded_by_id == request.user.pk
    present = selectors.list_present_users(group.pk)
    members = selectors.list_active_members(group)
    context = {
        "group": group,
        "need": group.need,
        "membership": selectors.get_membership(request.user, group),
        "can_manage": can_manage,
        "history": history,
        "history_before": before,
        "has_older": bool(history) and history[0].seq > 1,
        "last_seq": history[-1].seq if history else (before - 1 if before else 0),
        "message_form": MessageForm(),
        "notes": notes,
        "notes_html": (
            render_markdown(notes_body)
            if notes_body and notes_format == NotesFormat.MARKDOWN
            else None
        ),
        "markdown_available": MarkdownIt is not None,
        "notes_form": NotesForm(
            initial={
                "body": notes_body,
                "format": notes_format,
                "base_version": notes.version if notes else 0,
            }
        ),
        "upcoming_meetings": upcoming,
        "past_meetings": past,
        "meeting_form": MeetingForm(),
        "files": files,
        "file_form": FileForm(),
        "activities": activities,
        "activity_templates": {str(k): v for k, v in templates.items()},
        "activity_labels": param_labels(),
        "workspace_texts": workspace_texts(),
        "members": members,
        "member_count": len(members),
        "present": present,
        "failed_form": None,
        # Without a name, others see a numbered label: ask for a display name.
        "needs_display_name": not (
            request.user.display_name.strip() or request.user.get_full_name()
        ),
    }
    context.update(overrides)
    return context


def _render_workspace(request, group, *, status=200, **overrides):
    return render(
        request,
        "workspaces/workspace.html",
        _workspace_context(request, group, **overrides),
        status=status,
    )


# Text typed before the session ended ------------------------------------------

UNSENT_SESSION_KEY = "workspace-unsent"
# The fields each form's text is kept in, at most as long as the form allows.
KEPT_FIELDS = {
    "message": (MessageForm, ["body", "client_id"]),
    "notes": (NotesForm, ["body", "format", "base_version"]),
    "meeting": (
        MeetingForm,
        ["title", "starts_at", "ends_at", "place", "online_url", "agenda"],
    ),
    "minutes": (MinutesForm, ["minutes"]),
}


def keeps_text_through_login(form_name: str):
    """login_required for a workspace form that loses nothing: a POST whose
    session has ended (expired, or logged out in another tab) would lose what
    was typed on the way through the login page. Its text is kept in the new
    anonymous session, which Django carries across logging in, and the
    workspace page offers it back in the same form (`_take_unsent`)."""
    form_class, fields = KEPT_FIELDS[form_name]

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, pk, *args, **kwargs):
            if request.user.is_authenticated:
                return view(request, pk, *args, **kwargs)
            workspace = reverse("workspaces:workspace", args=[pk])
            if request.method == "POST":
                kept = {}
                for name in fields:
                    limit = getattr(form_class.base_fields[name], "max_length", None)
                    value = request.POST.get(name, "")
                    kept[name] = value[:limit] if limit else value[:100]
                if any(kept.values()):
                    unsent = request.session.get(UNSENT_SESSION_KEY, {})
                    unsent[str(pk)] = {
                        "form": form_name,
                        "data": kept,
                        "meeting": kwargs.get("meeting_pk"),
                    }
                    request.session[UNSENT_SESSION_KEY] = unsent
                    messages.warning(
                        request,
                        _(
                            "Your session has ended. Log in again: what you wrote "
                            "is kept and shown again in the workspace."
                        ),
                    )
            return redirect_to_login(workspace)

        return wrapped

    return decorator


def _take_unsent(request, group: WorkingGroup) -> dict:
    """The form kept by keeps_text_through_login for this group, once, as
    overrides for the workspace page."""
    unsent = request.session.get(UNSENT_SESSION_KEY) or {}
    kept = unsent.pop(str(group.pk), None)
    if kept is None:
        return {}
    request.session[UNSENT_SESSION_KEY] = unsent
    form_name, data = kept.get("form"), kept.get("data") or {}
    if form_name not in KEPT_FIELDS:
        return {}
    messages.info(
        request,
        _(
            "This is what you wrote before your session ended. It has not been "
            "sent or saved yet: check it and send it again."
        ),
    )
    form_class, _fields = KEPT_FIELDS[form_name]
    if form_name == "minutes":
        meeting_pk = kept.get("meeting")
        if not group.meetings.filter(pk=meeting_pk).exists():
            return {}
        return {"minutes_form": form_class(initial=data, meeting_pk=meeting_pk)}
    return {f"{form_name}_form": form_class(initial=data)}


# My groups -------------------------------------------------------------------


@login_required
@require_GET
def group_list(request):
    return render(
        request,
        "workspaces/group_list.html",
        {
            "my_groups": selectors.list_my_groups(request.user),
            "open_groups": selectors.list_joinable_groups(request.user),
            "has_organization": get_organization_of(request.user) is not None,
        },
    )


# The workspace -----------------------------------------------------------------


@login_required
@require_GET
@never_cache
def workspace(request, pk):
    group = _group_or_404(pk)
    if not selectors.can_enter_workspace(request.user, group):
        organization = get_organization_of(request.user)
        return render(
            request,
            "workspaces/not_member.html",
            {
                "group": group,
                "can_request": selectors.can_request_to_join(request.user, group),
                "pending_request": selectors.get_pending_request(group, organization),
            },
            status=403,
        )
    return _render_workspace(request, group, **_take_unsent(request, group))


@keeps_text_through_login("message")
@require_POST
def message_post(request, pk):
    group = _member_group(request, pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.post_message(
                group=group,
                by=request.user,
                body=form.cleaned_data["body"],
                client_id=form.cleaned_data["client_id"],
            )
        except PermissionDenied as error:
            raise PermissionDenied(refusal_text(error)) from error
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(_workspace_url(group, "chat"))
    return _render_workspace(
        request, group, status=400, message_form=form, failed_form=form
    )


@keeps_text_through_login("notes")
@require_POST
def notes_save(request, pk):
    group = _member_group(request, pk)
    form = NotesForm(request.POST)
    status = 400
    conflict = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            notes, merged = services.save_notes(
                group=group,
                by=request.user,
                body=data["body"],
                base_version=data["base_version"],
                format=data["format"],
            )
        except services.NotesConflict as error:
            conflict = error.current
            # Their text stays; the next save builds on the newer version.
            retry = request.POST.copy()
            retry["base_version"] = str(conflict.version)
            form = NotesForm(retry)
            form.is_valid()
            form.add_error(None, refusal_text(error))
            status = 409
        except PermissionDenied as error:
            raise PermissionDenied(refusal_text(error)) from error
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if merged:
                messages.success(
                    request,
                    _(
                        "The notes were saved as version %(version)s and merged "
                        "with changes someone else saved meanwhile. Check the "
                        "result."
                    )
                    % {"version": notes.version},
                )
            else:
                messages.success(
                    request,
                    _("The notes were saved (version %(version)s).")
                    % {"version": notes.version},
                )
            return redirect(_workspace_url(group, "notes"))
    return _render_workspace(
        request,
        group,
        status=status,
        notes_form=form,
        failed_form=form,
        notes_conflict=conflict,
    )


@login_required
@require_GET
@never_cache
def notes_versions(request, pk):
    group = _member_group(request, pk)
    shown = None
    if "version" in request.GET:
        number = _query_int(request, "version")
        shown = selectors.get_notes_version(group, number) if number else None
        if shown is None:
            raise Http404
    return render(
        request,
        "workspaces/notes_versions.html",
        {
            "group": group,
            "versions": selectors.list_notes_versions(group),
            "shown": shown,
            "shown_html": (
                render_markdown(shown.body)
                if shown and shown.body and shown.format == NotesFormat.MARKDOWN
                else None
            ),
            "markdown_available": MarkdownIt is not None,
        },
    )


@keeps_text_through_login("meeting")
@require_POST
def meeting_create(request, pk):
    group = _member_group(request, pk)
    form = MeetingForm(request.POST)
    if form.is_valid():
        try:
            services.schedule_meeting(group=group, by=request.user, **form.cleaned_data)
        except PermissionDenied as error:
            raise PermissionDenied(refusal_text(error)) from error
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting was scheduled."))
            return redirect(_workspace_url(group, "meetings"))
    return _render_workspace(
        request, group, status=400, meeting_form=form, failed_form=form
    )


@keeps_text_through_login("minutes")
@require_POST
def meeting_minutes(request, pk, meeting_pk):
    group = _member_group(request, pk)
    meeting = get_object_or_404(group.meetings, pk=meeting_pk)
    form = MinutesForm(request.POST, meeting_pk=meeting.pk)
    if form.is_valid():
        try:
            services.record_minutes(
                meeting=meeting, by=request.user, minutes=form.cleaned_data["minutes"]
            )
        except PermissionDenied as error:
            raise PermissionDenied(refusal_text(error)) from error
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The minutes of “%(title)s” were saved.") % {"title": meeting.title},
            )
            return redirect(_workspace_url(group, f"meeting-{meeting.pk}"))
    return _render_workspace(
        request, group, status=400, minutes_form=form, failed_form=form
    )


@login_required
@require_POST
def file_upload(request, pk):
    group = _member_group(request, pk)
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            stored = services.add_file(
                group=group, by=request.user, upload=form.cleaned_data["file"]
            )
        except PermissionDenied as error:
            raise PermissionDenied(refusal_text(error)) from error
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("“%(name)s” was added.") % {"name": stored.original_name},
            )
            return redirect(_workspace_url(group, "files"))
    return _render_workspace(
        request, group, status=400, file_form=form, failed_form=form
    )


@login_required
@require_GET
def file_download(request, pk, file_pk):
    group = _member_group(request, pk)
    stored = get_object_or_404(group.files, pk=file_pk)
    return private_download(
        stored.file, name=stored.original_name, content_type=stored.content_type
    )


@login_required
@require_POST
def file_delete(request, pk, file_pk):
    group = _member_group(request, pk)
    stored = get_object_or_404(group.files, pk=file_pk)
    name = stored.original_name
    try:
        services.remove_file(file=stored, by=request.user)
    except PermissionDenied as error:
        raise PermissionDenied(refusal_text(error)) from error
    except ValidationError as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, _("“%(name)s” was removed.") % {"name": name})
    return redirect(_workspace_url(group, "files"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def group_leave(request, pk):
    """GET asks for confirmation; POST leaves."""
    group = _member_group(request, pk)
    error = None
    if request.method == "POST":
        try:
            services.leave_group(group=group, by=request.user)
        except PermissionDenied as refused:
            raise PermissionDenied(refusal_text(refused)) from refused
        except ValidationError as refused:
            error = refusal_text(refused)
        else:
            messages.success(
                request,
                _("You left “%(group)s”.") % {"group": group.title},
            )
            return redirect("workspaces:group-list")
    return render(
        request,
        "workspaces/leave_confirm.html",
        {"group": group, "error": error},
        status=400 if error else 200,
    )


# Asking to join ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def join_request(request, pk):
    group = _group_or_404(pk)
    is_member = selectors.can_enter_workspace(request.user, group)
    # A group on a need that is not public is not shown to outsiders at all.
    if not group.need.live and not is_member:
        raise Http404
    organization = get_organization_of(request.user)
    if organization is None:
        return render(
            request,
            "workspaces/join_request.html",
            {"group": group, "no_organization": True},
            status=403,
        )
    form = JoinRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.request_to_join(
                    group=group, by=request.user, message=form.cleaned_data["message"]
                )
            except PermissionDenied as error:
                raise PermissionDenied(refusal_text(error)) from error
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _(
                        "Your request to join “%(group)s” was sent. A coordinator "
                        "will answer; you will be notified."
                    )
                    % {"group": group.title},
                )
                return redirect("workspaces:group-list")
    return render(
        request,
        "workspaces/join_request.html",
        {
            "group": group,
            "form": form,
            "organization": organization,
            "is_member": is_member,
            "pending_request": selectors.get_pending_request(group, organization),
            "can_request": selectors.can_request_to_join(request.user, group),
        },
        status=status,
    )
