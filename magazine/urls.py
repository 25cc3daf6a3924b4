from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path

from articles.sitemaps import NewsSitemap
from articles.sitemaps import sitemaps as article_sitemaps
from magazine import edge, metrics, views
from magazine.media import serve_media
from magazine.sitemaps import SitePageSitemap

sitemaps = {**article_sitemaps, "pages": SitePageSitemap}

admin.site.site_header = f"{settings.SITE_NAME} admin"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Newsroom"

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("robots.txt", views.robots_txt, name="robots"),
    path("healthz", views.healthz, name="healthz"),
    # The Prometheus scrape; a 404 to anyone not let in by METRICS_TOKEN or METRICS_ALLOWED_IPS.
    path("metrics", metrics.metrics_endpoint, name="metrics"),
    path("edge/csrf/", edge.csrf_token, name="edge_csrf"),
    path("wechat-qr.svg", views.wechat_qr, name="wechat_qr"),
    path("magazine/", views.edition_archive, name="edition_archive"),
    re_path(r"^magazine/(?P<city>[-\w]+)/(?P<month>[0-9]{4}-[0-9]{2})/$", views.edition_detail, name="edition"),
    re_path(
        r"^magazine/(?P<city>[-\w]+)/(?P<month>[0-9]{4}-[0-9]{2})/download/$",
        views.edition_download,
        name="edition_download",
    ),
    path("search/", views.search, name="search"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": sitemaps}, name="sitemap"),
    path(
        "sitemap-news.xml",
        sitemap_views.sitemap,
        {"sitemaps": {"news": NewsSitemap}, "template_name": "sitemaps/news.xml"},
        name="news_sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": sitemaps},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("comments/", include("comments.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("", include("articles.urls")),
    # Last, so that every other address wins: /about/, /privacy/ … (SitePage.clean keeps it so).
    path("<slug:slug>/", views.site_page, name="site_page"),
]

if settings.DEBUG or getattr(settings, "SERVE_MEDIA", False):
    # Images inline, PDFs and anything else as downloads, each with a fixed type (magazine/media.py).
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve_media, name="media")]

if getattr(settings, "BENCH_FLOOR", False):
    # The framework's floor for bench/pages: a fixed string through the whole middleware stack.
    urlpatterns += [path("bench/floor/", views.bench_floor, name="bench_floor")]
