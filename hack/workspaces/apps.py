from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspacesConfig(AppConfig):
    name = "hack.workspaces"
    label = "workspaces"
    verbose_name = _("Working groups")

    def ready(self):
        from . import notifications, signals  # noqa: F401 - kinds and logout hook
