from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        return reverse("accounts:dashboard")

    def save_user(self, request, user, form, commit=True):
        # Emails are written in the language the person signed up in.
        user = super().save_user(request, user, form, commit=False)
        try:
            user.language = translation.get_supported_language_variant(
                translation.get_language() or settings.LANGUAGE_CODE
            )
        except LookupError:
            user.language = settings.LANGUAGE_CODE
        if commit:
            user.save()
        return user


def user_display(user) -> str:
    return user.display_name or user.email
