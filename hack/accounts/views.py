from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import InvitationForm, OrganizationForm, ProfileForm
from .models import Invitation, Membership
from .roles import get_organization_of, is_city_staff, is_owner_of


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, keeping what the user typed."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


def _organization_context(request, organization, invitation_form=None) -> dict:
    return {
        "organization": organization,
        "memberships": organization.memberships.select_related("user").order_by(
            "created_at"
        ),
        "invitations": [i for i in organization.invitations.all() if i.is_pending],
        "is_owner": is_owner_of(request.user, organization),
        "invitation_form": invitation_form or InvitationForm(),
    }


@login_required
def dashboard(request):
    organization = get_organization_of(request.user)
    if organization is not None:
        context = _organization_context(request, organization)
    else:
        context = {
            "organization": None,
            "pending_invitations": [
                i
                for i in Invitation.objects.filter(
                    email__iexact=request.user.email, accepted_at__isnull=True
                ).select_related("organization")
                if i.is_pending
            ],
        }
    return render(request, "accounts/dashboard.html", context)


def _safe_next(request) -> str:
    """Where to go back after saving (e.g. the workspace that asked for a name):
    a path on this site only."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


@login_required
def profile(request):
    """The person's display name: how other members of their working groups see
    them (`User.public_name`)."""
    form = ProfileForm(
        request.POST or None, initial={"display_name": request.user.display_name}
    )
    next_url = _safe_next(request)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_profile(
                    user=request.user,
                    display_name=form.cleaned_data["display_name"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your display name is saved."))
                return redirect(next_url or "accounts:dashboard")
        status = 400
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "next_url": next_url},
        status=status,
    )


@login_required
def organization_create(request):
    if is_city_staff(request.user):
        raise PermissionDenied(_("City staff cannot register an organisation."))
    if get_organization_of(request.user) is not None:
        return redirect("accounts:organization-edit")
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_organization(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your organisation is registered."))
            return redirect("accounts:dashboard")
    return render(
        request, "accounts/organization_form.html", {"form": form, "creating": True}
    )


@login_required
def organization_edit(request):
    organization = get_organization_of(request.user)
    if organization is None:
        return redirect("accounts:organization-create")
    if not is_owner_of(request.user, organization):
        raise PermissionDenied(_("Only an owner can change the organisation profile."))
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(
                organization=organization, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The organisation profile is saved."))
            return redirect("accounts:dashboard")
    return render(
        request, "accounts/organization_form.html", {"form": form, "creating": False}
    )


@login_required
@require_POST
def organization_invite(request):
    organization = get_organization_of(request.user)
    if organization is None:
        raise PermissionDenied
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invite_member(
                organization=organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("accounts:dashboard")
    return render(
        request,
        "accounts/dashboard.html",
        _organization_context(request, organization, form),
        status=400,
    )


@login_required
@require_POST
def member_remove(request, pk):
    membership = get_object_or_404(Membership, pk=pk)
    try:
        services.remove_member(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The member was removed."))
    return redirect("accounts:dashboard")


@login_required
def invitation_accept(request, token):
    invitation = get_object_or_404(
        Invitation.objects.select_related("organization"), token=token
    )
    error = None
    if request.method == "POST":
        try:
            services.accept_invitation(invitation=invitation, user=request.user)
        except (ValidationError, PermissionDenied) as problem:
            error = " ".join(getattr(problem, "messages", [str(problem)]))
        else:
            messages.success(
                request,
                _("You joined %(organization)s.")
                % {"organization": invitation.organization},
            )
            return redirect("accounts:dashboard")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "error": error},
        status=400 if error else 200,
    )
