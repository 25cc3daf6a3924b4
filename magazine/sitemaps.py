from django.contrib.sitemaps import Sitemap

from magazine import pagecache
from magazine.models import SitePage


class SitePageSitemap(Sitemap):
    """About, Contact, Privacy policy …: the pages staff write about the magazine."""

    changefreq = "monthly"
    priority = 0.3

    def items(self):
        pagecache.depends_on(("sitepages", "all"))
        return SitePage.objects.only("slug", "updated_at").order_by("ordering", "title")

    def lastmod(self, item):
        return item.updated_at
