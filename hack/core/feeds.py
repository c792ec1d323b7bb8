from django.contrib.syndication.views import Feed

FEED_SIZE = 30


class PublishedPageFeed(Feed):
    """An RSS feed of live Wagtail pages that have a `summary`."""

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.url

    def item_pubdate(self, item):
        return item.first_published_at
