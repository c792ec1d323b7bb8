from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "hack.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from django.utils.module_loading import autodiscover_modules
        from wagtail.models import PageViewRestriction
        from wagtail.signals import page_published, page_unpublished

        from hack.core.elastic import add_recovery_listener
        from hack.needs.models import NeedStageChange

        from .indexing import schedule_page_refresh, send_missed_entries
        from .sources import all_sources

        # Other apps' searchable pages (cms/search_sources.py).
        autodiscover_modules("search_sources")

        def on_page_change(sender, instance, **kwargs):
            schedule_page_refresh(instance.pk)

        def on_restriction(sender, instance, **kwargs):
            # A view restriction hides the page and everything under it.
            for page_id in instance.page.get_descendants(inclusive=True).values_list(
                "pk", flat=True
            ):
                schedule_page_refresh(page_id)

        def on_stage_change(sender, instance, created, **kwargs):
            if created:
                schedule_page_refresh(instance.need_id)

        # Publishing goes through Wagtail (admin, workflows, scheduled
        # publishing), so its signals are the one place to hear about it.
        for source in all_sources():
            for signal in (page_published, page_unpublished, post_delete):
                signal.connect(on_page_change, sender=source.model, weak=False)
        for signal in (post_save, post_delete):
            signal.connect(on_restriction, sender=PageViewRestriction, weak=False)
        post_save.connect(on_stage_change, sender=NeedStageChange, weak=False)

        # When a trial call finds Elasticsearch back, send what it missed.
        add_recovery_listener(send_missed_entries)
