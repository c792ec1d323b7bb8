"""Pages for department staff and coordinators: open and edit idea calls, answer
questions, score proposals independently and decide on them.

Every view checks the role itself (selectors), never trusting the URL. Someone
who is not city staff gets 403 whatever the id, so nothing about a call or a
proposal leaks; staff of another department get 404, as if it did not exist.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hack.accounts.roles import is_city_staff, is_coordinator
from hack.accounts.views import add_service_errors
from hack.needs.models import NeedPage

from . import selectors, services
from .models import (
    REVIEWABLE_STATUSES,
    CallQuestion,
    IdeaCall,
    Proposal,
    ProposalStatus,
    Review,
)
from .staff_forms import (
    AnswerForm,
    ConflictForm,
    DecisionForm,
    IdeaCallForm,
    ReviewForm,
)

CALL_FIELDS = ("opens_at", "closes_at", "what_we_want", "review_criteria", "terms")


def _require_city_staff(user) -> None:
    if not is_city_staff(user):
        raise PermissionDenied(_("This page is for department staff and coordinators."))


def _call_for_manager(request, pk) -> IdeaCall:
    _require_city_staff(request.user)
    call = get_object_or_404(
        IdeaCall.objects.select_related("need", "need__department"), pk=pk
    )
    if not selectors.can_manage_call(request.user, call.need):
        raise Http404
    return call


def _proposal_for_reviewer(request, pk) -> Proposal:
    """A proposal the user may read as city staff; drafts and withdrawn ones
    belong to the organisation alone and answer 404."""
    _require_city_staff(request.user)
    proposal = get_object_or_404(
        Proposal.objects.select_related("call", "call__need", "organization"), pk=pk
    )
    if not selectors.is_city_reader(request.user, proposal):
        raise Http404
    return proposal


def _base_context() -> dict:
    return {"time_zone": settings.TIME_ZONE}


# Calls -------------------------------------------------------------------


def _needs_without_call(user):
    """Published needs the user may open a call on that have no open or upcoming
    call: their department's, or every department's for a coordinator."""
    needs = NeedPage.objects.live().select_related("department")
    if not is_coordinator(user):
        needs = needs.filter(department_id=user.department_id)
    return needs.exclude(idea_calls__closes_at__gt=timezone.now()).order_by(
        "-first_published_at", "-pk"
    )


@login_required
def call_list(request):
    _require_city_staff(request.user)
    calls = (
        selectors.list_calls_to_manage(request.user)
        .annotate(
            proposal_count=Count(
                "proposals",
                filter=Q(proposals__status__in=REVIEWABLE_STATUSES),
                distinct=True,
            ),
            unanswered_count=Count(
                "questions",
                filter=Q(questions__answered_at__isnull=True),
                distinct=True,
            ),
        )
        .order_by("-closes_at", "-pk")
    )
    return render(
        request,
        "calls/staff/call_list.html",
        {
            **_base_context(),
            "calls": calls,
            "needs_without_call": _needs_without_call(request.user),
            "is_coordinator": is_coordinator(request.user),
        },
    )


def _open_or_upcoming_call(need) -> IdeaCall | None:
    return (
        IdeaCall.objects.filter(need=need, closes_at__gt=timezone.now())
        .order_by("opens_at")
        .first()
    )


def _call_data(form) -> dict:
    data = {name: form.cleaned_data[name] for name in CALL_FIELDS}
    data["criteria"] = form.cleaned_data["criteria"]
    data["documents"] = form.cleaned_data["documents"]
    return data


@login_required
def call_create(request, need_pk):
    _require_city_staff(request.user)
    need = get_object_or_404(NeedPage.objects.select_related("department"), pk=need_pk)
    if not selectors.can_manage_call(request.user, need):
        raise Http404
    if not need.live:
        messages.error(request, _("A call can be opened only on a published need."))
        return redirect("calls:call-list")
    if (current := _open_or_upcoming_call(need)) is not None:
        messages.info(
            request,
            _("This need already has an open or upcoming call. Edit that one."),
        )
        return redirect("calls:call-edit", pk=current.pk)
    form = IdeaCallForm(
        request.POST or None,
        request.FILES or None,
        initial=IdeaCallForm.default_initial(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            call = services.open_idea_call(
                need=need, by=request.user, **_call_data(form)
            )
        except PermissionDenied as error:
            raise Http404 from error
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if call.is_open:
                text = _("The idea call is open. It is shown on the need page.")
            else:
                text = _(
                    "The idea call is saved. It opens automatically at the time "
                    "you set."
                )
            messages.success(request, text)
            return redirect("calls:call-manage", pk=call.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "calls/staff/call_form.html",
        {
            **_base_context(),
            "need": need,
            "call": None,
            "form": form,
            "documents": [],
            "files_dropped": bool(request.FILES) and bool(form.errors),
        },
        status=status,
    )


def _call_initial(call: IdeaCall) -> dict:
    initial = {name: getattr(call, name) for name in CALL_FIELDS}
    initial["criteria"] = "\n".join(c.label for c in selectors.list_criteria(call))
    return initial


@login_required
def call_edit(request, pk):
    call = _call_for_manager(request, pk)
    if call.is_closed:
        messages.info(request, _("The call has closed; it can no longer be changed."))
        return redirect("calls:call-manage", pk=call.pk)
    documents = list(call.documents.all())
    form = IdeaCallForm(
        request.POST or None,
        request.FILES or None,
        initial=_call_initial(call),
        existing_documents=len(documents),
    )
    if request.method == "POST" and form.is_valid():
        try:
            call = services.update_idea_call(
                call=call, by=request.user, **_call_data(form)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The call was saved."))
            return redirect("calls:call-manage", pk=call.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "calls/staff/call_form.html",
        {
            **_base_context(),
            "need": call.need,
            "call": call,
            "form": form,
            "documents": documents,
            "files_dropped": bool(request.FILES) and bool(form.errors),
        },
        status=status,
    )


@login_required
@require_POST
def call_document_delete(request, pk, document_pk):
    call = _call_for_manager(request, pk)
    document = get_object_or_404(call.documents, pk=document_pk)
    try:
        services.remove_call_document(document=document, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("calls:call-manage", pk=call.pk)
    messages.success(
        request, _("“%(name)s” was removed.") % {"name": document.original_name}
    )
    return redirect("calls:call-edit", pk=call.pk)


def _manage_context(request, call: IdeaCall, *, answer_forms=None) -> dict:
    answer_forms = answer_forms or {}
    questions = sorted(
        call.questions.all(),
        key=lambda q: (q.answered_at is not None, q.created_at, q.pk),
    )
    question_rows = [
        {
            "question": question,
            "form": answer_forms.get(question.pk)
            or AnswerForm(
                initial={"answer": question.answer},
                prefix=f"q{question.pk}",
            ),
        }
        for question in questions
    ]
    summaries = selectors.summarise_reviews(call)
    my_reviews = {
        review.proposal_id: review
        for review in Review.objects.filter(proposal__call=call, reviewer=request.user)
    }
    for summary in summaries:
        review = my_reviews.get(summary.proposal.pk)
        summary.my_conflict = bool(review and review.conflict_of_interest)
        summary.i_scored = any(u.pk == request.user.pk for u in summary.scored_by)
    return {
        **_base_context(),
        "call": call,
        "need": call.need,
        "documents": call.documents.all(),
        "criteria": selectors.list_criteria(call),
        "question_rows": question_rows,
        "unanswered_count": sum(1 for q in questions if not q.is_answered),
        "summaries": summaries,
        "reviewer_count": len(selectors.list_reviewers(call)),
        "can_see_access_log": selectors.can_see_access_log(request.user),
    }


@login_required
@never_cache
def call_manage(request, pk):
    call = _call_for_manager(request, pk)
    return render(
        request, "calls/staff/call_manage.html", _manage_context(request, call)
    )


@login_required
@require_POST
def question_answer(request, pk):
    _require_city_staff(request.user)
    question = get_object_or_404(
        CallQuestion.objects.select_related("call", "call__need"), pk=pk
    )
    call = question.call
    if not selectors.can_manage_call(request.user, call.need):
        raise Http404
    form = AnswerForm(request.POST, prefix=f"q{question.pk}")
    if form.is_valid():
        try:
            services.answer_question(
                question=question, by=request.user, answer=form.cleaned_data["answer"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The answer was saved and is published on the need page."),
            )
            return redirect(
                reverse("calls:call-manage", kwargs={"pk": call.pk})
                + f"#question-{question.pk}"
            )
    context = _manage_context(request, call, answer_forms={question.pk: form})
    return render(request, "calls/staff/call_manage.html", context, status=400)


# Review ------------------------------------------------------------------


@login_required
@never_cache
def proposal_review(request, pk):
    proposal = _proposal_for_reviewer(request, pk)
    call = proposal.call
    review = selectors.get_review(proposal, request.user)
    conflicted = bool(review and review.conflict_of_interest)
    criteria = list(selectors.list_criteria(call))
    form = ReviewForm(
        None if conflicted else (request.POST or None),
        criteria=criteria,
        initial=ReviewForm.initial_from(review),
    )
    if request.method == "POST":
        if conflicted:
            messages.error(
                request, _("You declared a conflict of interest for this proposal.")
            )
            return redirect("calls:call-manage", pk=call.pk)
        if form.is_valid():
            try:
                services.save_review(
                    proposal=proposal, by=request.user, scores=form.scores()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your scores were saved."))
                return redirect(
                    reverse("calls:call-manage", kwargs={"pk": call.pk})
                    + f"#proposal-{proposal.pk}"
                )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "calls/staff/proposal_review.html",
        {
            **_base_context(),
            "proposal": proposal,
            "call": call,
            "form": form,
            "review": review,
            "conflicted": conflicted,
            "conflict_form": ConflictForm(),
        },
        status=status,
    )


@login_required
@require_POST
def proposal_conflict(request, pk):
    proposal = _proposal_for_reviewer(request, pk)
    form = ConflictForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["note"]))
        return redirect("calls:proposal-review", pk=proposal.pk)
    services.declare_conflict(
        proposal=proposal, by=request.user, note=form.cleaned_data["note"]
    )
    messages.success(
        request,
        _(
            "You declared a conflict of interest. You are no longer expected to "
            "score this proposal, and any scores you gave no longer count."
        ),
    )
    return redirect(
        reverse("calls:call-manage", kwargs={"pk": proposal.call_id})
        + f"#proposal-{proposal.pk}"
    )


@login_required
@never_cache
def proposal_decide(request, pk):
    proposal = _proposal_for_reviewer(request, pk)
    allowed = services.ALLOWED_DECISIONS.get(proposal.status, set())
    form = DecisionForm(request.POST or None, allowed=allowed)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.decide_proposal(
                proposal=proposal,
                by=request.user,
                decision=form.cleaned_data["decision"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The decision “%(status)s” was saved and the proposer was "
                    "told by email."
                )
                % {"status": ProposalStatus(proposal.status).label},
            )
            return redirect(
                reverse("calls:call-manage", kwargs={"pk": proposal.call_id})
                + f"#proposal-{proposal.pk}"
            )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "calls/staff/proposal_decide.html",
        {
            **_base_context(),
            "proposal": proposal,
            "call": proposal.call,
            "form": form,
            "allowed": allowed,
            "status_changes": proposal.status_changes.select_related("changed_by"),
        },
        status=status,
    )


@login_required
@never_cache
def proposal_access_log(request, pk):
    _require_city_staff(request.user)
    if not selectors.can_see_access_log(request.user):
        raise PermissionDenied(_("Only coordinators can see who read a proposal."))
    proposal = get_object_or_404(
        Proposal.objects.select_related("call", "call__need", "organization"), pk=pk
    )
    # A draft never sent belongs to the organisation alone; one withdrawn after
    # it was read keeps its record.
    accesses = proposal.accesses.select_related("user", "user__department").order_by(
        "-accessed_at", "-pk"
    )
    if not selectors.is_city_reader(request.user, proposal) and not accesses.exists():
        raise Http404
    return render(
        request,
        "calls/staff/access_log.html",
        {
            **_base_context(),
            "proposal": proposal,
            "call": proposal.call,
            "accesses": accesses,
        },
    )
