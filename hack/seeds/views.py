from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hack.accounts.models import Organization
from hack.accounts.roles import get_organization_of, is_city_staff
from hack.accounts.views import add_service_errors

from . import services
from .forms import SeedForm
from .models import SeedPage
from .selectors import (
    can_edit_seed,
    list_published_seeds_of,
    list_seeds_for_member,
    seed_state_label,
)

FORM_FIELDS = [
    name for name in SeedForm.base_fields if name not in ("image", "brochure")
]


def _no_organization(request):
    if is_city_staff(request.user):
        raise PermissionDenied(
            _("Seeds are written by organisations, not by city staff.")
        )
    messages.info(request, _("Register your organisation first."))
    return redirect("accounts:organization-create")


def _seed_for_member(request, pk) -> SeedPage:
    seed = get_object_or_404(SeedPage, pk=pk)
    if not can_edit_seed(request.user, seed):
        # Not 403: whether a draft exists is nobody else's business.
        raise Http404
    return seed


def _initial_from(seed: SeedPage) -> dict:
    draft = seed.get_latest_revision_as_object()
    initial = {name: getattr(draft, name) for name in FORM_FIELDS if name != "tags"}
    initial["tags"] = ", ".join(tag.name for tag in draft.tags.all())
    return initial


def _save_from_form(request, form, organization, seed=None):
    """Save a draft and, when asked, submit it; returns the seed or None on error."""
    try:
        seed = services.save_seed_draft(
            by=request.user,
            organization=organization,
            seed=seed,
            data={name: form.cleaned_data[name] for name in FORM_FIELDS},
            image_file=form.cleaned_data.get("image"),
            brochure_file=form.cleaned_data.get("brochure"),
        )
        if "submit" in request.POST:
            services.submit_seed_for_review(seed=seed, by=request.user)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    if "submit" in request.POST:
        messages.success(request, _("Your seed was sent to a coordinator for review."))
    else:
        messages.success(
            request, _("Your draft is saved. Only your organisation can see it.")
        )
    return seed


@login_required
def my_seeds(request):
    organization = get_organization_of(request.user)
    if organization is None:
        return _no_organization(request)
    seeds = [
        {"seed": seed, "state": seed_state_label(seed)}
        for seed in list_seeds_for_member(organization)
    ]
    return render(
        request, "seeds/my_seeds.html", {"organization": organization, "seeds": seeds}
    )


@login_required
def seed_create(request):
    organization = get_organization_of(request.user)
    if organization is None:
        return _no_organization(request)
    form = SeedForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        seed = _save_from_form(request, form, organization)
        if seed is not None:
            return redirect("seeds:seed-preview", pk=seed.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "seeds/seed_form.html",
        {"form": form, "seed": None, "files_dropped": bool(request.FILES)},
        status=status,
    )


@login_required
def seed_edit(request, pk):
    seed = _seed_for_member(request, pk)
    if seed.workflow_in_progress:
        messages.info(
            request,
            _("This seed is in review. Withdraw it from review to make changes."),
        )
        return redirect("seeds:seed-preview", pk=seed.pk)
    form = SeedForm(
        request.POST or None, request.FILES or None, initial=_initial_from(seed)
    )
    if request.method == "POST" and form.is_valid():
        saved = _save_from_form(request, form, seed.organization, seed=seed)
        if saved is not None:
            return redirect("seeds:seed-preview", pk=saved.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "seeds/seed_form.html",
        {"form": form, "seed": seed, "files_dropped": bool(request.FILES)},
        status=status,
    )


@login_required
def seed_preview(request, pk):
    seed = _seed_for_member(request, pk)
    return render(
        request,
        "seeds/seed_preview.html",
        {
            "seed": seed,
            "draft": seed.get_latest_revision_as_object(),
            "state": seed_state_label(seed),
        },
    )


@login_required
@require_POST
def seed_submit(request, pk):
    seed = _seed_for_member(request, pk)
    try:
        services.submit_seed_for_review(seed=seed, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your seed was sent to a coordinator for review."))
    return redirect("seeds:seed-preview", pk=seed.pk)


@login_required
@require_POST
def seed_withdraw(request, pk):
    seed = _seed_for_member(request, pk)
    try:
        services.withdraw_seed_from_review(seed=seed, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The seed was withdrawn from review; you can edit it.")
        )
    return redirect("seeds:seed-preview", pk=seed.pk)


def organization_detail(request, pk):
    organization = get_object_or_404(Organization, pk=pk)
    return render(
        request,
        "seeds/organization_detail.html",
        {"organization": organization, "seeds": list_published_seeds_of(organization)},
    )
