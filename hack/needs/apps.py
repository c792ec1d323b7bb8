from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "hack.needs"
    label = "needs"
    verbose_name = _("Needs")

    def ready(self):
        from .announcements import connect

        # New needs are announced to subscribers (hack.notifications).
        connect()
