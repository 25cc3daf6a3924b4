from django.contrib.sitemaps import Sitemap

from articles import selectors
from articles.models import Author, Region, Topic


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 5000

    def items(self):
        return selectors.published_articles().select_related("region").only(
            "slug", "published_at", "updated_at", "created_at", "region__slug"
        ).order_by("-published_at", "-id")

    def lastmod(self, item):
        return item.updated_at


class RegionSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return Region.objects.order_by("ordering", "name")


class TopicSitemap(RegionSitemap):
    def items(self):
        return Topic.objects.order_by("ordering", "name")


class AuthorSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.3

    def items(self):
        return Author.objects.order_by("name")


sitemaps = {
    "articles": ArticleSitemap,
    "regions": RegionSitemap,
    "topics": TopicSitemap,
    "authors": AuthorSitemap,
}
