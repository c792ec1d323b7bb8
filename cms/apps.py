from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"
    verbose_name = _("Editorial pages")

    def ready(self):
        from .opendata import register_case_studies

        register_case_studies()
