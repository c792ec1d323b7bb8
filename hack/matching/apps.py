from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "hack.matching"
    label = "matching"
    verbose_name = _("Matching")

    def ready(self):
        from wagtail.signals import page_published, page_unpublished

        from hack.needs.models import NeedPage
        from hack.seeds.models import SeedPage

        # Imported for what they register: the system check, notification kinds.
        from . import checks, notification_kinds  # noqa: F401
        from .indexing import schedule_page_refresh

        def on_change(sender, instance, **kwargs):
            schedule_page_refresh(page=instance)

        # Publishing goes through Wagtail (admin, workflows, scheduled
        # publishing), so its signals are the one place to hear about it.
        for model in (NeedPage, SeedPage):
            page_published.connect(on_change, sender=model, weak=False)
            page_unpublished.connect(on_change, sender=model, weak=False)
