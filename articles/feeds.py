"""RSS and Atom feeds: latest, per region and per topic, all fed by the selectors."""

from urllib.parse import urljoin

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from articles import selectors, seo
from articles.models import Region, Topic
from magazine import pagecache

FEED_SIZE = 30
DC = "http://purl.org/dc/elements/1.1/"
MEDIA = "http://search.yahoo.com/mrss/"


def _absolute(feed: dict, url: str) -> str:
    """A site path made absolute on the feed's own origin (the origin the feed was asked on)."""
    return urljoin(feed["link"], url)


class _MagazineFeed:
    """What both formats carry: the magazine as the feed's author (its home page as the uri),
    and each item's hero image as Media RSS's media:content."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.feed["author_link"]:
            self.feed["author_link"] = _absolute(self.feed, self.feed["author_link"])

    def add_media(self, handler, item):
        image = item["image"]
        if image is None:
            return
        handler.startElement(
            "media:content",
            {
                "url": _absolute(self.feed, image["url"]),
                "type": image["type"],
                "width": str(image["width"]),
                "height": str(image["height"]),
                "medium": "image",
            },
        )
        if image["alt"]:
            handler.addQuickElement("media:description", image["alt"], {"type": "plain"})
        handler.endElement("media:content")


class MagazineRss(_MagazineFeed, Rss201rev2Feed):
    """RSS 2.0 with each item's bylines (dc:creator), hero image (media:content) and approved
    comment count (the Slash module's slash:comments), and a typed atom:link rel="self"."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:dc": DC,
            "xmlns:media": MEDIA,
            "xmlns:slash": "http://purl.org/rss/1.0/modules/slash/",
        }

    def add_root_elements(self, handler):
        # Django writes atom:link rel="self" without the type the RSS Advisory Board asks for.
        feed_url, self.feed["feed_url"] = self.feed["feed_url"], None
        try:
            super().add_root_elements(handler)
        finally:
            self.feed["feed_url"] = feed_url
        handler.addQuickElement("atom:link", None, {"href": feed_url, "rel": "self", "type": "application/rss+xml"})

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, _url in item["bylines"]:
            handler.addQuickElement("dc:creator", name)
        self.add_media(handler, item)
        handler.addQuickElement("slash:comments", str(item["comment_count"]))


class MagazineAtom(_MagazineFeed, Atom1Feed):
    """Atom with each entry's bylines (an atom:author each, RFC 4287 §4.2.1), hero image
    (media:content) and approved comment count (RFC 4685's thr:total)."""

    def root_attributes(self):
        return {
            **super().root_attributes(),
            "xmlns:media": MEDIA,
            "xmlns:thr": "http://purl.org/syndication/thread/1.0",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, url in item["bylines"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.addQuickElement("uri", _absolute(self.feed, url))
            handler.endElement("author")
        self.add_media(handler, item)
        handler.addQuickElement("thr:total", str(item["comment_count"]))


class LatestRss(Feed):
    feed_type = MagazineRss
    author_link = "/"

    def author_name(self, obj=None):
        return settings.SITE_NAME

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: latest"

    def link(self, obj=None):
        return "/"

    def description(self, obj=None):
        return f"The newest articles from {settings.SITE_NAME}."

    def items(self, obj=None):
        pagecache.depends_on(("articles", "all"))
        pagecache.expires_by(selectors.next_scheduled_publish())
        return selectors.latest(limit=FEED_SIZE).with_bylines()

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
        bylines = list(item.bylines.all())
        pagecache.depends_on(*(("author", byline.author_id) for byline in bylines))
        image = seo.hero_jpeg(item.hero_image)
        if image is not None:
            image["alt"] = item.hero_image.alt_text
        return {
            "comment_count": item.comment_count,
            "bylines": [(byline.author.name, byline.author.get_absolute_url()) for byline in bylines],
            "image": image,
        }


class LatestAtom(LatestRss):
    feed_type = MagazineAtom
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
        return selectors.region_articles(region=obj).with_bylines()[:FEED_SIZE]


class RegionAtom(RegionRss):
    feed_type = MagazineAtom
    subtitle = RegionRss.description


class TopicRss(RegionRss):
    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def items(self, obj=None):
        pagecache.depends_on(("topic", obj.pk))
        pagecache.expires_by(selectors.next_scheduled_publish())
        return selectors.topic_articles(topic=obj).with_bylines()[:FEED_SIZE]


class TopicAtom(TopicRss):
    feed_type = MagazineAtom
    subtitle = TopicRss.description
