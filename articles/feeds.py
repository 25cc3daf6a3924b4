"""RSS and Atom feeds: latest, per region and per topic, all fed by the selectors."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from articles import selectors
from articles.models import Region, Topic
from magazine import pagecache

FEED_SIZE = 30


class RssWithCommentCounts(Rss201rev2Feed):
    """RSS 2.0 with each item's approved comment count (the Slash module's slash:comments)."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:slash": "http://purl.org/rss/1.0/modules/slash/"}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("slash:comments", str(item["comment_count"]))


class AtomWithCommentCounts(Atom1Feed):
    """Atom with each entry's approved comment count (RFC 4685's thr:total)."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:thr": "http://purl.org/syndication/thread/1.0"}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("thr:total", str(item["comment_count"]))


class LatestRss(Feed):
    feed_type = RssWithCommentCounts
    def title(self, obj=None):
        return f"{settings.SITE_NAME}: latest"

    def link(self, obj=None):
        return "/"

    def description(self, obj=None):
        return f"The newest articles from {settings.SITE_NAME}."

    def items(self, obj=None):
        pagecache.depends_on(("articles", "all"))
        pagecache.expires_by(selectors.next_scheduled_publish())
        return selectors.latest(limit=FEED_SIZE)

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.standfirst

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.region.name, item.topic.name]

    def item_extra_kwargs(self, item):
        return {"comment_count": item.comment_count}


class LatestAtom(LatestRss):
    feed_type = AtomWithCommentCounts
    subtitle = LatestRss.description


class RegionRss(LatestRss):
    def get_object(self, request, slug):
        return get_object_or_404(Region, slug=slug)

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj=None):
        return obj.get_absolute_url()

    def description(self, obj=None):
        return obj.description or f"The newest articles from {obj.name}."

    def items(self, obj=None):
        pagecache.depends_on(("region", obj.pk))
        pagecache.expires_by(selectors.next_scheduled_publish())
        return selectors.region_articles(region=obj)[:FEED_SIZE]


class RegionAtom(RegionRss):
    feed_type = AtomWithCommentCounts
    subtitle = RegionRss.description


class TopicRss(RegionRss):
    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def items(self, obj=None):
        pagecache.depends_on(("topic", obj.pk))
        pagecache.expires_by(selectors.next_scheduled_publish())
        return selectors.topic_articles(topic=obj)[:FEED_SIZE]


class TopicAtom(TopicRss):
    feed_type = AtomWithCommentCounts
    subtitle = TopicRss.description
