"""Pages for coordinators and a group's facilitators: the list of groups they
manage, forming a group on a need, and one page per group to add and remove
people, invite organisations, answer requests to join, move through the stages
and close the group.

Every view checks the role itself (selectors.can_manage_group), never trusting
the URL: an unknown group is 404, a group the person may not manage is 403, and
the id of another group's member or request is 404. A rule broken (a closed
group, the last facilitator) comes back from the service as a ValidationError:
the page is shown again with the message, status 400, and what was typed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hack.accounts.roles import is_coordinator
from hack.accounts.views import add_service_errors
from hack.needs.choices import Stage
from hack.needs.models import NeedPage

from . import selectors, services
from .manage_forms import (
    CloseForm,
    DepartmentStaffForm,
    FacilitatorForm,
    GroupForm,
    JoinRequestDecisionForm,
    OrganizationForm,
    OrganizationSearchForm,
    StageForm,
)
from .models import (
    GroupMember,
    GroupStage,
    GroupStatus,
    JoinRequest,
    MemberRole,
    WorkingGroup,
)

ROLE_SECTIONS = (
    (MemberRole.FACILITATOR, "facilitators"),
    (MemberRole.DEPARTMENT, "department"),
    (MemberRole.ORGANIZATION, "organizations"),
)


def _group_for_manager(request, pk) -> WorkingGroup:
    group = get_object_or_404(
        WorkingGroup.objects.select_related("need", "need__department"), pk=pk
    )
    if not selectors.can_manage_group(request.user, group):
        raise PermissionDenied(
            _("Only the group's facilitators and coordinators can manage it.")
        )
    return group


def _manage_url(group: WorkingGroup, anchor: str = "") -> str:
    url = reverse("workspaces:group-manage", args=[group.pk])
    return f"{url}#{anchor}" if anchor else url


# The list -----------------------------------------------------------------------


@login_required
@never_cache
def group_list(request):
    user = request.user
    if not (is_coordinator(user) or selectors.list_groups_to_manage(user).exists()):
        raise PermissionDenied(
            _("This page is for coordinators and the facilitators of working groups.")
        )
    status = request.GET.get("status", "")
    if status not in GroupStatus.values:
        status = ""
    return render(
        request,
        "workspaces/manage/group_list.html",
        {
            "groups": selectors.list_groups_to_manage_with_counts(user, status=status),
            "status": status,
            "statuses": GroupStatus.choices,
            "is_coordinator": is_coordinator(user),
            "needs_without_group": (
                selectors.list_needs_without_group() if is_coordinator(user) else []
            ),
        },
    )


# Forming a group ----------------------------------------------------------------


def _refusal(need: NeedPage) -> str:
    if not need.live:
        return _(
            "“%(need)s” is not published: a working group can be formed only on a "
            "published need."
        ) % {"need": need.title}
    if need.stage == Stage.CLOSED:
        return _("“%(need)s” is closed: no new working group can be formed on it.") % {
            "need": need.title
        }
    return ""


@login_required
def group_create(request, need_pk):
    if not selectors.can_form_group(request.user):
        raise PermissionDenied(_("Only coordinators can form a working group."))
    need = get_object_or_404(NeedPage.objects.select_related("department"), pk=need_pk)
    if refusal := _refusal(need):
        messages.error(request, refusal)
        return redirect("workspaces:manage-list")
    form = GroupForm(request.POST or None, initial=GroupForm.initial_for(need))
    if request.method == "POST" and form.is_valid():
        try:
            group = services.form_working_group(
                need=need,
                by=request.user,
                title=form.cleaned_data["title"],
                purpose=form.cleaned_data["purpose"],
                accepts_requests=form.cleaned_data["accepts_requests"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The working group was formed and you facilitate it. Now add "
                    "department staff and invite organisations."
                ),
            )
            return redirect(_manage_url(group))
    return render(
        request,
        "workspaces/manage/group_form.html",
        {
            "need": need,
            "form": form,
            "existing_groups": selectors.list_groups_of_need(need).order_by(
                "created_at", "pk"
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


# The group's page ---------------------------------------------------------------


def _members_by_role(group: WorkingGroup) -> list[dict]:
    members = list(
        selectors.list_active_members(group).select_related("user__department")
    )
    return [
        {
            "role": role,
            "anchor": anchor,
            "members": [m for m in members if m.role == role],
        }
        for role, anchor in ROLE_SECTIONS
    ]


def _search(request) -> OrganizationSearchForm:
    """The organisation search, from the address (GET) or carried along by
    the add buttons (POST), so a refused add keeps the results in view."""
    if request.method == "POST":
        return OrganizationSearchForm({"q": request.POST.get("q", "")})
    return OrganizationSearchForm(request.GET if "q" in request.GET else None)


def _render_manage(request, group: WorkingGroup, *, status=200, bound=None):
    """The group's page; `bound` holds the one form just posted and refused,
    under its key ("staff", "facilitator", "stage", "close", ("request", pk))."""
    bound = bound or {}
    active = group.is_active
    candidates = selectors.list_staff_candidates(group) if active else None
    staff_form = facilitator_form = None
    if active:
        staff_form = bound.get("staff") or DepartmentStaffForm(
            candidates=candidates, need_department=group.need.department
        )
        facilitator_form = bound.get("facilitator") or FacilitatorForm(
            candidates=candidates
        )
    search_form = _search(request)
    query = search_form.query()
    present = selectors.list_organization_ids_in_group(group)
    results = (
        [
            {"organization": o, "in_group": o.pk in present}
            for o in selectors.search_organizations(query)
        ]
        if active and query
        else []
    )
    pending = [
        {
            "request": join_request,
            "form": bound.get(("request", join_request.pk))
            or JoinRequestDecisionForm(prefix=f"r{join_request.pk}"),
        }
        for join_request in selectors.list_pending_requests(group)
    ]
    error_form = next((f for f in bound.values() if f.errors), None)
    context = {
        "group": group,
        "need": group.need,
        "roles": _members_by_role(group),
        "member_count": selectors.count_members(group.pk),
        "staff_form": staff_form,
        "facilitator_form": facilitator_form,
        "candidates": selectors.list_candidate_organizations(group) if active else [],
        "search_form": search_form,
        "query": query,
        "results": results,
        "pending": pending,
        "stage_form": bound.get("stage") or StageForm(initial={"stage": group.stage}),
        "close_form": bound.get("close") or CloseForm(),
        "activities": selectors.list_activities(group),
        "error_form": error_form,
        "stages": GroupStage.choices,
    }
    return render(
        request, "workspaces/manage/group_manage.html", context, status=status
    )


def _refused(request, group, error: ValidationError, *, bound=None):
    if bound is None:
        messages.error(request, " ".join(error.messages))
    return _render_manage(request, group, status=400, bound=bound)


@login_required
@never_cache
def group_manage(request, pk):
    group = _group_for_manager(request, pk)
    return _render_manage(request, group)


@login_required
@require_POST
def member_add(request, pk):
    group = _group_for_manager(request, pk)
    candidates = selectors.list_staff_candidates(group)
    facilitator = request.POST.get("kind") == FacilitatorForm.kind
    if facilitator:
        form = FacilitatorForm(request.POST, candidates=candidates)
    else:
        form = DepartmentStaffForm(
            request.POST, candidates=candidates, need_department=group.need.department
        )
    bound = {form.kind: form}
    if not form.is_valid():
        return _render_manage(request, group, status=400, bound=bound)
    user = form.cleaned_data["user"]
    try:
        services.add_staff_member(
            group=group, user=user, by=request.user, facilitator=facilitator
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _refused(request, group, error, bound=bound)
    messages.success(
        request,
        _("%(name)s joined the group and was told by email.") % {"name": user},
    )
    return redirect(_manage_url(group, "members"))


@login_required
@require_POST
def organization_add(request, pk):
    group = _group_for_manager(request, pk)
    form = OrganizationForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(e for errors in form.errors.values() for e in errors)
        )
        return _render_manage(request, group, status=400)
    organization = form.cleaned_data["organization"]
    try:
        added = services.add_organization(
            group=group, organization=organization, by=request.user
        )
    except ValidationError as error:
        return _refused(request, group, error)
    if added:
        messages.success(
            request,
            _(
                "%(organization)s was invited: %(count)s of its members joined the "
                "group and were told by email."
            )
            % {"organization": organization.name, "count": len(added)},
        )
    else:
        messages.info(
            request,
            _("Everyone at %(organization)s is already a member.")
            % {"organization": organization.name},
        )
    return redirect(_manage_url(group, "members"))


@login_required
@require_POST
def member_remove(request, pk, member_pk):
    group = _group_for_manager(request, pk)
    member = get_object_or_404(
        GroupMember.objects.select_related("user", "organization"),
        pk=member_pk,
        group=group,
    )
    if member.removed_at is None and request.POST.get("confirm") != "yes":
        only_facilitator = (
            member.role == MemberRole.FACILITATOR
            and not selectors.list_active_members(group)
            .filter(role=MemberRole.FACILITATOR)
            .exclude(pk=member.pk)
            .exists()
        )
        return render(
            request,
            "workspaces/manage/member_remove.html",
            {
                "group": group,
                "need": group.need,
                "member": member,
                "only_facilitator": only_facilitator,
            },
        )
    try:
        services.remove_member(member=member, by=request.user)
    except ValidationError as error:
        return _refused(request, group, error)
    messages.success(
        request,
        _("%(name)s was removed from the group. Their access ended at once.")
        % {"name": member.user},
    )
    if not selectors.can_manage_group(request.user, group):
        # Facilitators who removed themselves no longer manage the group.
        return redirect("workspaces:group-list")
    return redirect(_manage_url(group, "members"))


@login_required
@require_POST
def request_decide(request, pk, request_pk):
    group = _group_for_manager(request, pk)
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("organization"), pk=request_pk, group=group
    )
    form = JoinRequestDecisionForm(request.POST, prefix=f"r{join_request.pk}")
    bound = {("request", join_request.pk): form}
    if not form.is_valid():
        return _render_manage(request, group, status=400, bound=bound)
    try:
        services.decide_join_request(
            request=join_request,
            by=request.user,
            accept=form.accept,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _refused(request, group, error, bound=bound)
    name = join_request.organization.name
    if form.accept:
        text = _(
            "The request of %(organization)s was accepted: its members joined the "
            "group."
        )
    else:
        text = _("The request of %(organization)s was declined; its members were told.")
    messages.success(request, text % {"organization": name})
    return redirect(_manage_url(group, "requests"))


@login_required
@require_POST
def stage_change(request, pk):
    group = _group_for_manager(request, pk)
    form = StageForm(request.POST)
    bound = {"stage": form}
    if not form.is_valid():
        return _render_manage(request, group, status=400, bound=bound)
    to = form.cleaned_data["stage"]
    if to == group.stage and group.is_active:
        messages.info(request, _("The group is already at this stage."))
        return redirect(_manage_url(group, "stage"))
    try:
        group = services.change_group_stage(group=group, to=to, by=request.user)
    except ValidationError as error:
        add_service_errors(form, error)
        return _refused(request, group, error, bound=bound)
    messages.success(
        request,
        _("The group moved to the stage “%(stage)s”.")
        % {"stage": GroupStage(group.stage).label},
    )
    return redirect(_manage_url(group, "stage"))


@login_required
@require_POST
def group_close(request, pk):
    group = _group_for_manager(request, pk)
    form = CloseForm(request.POST)
    bound = {"close": form}
    if not form.is_valid():
        return _render_manage(request, group, status=400, bound=bound)
    try:
        services.close_group(
            group=group, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _refused(request, group, error, bound=bound)
    messages.success(
        request,
        _(
            "The working group was closed. Its members can still read the "
            "workspace; nothing more can be added."
        ),
    )
    return redirect(_manage_url(group))
