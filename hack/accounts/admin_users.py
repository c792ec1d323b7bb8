"""The Wagtail user admin, extended so coordinators can assign department staff.

Coordinators are not superusers: they may not open, change or delete a superuser's
account, which would let them take it over.
"""

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import users as wagtail_user_views

from .models import Department
from .services import set_user_department


class DepartmentFieldMixin(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        required=False,
        label=_("Department"),
        help_text=_(
            "Set for city staff: they can then write their department's needs."
        ),
    )

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            set_user_department(
                user=user, department=self.cleaned_data.get("department")
            )
        return user


class StaffUserCreationForm(DepartmentFieldMixin, UserCreationForm):
    pass


class StaffUserEditForm(DepartmentFieldMixin, UserEditForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].initial = self.instance.department_id


class SuperuserGuard:
    def get_object(self, queryset=None):
        user = super().get_object(queryset)
        if user.is_superuser and not self.request.user.is_superuser:
            raise Http404
        return user


class EditView(SuperuserGuard, wagtail_user_views.EditView):
    pass


class DeleteView(SuperuserGuard, wagtail_user_views.DeleteView):
    pass


class UserViewSet(wagtail_user_views.UserViewSet):
    edit_view_class = EditView
    delete_view_class = DeleteView

    def get_form_class(self, for_update=False):
        return StaffUserEditForm if for_update else StaffUserCreationForm
