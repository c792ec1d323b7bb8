from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenDataConfig(AppConfig):
    name = "hack.opendata"
    label = "opendata"
    verbose_name = _("Open data")

    def ready(self):
        from .sources import register_datasets

        register_datasets()
