"""The Google News sitemap: the last two days' live articles, listed in the sitemap index."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from articles.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def entries(client) -> dict[str, ET.Element]:
    response = client.get(reverse("news_sitemap"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SITEMAP}urlset"
    return {url.findtext(f"{SITEMAP}loc"): url for url in root.findall(f"{SITEMAP}url")}


def test_news_sitemap_lists_only_live_articles_of_the_last_two_days(client):
    now = timezone.now()
    fresh = ArticleFactory(published_at=now - timedelta(hours=3))
    yesterday = ArticleFactory(published_at=now - timedelta(hours=40))
    old = ArticleFactory(published_at=now - timedelta(days=3))
    draft = ArticleFactory(draft=True)
    scheduled = ArticleFactory(scheduled=True)

    urls = entries(client)

    listed = {loc.removeprefix("http://testserver") for loc in urls}
    assert listed == {fresh.get_absolute_url(), yesterday.get_absolute_url()}
    assert old.get_absolute_url() not in listed
    assert draft.slug not in " ".join(listed) and scheduled.slug not in " ".join(listed)


@override_settings(SITE_NAME="Shanghai & Beyond")
def test_each_entry_carries_publication_name_language_date_and_title(client):
    published = timezone.now() - timedelta(hours=2)
    article = ArticleFactory(title='Night "markets" <reopen> & thrive', published_at=published)

    (entry,) = entries(client).values()

    news = entry.find(f"{NEWS}news")
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Shanghai & Beyond"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
    assert news.findtext(f"{NEWS}title") == article.title
    stamp = datetime.fromisoformat(news.findtext(f"{NEWS}publication_date"))
    assert stamp.tzinfo is not None
    assert abs((stamp - published).total_seconds()) < 1


def test_sitemap_index_lists_the_news_sitemap(client):
    ArticleFactory()

    response = client.get(reverse("sitemap"))

    root = ET.fromstring(response.content)
    locations = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    assert "http://testserver/sitemap-news.xml" in locations


def test_news_sitemap_with_no_recent_articles_is_an_empty_valid_urlset(client):
    ArticleFactory(published_at=timezone.now() - timedelta(days=10))

    assert entries(client) == {}


def test_news_sitemap_costs_the_same_queries_for_one_or_many_articles(client, django_assert_max_num_queries):
    ArticleFactory(published_at=timezone.now() - timedelta(hours=1))
    with django_assert_max_num_queries(2):
        client.get(reverse("news_sitemap"))
    for hours in range(2, 30):
        ArticleFactory(published_at=timezone.now() - timedelta(hours=hours))
    with django_assert_max_num_queries(2):
        assert len(entries(client)) == 29
