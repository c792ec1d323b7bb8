"""Tell subscribers about newly published needs.

Publishing goes through Wagtail (admin, workflows, scheduled publishing), so its
`page_published` signal is the one place to hear about it. After the publishing
transaction commits, the need is announced once (the key "need:<pk>" makes
republishing a new revision a no-op); the notifications app stores it for
digests and tells instant subscribers.
"""

import logging

from django.db import transaction

from hack.notifications import services as notifications

from .models import NeedPage
from .selectors import list_published_needs

logger = logging.getLogger(__name__)


def announce_need(need_id: int) -> None:
    need = list_published_needs().filter(pk=need_id).first()
    if need is None:
        return  # unpublished again, or restricted to some viewers
    url_parts = need.get_url_parts()
    url = url_parts[2] if url_parts else need.url
    notifications.announce(
        key=f"need:{need.pk}",
        kind="need",
        title=need.title,
        summary=need.summary,
        url=url or "/",
        field=need.field,
        department_id=need.department_id,
        published_at=need.first_published_at,
    )


def on_need_published(sender, instance, **kwargs) -> None:
    # robust: a failure to announce is logged and never undoes the publication.
    transaction.on_commit(lambda: announce_need(instance.pk), robust=True)


def connect() -> None:
    from wagtail.signals import page_published

    page_published.connect(
        on_need_published, sender=NeedPage, weak=False, dispatch_uid="announce_need"
    )
