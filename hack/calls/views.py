"""Idea calls for the public and proposals for organisation members.

A proposal that the user may not read answers 404, never 403: whether an
organisation proposed is itself confidential.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hack.accounts.roles import get_organization_of, is_city_staff
from hack.accounts.views import add_service_errors
from hack.core.downloads import private_download

from . import selectors, services
from .forms import ProposalForm, QuestionForm
from .models import AccessKind, IdeaCall, Proposal

FORM_FIELDS = ("title", "public_summary", "summary_is_public", "body")


def _need_url(call: IdeaCall) -> str:
    return call.need.url or "/"


# Calls and questions ----------------------------------------------------


def call_document_download(request, pk, document_pk):
    call = get_object_or_404(IdeaCall.objects.select_related("need"), pk=pk)
    public = selectors.get_public_call(pk) is not None
    if not (public or selectors.can_manage_call(request.user, call.need)):
        raise Http404
    document = get_object_or_404(call.documents, pk=document_pk)
    return private_download(
        document.file, name=document.original_name, content_type=document.content_type
    )


@login_required
def question_ask(request, pk):
    call = selectors.get_public_call(pk)
    if call is None:
        raise Http404
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ask_question(
                call=call, by=request.user, question=form.cleaned_data["question"]
            )
        except PermissionDenied as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your question was sent to the department. You will be told "
                    "when it is answered."
                ),
            )
            return redirect(_need_url(call) + "#call-questions")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "calls/question_form.html",
        {
            "call": call,
            "form": form,
            "my_questions": selectors.list_questions_of(call, request.user),
        },
        status=status,
    )


# Proposals --------------------------------------------------------------


def _proposal_for_member(request, pk) -> Proposal:
    proposal = get_object_or_404(
        Proposal.objects.select_related("call", "call__need", "organization"), pk=pk
    )
    if not selectors.is_proposal_member(request.user, proposal):
        raise Http404
    return proposal


@login_required
@require_POST
def proposal_start(request, pk):
    call = get_object_or_404(IdeaCall.objects.select_related("need"), pk=pk)
    if get_organization_of(request.user) is None:
        if is_city_staff(request.user):
            raise PermissionDenied(
                _("Proposals are written by organisations, not by city staff.")
            )
        messages.info(request, _("Register your organisation first."))
        return redirect("accounts:organization-create")
    try:
        proposal = services.start_proposal(call=call, by=request.user)
    except PermissionDenied as error:
        raise Http404 from error
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_need_url(call))
    return redirect("calls:proposal-edit", pk=proposal.pk)


@login_required
def my_proposals(request):
    organization = get_organization_of(request.user)
    if organization is None:
        if is_city_staff(request.user):
            return redirect("calls:call-list")
        messages.info(request, _("Register your organisation first."))
        return redirect("accounts:organization-create")
    return render(
        request,
        "calls/my_proposals.html",
        {
            "organization": organization,
            "proposals": selectors.list_proposals_of(organization),
        },
    )


@login_required
@never_cache
def proposal_detail(request, pk):
    proposal = get_object_or_404(
        Proposal.objects.select_related("call", "call__need", "organization"), pk=pk
    )
    if not selectors.can_read_proposal(request.user, proposal):
        raise Http404
    is_member = selectors.is_proposal_member(request.user, proposal)
    services.record_proposal_access(proposal=proposal, by=request.user)
    return render(
        request,
        "calls/proposal_detail.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "is_member": is_member,
            "can_edit": selectors.can_edit_proposal(request.user, proposal),
            "is_reviewer": selectors.is_city_reader(request.user, proposal),
            # A reviewer who declared a conflict neither scores nor decides.
            "has_conflict": selectors.has_declared_conflict(request.user, proposal),
            "can_see_access_log": selectors.can_see_access_log(request.user),
            "attachments": proposal.attachments.all(),
            "seeds": proposal.seeds.all(),
            "status_changes": proposal.status_changes.select_related("changed_by"),
        },
    )


def _form_data(cleaned: dict) -> dict:
    data = {name: cleaned[name] for name in FORM_FIELDS}
    data["accept_terms"] = cleaned.get("accept_terms", False)
    return data


def _initial(proposal: Proposal) -> dict:
    initial = {name: getattr(proposal, name) for name in FORM_FIELDS}
    initial["accept_terms"] = proposal.terms_accepted_at is not None
    initial["seeds"] = list(proposal.seeds.all())
    return initial


@login_required
@never_cache
def proposal_edit(request, pk):
    proposal = _proposal_for_member(request, pk)
    call = proposal.call
    if not selectors.can_edit_proposal(request.user, proposal):
        if call.is_closed:
            messages.info(
                request,
                _("The call has closed: the proposal is locked and can only be read."),
            )
        return redirect("calls:proposal-detail", pk=proposal.pk)
    form = ProposalForm(
        request.POST or None,
        request.FILES or None,
        organization=proposal.organization,
        initial=_initial(proposal),
    )
    if request.method == "POST" and form.is_valid():
        submitting = "submit" in request.POST
        try:
            # One transaction: a refused file or submission saves nothing, and
            # the form shows again with everything that was typed.
            with transaction.atomic():
                proposal = services.save_proposal_draft(
                    proposal=proposal,
                    by=request.user,
                    data=_form_data(form.cleaned_data),
                    seeds=form.cleaned_data["seeds"],
                )
                if upload := form.cleaned_data.get("attachment"):
                    services.add_attachment(
                        proposal=proposal, by=request.user, upload=upload
                    )
                if submitting:
                    services.submit_proposal(proposal=proposal, by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if submitting:
                messages.success(
                    request,
                    _(
                        "Your proposal was submitted. You can change or withdraw "
                        "it until %(deadline)s."
                    )
                    % {"deadline": _deadline_text(call)},
                )
                return redirect("calls:proposal-detail", pk=proposal.pk)
            messages.success(request, _("Saved. Only your organisation can see it."))
            return redirect("calls:proposal-edit", pk=proposal.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "calls/proposal_form.html",
        {
            "proposal": proposal,
            "call": call,
            "form": form,
            "attachments": proposal.attachments.all(),
            "files_dropped": bool(request.FILES) and bool(form.errors),
        },
        status=status,
    )


def _deadline_text(call: IdeaCall) -> str:
    return date_format(timezone.localtime(call.closes_at), "DATETIME_FORMAT")


@require_POST
@never_cache
def proposal_autosave(request, pk):
    """Save what was typed, called by the page as the user types. Answers JSON;
    an expired session gets 401 so the page keeps the text in the browser."""
    if not request.user.is_authenticated:
        return JsonResponse(
            {"error": _("Your session has expired. Log in again to keep saving.")},
            status=401,
        )
    proposal = get_object_or_404(Proposal.objects.select_related("call"), pk=pk)
    if not selectors.is_proposal_member(request.user, proposal):
        return JsonResponse({"error": _("Not found.")}, status=404)
    form = ProposalForm(request.POST, organization=proposal.organization)
    # Files never travel with an autosave.
    form.fields.pop("attachment")
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        proposal = services.save_proposal_draft(
            proposal=proposal,
            by=request.user,
            data=_form_data(form.cleaned_data),
            seeds=form.cleaned_data["seeds"],
        )
    except ValidationError as error:
        status = 409 if not proposal.call.is_open else 400
        return JsonResponse({"error": " ".join(error.messages)}, status=status)
    saved_at = timezone.localtime(proposal.updated_at)
    return JsonResponse(
        {
            "saved_at": saved_at.isoformat(),
            "message": _("Saved at %(time)s") % {"time": saved_at.strftime("%H:%M")},
        }
    )


def _status_action(request, pk, action, success_message):
    proposal = _proposal_for_member(request, pk)
    try:
        action(proposal=proposal, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success_message)
    return redirect("calls:proposal-detail", pk=proposal.pk)


@login_required
@require_POST
def proposal_submit(request, pk):
    return _status_action(
        request, pk, services.submit_proposal, _("Your proposal was submitted.")
    )


@login_required
@require_POST
def proposal_withdraw(request, pk):
    return _status_action(
        request,
        pk,
        services.withdraw_proposal,
        _("Your proposal was withdrawn. You can reopen it until the deadline."),
    )


@login_required
@require_POST
def proposal_reopen(request, pk):
    return _status_action(
        request,
        pk,
        services.reopen_proposal,
        _("Your proposal is a draft again."),
    )


@login_required
@require_POST
def attachment_upload(request, pk):
    proposal = _proposal_for_member(request, pk)
    upload = request.FILES.get("attachment")
    if upload is None:
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            services.add_attachment(proposal=proposal, by=request.user, upload=upload)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The file was attached."))
    return redirect("calls:proposal-edit", pk=proposal.pk)


@login_required
@never_cache
def attachment_download(request, pk, attachment_pk):
    proposal = get_object_or_404(
        Proposal.objects.select_related("call", "call__need"), pk=pk
    )
    if not selectors.can_read_proposal(request.user, proposal):
        raise Http404
    attachment = get_object_or_404(proposal.attachments, pk=attachment_pk)
    services.record_proposal_access(
        proposal=proposal,
        by=request.user,
        kind=AccessKind.DOWNLOAD,
        attachment=attachment,
    )
    return private_download(
        attachment.file,
        name=attachment.original_name,
        content_type=attachment.content_type,
    )


@login_required
@require_POST
def attachment_delete(request, pk, attachment_pk):
    proposal = _proposal_for_member(request, pk)
    attachment = get_object_or_404(proposal.attachments, pk=attachment_pk)
    try:
        services.remove_attachment(attachment=attachment, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("“%(name)s” was removed.") % {"name": attachment.original_name},
        )
    return redirect("calls:proposal-edit", pk=proposal.pk)
