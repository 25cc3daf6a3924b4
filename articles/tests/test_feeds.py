import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from articles.tests.factories import ArticleFactory, RegionFactory, TopicFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def content():
    shanghai, beijing = RegionFactory(slug="shanghai"), RegionFactory(slug="beijing")
    food, news = TopicFactory(slug="food"), TopicFactory(slug="news")
    return {
        "sh_food": ArticleFactory(region=shanghai, topic=food, title="Dumplings & <more>"),
        "bj_news": ArticleFactory(region=beijing, topic=news),
        "draft": ArticleFactory(region=shanghai, topic=food, draft=True),
        "scheduled": ArticleFactory(region=shanghai, topic=food, scheduled=True),
    }


def rss_titles(response):
    root = ET.fromstring(response.content)
    return [item.findtext("title") for item in root.iter("item")]


def atom_titles(response):
    root = ET.fromstring(response.content)
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]


def test_latest_rss_lists_live_articles_newest_first(client, content):
    response = client.get(reverse("articles:feed_latest_rss"))
    assert response["Content-Type"].startswith("application/rss+xml")
    assert rss_titles(response) == [content["sh_food"].title, content["bj_news"].title]


def test_latest_atom_is_valid_atom_with_absolute_links(client, content):
    response = client.get(reverse("articles:feed_latest_atom"))
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    links = [link.get("href") for link in root.iter(f"{ATOM}link")]
    assert f"http://testserver{content['sh_food'].get_absolute_url()}" in links
    assert atom_titles(response) == [content["sh_food"].title, content["bj_news"].title]


def test_region_feed_lists_only_that_region(client, content):
    response = client.get(reverse("articles:feed_region_rss", args=["beijing"]))
    assert rss_titles(response) == [content["bj_news"].title]
    assert atom_titles(client.get(reverse("articles:feed_region_atom", args=["shanghai"]))) == [content["sh_food"].title]


def test_topic_feed_lists_only_that_topic(client, content):
    assert rss_titles(client.get(reverse("articles:feed_topic_rss", args=["food"]))) == [content["sh_food"].title]
    assert atom_titles(client.get(reverse("articles:feed_topic_atom", args=["news"]))) == [content["bj_news"].title]


def test_sitemap_lists_published_articles_and_taxonomy_pages(client, content):
    index = client.get("/sitemap.xml")
    assert index.status_code == 200 and b"sitemap-articles.xml" in index.content
    articles = client.get("/sitemap-articles.xml").content.decode()
    assert content["sh_food"].get_absolute_url() in articles
    assert content["draft"].slug not in articles and content["scheduled"].slug not in articles
    regions = client.get("/sitemap-regions.xml").content.decode()
    assert "/region/shanghai/" in regions and "/region/beijing/" in regions


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_admin(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Disallow: /admin/" in body and "Sitemap: http://testserver/sitemap.xml" in body


def test_wechat_qr_code_is_an_svg_of_the_configured_account(client, settings):
    from magazine.models import SiteSettings

    SiteSettings.objects.create(wechat_account_id="thatsmag", wechat_follow_url="https://example.com/follow")
    response = client.get(reverse("wechat_qr"))
    assert response["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(response.content)
    assert root.tag.endswith("svg")
    assert SiteSettings.load().wechat_qr_target == "https://example.com/follow"


def test_health_check_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "tasks": "ok"}


def test_feeds_carry_each_articles_approved_comment_count(client, content):
    from articles.models import Article

    Article.objects.filter(pk=content["sh_food"].pk).update(comment_count=7)
    rss = ET.fromstring(client.get(reverse("articles:feed_latest_rss")).content)
    counts = [item.findtext("{http://purl.org/rss/1.0/modules/slash/}comments") for item in rss.iter("item")]
    assert counts == ["7", "0"]
    atom = ET.fromstring(client.get(reverse("articles:feed_region_atom", args=["shanghai"])).content)
    totals = [entry.findtext("{http://purl.org/syndication/thread/1.0}total") for entry in atom.iter(f"{ATOM}entry")]
    assert totals == ["7"]
