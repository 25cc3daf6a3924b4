from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.utils import timezone

from articles import selectors
from articles.models import Author, Region, Topic
from magazine import pagecache


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 5000

    def items(self):
        pagecache.depends_on(("articles", "all"))
        pagecache.expires_by(selectors.next_scheduled_publish())
        return selectors.published_articles().select_related("region").only(
            "slug", "published_at", "updated_at", "created_at", "region__slug"
        ).order_by("-published_at", "-id")

    def lastmod(self, item):
        return item.updated_at


class RegionSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        pagecache.depends_on(("taxonomy", "all"))
        return Region.objects.order_by("ordering", "name")


class TopicSitemap(RegionSitemap):
    def items(self):
        pagecache.depends_on(("taxonomy", "all"))
        return Topic.objects.order_by("ordering", "name")


class AuthorSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.3

    def items(self):
        pagecache.depends_on(("articles", "all"))
        return Author.objects.order_by("name")


class NewsSitemap(Sitemap):
    """Google News: the articles of the last two days, with publication name and language.

    Rendered with ``sitemaps/news.xml``; Google reads at most 1,000 entries a file.
    """

    limit = 1000
    days = 2
    language = "en"

    def items(self):
        pagecache.depends_on(("articles", "all"))
        since = timezone.now() - timedelta(days=self.days)
        return (
            selectors.published_articles()
            .filter(published_at__gte=since)
            .select_related("region")
            .only("title", "slug", "published_at", "updated_at", "created_at", "region__slug")
            .order_by("-published_at", "-id")[: self.limit]
        )

    def lastmod(self, item):
        return item.updated_at

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            url["publication_name"] = settings.SITE_NAME
            url["language"] = self.language
        return urls


sitemaps = {
    "articles": ArticleSitemap,
    "regions": RegionSitemap,
    "topics": TopicSitemap,
    "authors": AuthorSitemap,
    # Served by its own URL (magazine/urls.py) with the news template; listed in the index.
    "news": NewsSitemap,
}
