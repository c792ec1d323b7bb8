from django.utils.translation import gettext_lazy as _

from hack.core.feeds import FEED_SIZE, PublishedPageFeed

from .selectors import list_published_needs


class LatestNeedsFeed(PublishedPageFeed):
    title = _("YOKOHAMA Hack!: new needs")
    link = "/needs/"
    description = _("Needs newly published by the city's departments.")

    def items(self):
        return list_published_needs()[:FEED_SIZE]
