from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    name = "hack.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organisations")


class UsersAdminConfig(WagtailUsersAppConfig):
    """Wagtail's user admin with our forms (department) and guards."""

    user_viewset = "hack.accounts.admin_users.UserViewSet"
