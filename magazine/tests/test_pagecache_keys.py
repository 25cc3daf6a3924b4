"""Every query parameter a cached page reads is part of its page-cache key: walked over every
URL name in ``CACHEABLE``.

For each page, a real address is built with factories. Each parameter any page of the site
reads (and some no page reads) is sent in turn, with values that make a difference where the
parameter is read; the names the view asked ``request.GET`` for are recorded
(``pagecache.parameters_read``). Then, for each page:

- every parameter it read is in its key (``QUERY_KEYS``);
- each value of a parameter it reads is a cached page of its own: served from the cache, every
  value gets exactly what it gets rendered fresh, and the values give different pages;
- a parameter it does not read changes nothing (rendered fresh, the page is the same) and
  neither adds an entry nor misses the cache.
"""

from __future__ import annotations

import datetime
import logging
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from articles.sitemaps import ArticleSitemap
from articles.tests.factories import ArticleFactory, AuthorFactory, RegionFactory, TopicFactory
from articles.views import ArticleListView
from comments.tests.factories import CommentFactory
from magazine import pagecache
from magazine import views as magazine_views
from magazine.tests.factories import CityEditionFactory, EditionFactory
from newsletter.models import Newsletter

pytestmark = pytest.mark.django_db

# Every parameter a page of the site reads, with values that differ in what they show; then
# parameters no page reads. Pages read the first ones in the key of some page.
KNOWN_PARAMETERS = {
    "page": ("1", "2"),
    "comments_page": ("1", "2"),
    "p": ("1", "2"),
    "city": ("shanghai", "beijing"),
    "year": ("2025", "2026"),
    "q": ("dumplings",),
    "region": ("beijing",),
    "topic": ("food",),
    "sort": ("newest",),
    "date_from": ("2026-01-01",),
    "date_to": ("2020-01-01",),
    "list": ("7-days-in-china",),
    "network": ("wechat",),
    "newsletter": ("1",),
    "parent": ("1",),
    "utm_source": ("wechat",),
    "fbclid": ("abc123",),
}


@pytest.fixture
def site(settings, monkeypatch):
    """Enough of a magazine that every page with pages has two of them."""
    settings.PAGE_CACHE_ENABLED = True
    settings.COMMENTS_PER_PAGE = 2
    monkeypatch.setattr(ArticleListView, "paginate_by", 2)
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    monkeypatch.setattr(magazine_views, "EDITIONS_PER_PAGE", 1)
    shanghai, beijing = RegionFactory(name="Shanghai", slug="shanghai"), RegionFactory(name="Beijing", slug="beijing")
    food = TopicFactory(name="Food", slug="food")
    author = AuthorFactory(name="Lena Hoffmann", slug="lena")
    articles = [
        ArticleFactory(region=shanghai, topic=food, authors=[author], tags=["dumplings"], title=f"Dumplings, part {n}")
        for n in range(3)
    ]
    ArticleFactory(region=beijing, topic=food, title="Roast duck")
    article = articles[0]
    for n in range(3):
        CommentFactory(article=article, body=f"Remark number {n} on the dumplings.")
    sh_city, bj_city = CityEditionFactory(name="Shanghai", slug="shanghai"), CityEditionFactory(name="Beijing", slug="beijing")
    edition = EditionFactory(city=sh_city, issue_month=datetime.date(2026, 10, 1), title="October in Shanghai")
    EditionFactory(city=sh_city, issue_month=datetime.date(2025, 10, 1), title="October last year in Shanghai")
    EditionFactory(city=bj_city, issue_month=datetime.date(2026, 9, 1), title="September in Beijing")
    EditionFactory(city=bj_city, issue_month=datetime.date(2025, 9, 1), title="September last year in Beijing")
    Newsletter.objects.get_or_create(slug="7-days-in-china", defaults={"name": "7 Days in China", "is_default": True})
    return {
        "home": "/",
        "edition_archive": reverse("edition_archive"),
        "edition": edition.get_absolute_url(),
        "site_page": reverse("site_page", args=["about"]),
        "robots": reverse("robots"),
        "sitemap": reverse("sitemap"),
        "django.contrib.sitemaps.views.sitemap": reverse(
            "django.contrib.sitemaps.views.sitemap", kwargs={"section": "articles"}
        ),
        "news_sitemap": reverse("news_sitemap"),
        "articles:article": article.get_absolute_url(),
        "articles:region": shanghai.get_absolute_url(),
        "articles:region_topic": reverse("articles:region_topic", args=["shanghai", "food"]),
        "articles:topic": food.get_absolute_url(),
        "articles:author": author.get_absolute_url(),
        "articles:tag": reverse("articles:tag", args=["dumplings"]),
        "articles:feed_latest_rss": reverse("articles:feed_latest_rss"),
        "articles:feed_latest_atom": reverse("articles:feed_latest_atom"),
        "articles:feed_region_rss": reverse("articles:feed_region_rss", args=["shanghai"]),
        "articles:feed_region_atom": reverse("articles:feed_region_atom", args=["shanghai"]),
        "articles:feed_topic_rss": reverse("articles:feed_topic_rss", args=["food"]),
        "articles:feed_topic_atom": reverse("articles:feed_topic_atom", args=["food"]),
    }


