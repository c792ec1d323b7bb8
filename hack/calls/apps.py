from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "hack.calls"
    label = "calls"
    verbose_name = _("Idea calls and proposals")

    def ready(self):
        from . import notifications  # noqa: F401 - registers the kinds
