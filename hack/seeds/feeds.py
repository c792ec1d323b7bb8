from django.utils.translation import gettext_lazy as _

from hack.core.feeds import FEED_SIZE, PublishedPageFeed

from .selectors import list_published_seeds


class LatestSeedsFeed(PublishedPageFeed):
    title = _("YOKOHAMA Hack!: new seeds")
    link = "/seeds/"
    description = _("Technologies and services newly published by organisations.")

    def items(self):
        return list_published_seeds()[:FEED_SIZE]