def page_cache_entries() -> set[str]:
    """The page-cache keys stored right now, read from the cache backend itself."""
    backend = getattr(cache, "_cache", None)
    if isinstance(backend, dict):  # local memory
        return {k for k in backend if ":page:" in k}
    client = cache._cache.get_client(write=False)  # Redis
    return {k.decode() for k in client.keys(cache.make_and_validate_key("page:*"))}


# Parts of a page that differ between two renderings of the same thing: each reader's CSRF
# token, and the signed time in the comment form.
_VARYING = re.compile(rb'((?:name="(?:csrfmiddlewaretoken|timestamp)" value|data-csrf-token)=")[^"]*(")')


def answer(response) -> tuple[int, bytes]:
    return response.status_code, _VARYING.sub(rb"\1\2", response.content)


def _get(client, url, name, value):
    return client.get(url, {name: value} if value is not None else {})


def test_every_cacheable_url_name_and_every_keyed_parameter_is_walked(site):
    assert set(site) == pagecache.CACHEABLE
    keyed = {name for names in pagecache.QUERY_KEYS.values() for name in names}
    assert keyed <= set(KNOWN_PARAMETERS)
    assert set(pagecache.QUERY_KEYS) <= pagecache.CACHEABLE
    assert keyed <= set(pagecache.CANONICAL_VALUES)


@pytest.mark.parametrize("url_name", sorted(pagecache.CACHEABLE))
def test_each_parameter_a_cached_page_reads_is_in_its_key_and_no_other_splits_it(site, url_name):
    url = site[url_name]
    client = Client()
    key = set(pagecache.QUERY_KEYS.get(url_name, ()))

    # Rendered fresh: what each value of each parameter gets, and which names the view read.
    cache.clear()
    plain = client.get(url)
    assert plain.status_code == 200, url
    fresh = {(None, None): answer(plain)}
    read = set(pagecache.parameters_read(plain.wsgi_request))
    for name, values in KNOWN_PARAMETERS.items():
        for value in values:
            cache.clear()
            response = _get(client, url, name, value)
            fresh[name, value] = answer(response)
            read |= pagecache.parameters_read(response.wsgi_request)

    assert pagecache.EVERY_PARAMETER not in read, f"{url_name} goes through every query parameter"
    assert read <= key, f"{url_name} reads {sorted(read - key)}, which its cache key leaves out"

    for name, values in KNOWN_PARAMETERS.items():
        if name in read:
            # Each value is a page of its own: from the cache, each gets what it gets fresh.
            assert len({fresh[name, value] for value in values}) > 1, f"{url_name}: {name} shows the same page"
            cache.clear()
            for value in values:
                assert answer(_get(client, url, name, value)) == fresh[name, value]
            for value in values:
                response = _get(client, url, name, value)
                assert answer(response) == fresh[name, value], (url_name, name, value)
                if response.status_code == 200:
                    assert response["X-Page-Cache"] == "hit", (url_name, name, value)
        else:
            # Not read: the same page, served from the one entry the address already has.
            cache.clear()
            assert client.get(url)["X-Page-Cache"] == "miss"
            entries = page_cache_entries()
            for value in values:
                assert fresh[name, value] == fresh[None, None], f"{url_name} changes with {name}={value}"
                response = _get(client, url, name, value)
                assert response["X-Page-Cache"] == "hit", (url_name, name, value)
                assert answer(response) == fresh[None, None]
            assert page_cache_entries() == entries


