"""The Wagtail admin view that moves a published need to its next lifecycle stage."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .choices import Stage
from .forms import NeedStageForm
from .models import NeedPage
from .selectors import can_edit_need
from .services import change_need_stage


def change_stage(request, pk):
    need = get_object_or_404(NeedPage, pk=pk)
    if not can_edit_need(request.user, need):
        raise PermissionDenied
    form = NeedStageForm(request.POST or None, need=need)
    if request.method == "POST" and form.is_valid():
        try:
            change_need_stage(need=need, to=form.cleaned_data["stage"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("“%(title)s” is now at the stage “%(stage)s”.")
                % {
                    "title": need.title,
                    "stage": Stage(form.cleaned_data["stage"]).label,
                },
            )
            return redirect(
                reverse("wagtailadmin_explore", args=[need.get_parent().pk])
            )
    return TemplateResponse(
        request,
        "needs/admin/change_stage.html",
        {
            "need": need,
            "form": form,
            "current_stage": Stage(need.stage).label,
            "history": need.stage_changes.select_related("changed_by"),
        },
        status=400 if form.errors else 200,
    )