def test_a_page_that_reads_a_parameter_outside_its_key_is_served_but_not_stored(site, monkeypatch, caplog):
    """As the article page was before comments_page was in its key: the guard keeps one
    reader's second page of comments from becoming every reader's page."""
    monkeypatch.setitem(pagecache.QUERY_KEYS, "articles:article", ())
    url = site["articles:article"]
    client = Client()
    with caplog.at_level(logging.WARNING, logger="magazine.pagecache"):
        second = client.get(url, {"comments_page": "2"})
    assert second.status_code == 200
    assert second.get("X-Page-Cache") is None
    assert "Remark number 2" in second.content.decode()
    assert page_cache_entries() == set()
    assert any(
        "articles:article" in record.getMessage() and "'comments_page'" in record.getMessage()
        for record in caplog.records
    ), caplog.text
    first = client.get(url)
    assert "Remark number 0" in first.content.decode()
    assert "Remark number 2" not in first.content.decode()


def test_a_page_that_goes_through_every_parameter_is_not_stored(site, caplog):
    """``request.GET.items()`` and the like depend on every parameter: nothing can key that."""
    from django.http import HttpResponse

    from magazine.pagecache import PageCacheMiddleware, depends_on

    def view(request):
        depends_on(("articles", "all"))
        return HttpResponse(", ".join(f"{k}={v}" for k, v in request.GET.items()))

    request = Client().get(site["articles:region"]).wsgi_request  # a real request to a cacheable page
    cache.clear()
    request.GET = request.GET.copy()
    request.GET["echo"] = "me"
    with caplog.at_level(logging.WARNING, logger="magazine.pagecache"):
        response = PageCacheMiddleware(view)(request)
    assert response.content == b"echo=me"
    assert response.get("X-Page-Cache") is None
    assert page_cache_entries() == set()
    assert "went through every query parameter" in caplog.text


def test_a_comments_page_past_the_last_shows_the_last_and_adds_no_entry(site):
    url = site["articles:article"]
    client = Client()
    client.get(url, {"comments_page": "2"})
    entries = page_cache_entries()
    for number in ("3", "99", "999999"):
        response = client.get(url, {"comments_page": number})
        assert response.status_code == 200
        assert "Remark number 2" in response.content.decode()
        assert response.get("X-Page-Cache") is None
    assert page_cache_entries() == entries


def test_the_recording_query_dict_records_names_asked_for_and_whole_reads(rf):
    from magazine.pagecache import EVERY_PARAMETER, RecordingQueryDict

    reads: set[str] = set()
    query = RecordingQueryDict(rf.get("/", {"a": "1", "b": ["2", "3"]}).GET, reads)
    assert query.get("a") == "1"
    assert query.getlist("b") == ["2", "3"]
    assert "c" not in query
    assert query.get("d", "default") == "default"
    assert reads == {"a", "b", "c", "d"}
    copied = query.copy()
    assert reads == {"a", "b", "c", "d", EVERY_PARAMETER}
    assert copied.urlencode() == "a=1&b=2&b=3"
    with pytest.raises(AttributeError):
        query.appendlist("a", "x")  # still immutable, like request.GET
