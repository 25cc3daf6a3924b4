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


# --- Standards: every feed read by an independent parser (feedparser) and by namespace.

DC = "{http://purl.org/dc/elements/1.1/}"
MEDIA = "{http://search.yahoo.com/mrss/}"


@pytest.fixture
def bylined():
    """Two regions and topics; stories with one or two bylines, most with a hero image."""
    from articles.renditions import create_renditions
    from articles.tests.factories import AuthorFactory, ImageFactory

    shanghai, beijing = RegionFactory(slug="shanghai", name="Shanghai"), RegionFactory(slug="beijing", name="Beijing")
    food, news = TopicFactory(slug="food"), TopicFactory(slug="news")
    image = ImageFactory(alt_text="Steam rising from a basket of dumplings")
    create_renditions(image)
    li, zhang = AuthorFactory(name="Li Wei", slug="li-wei"), AuthorFactory(name="Zhang Min", slug="zhang-min")
    two = ArticleFactory(region=shanghai, topic=food, hero_image=image, authors=[li, zhang], title="Two bylines")
    one = ArticleFactory(region=beijing, topic=news, hero_image=image, authors=[zhang], title="One byline")
    none = ArticleFactory(region=beijing, topic=food, title="No byline, no picture")
    return {"image": image, "li": li, "zhang": zhang, "two": two, "one": one, "none": none}


def every_feed():
    from articles.models import Region, Topic

    names = [("feed_latest_rss", []), ("feed_latest_atom", [])]
    for region in Region.objects.all():
        names += [("feed_region_rss", [region.slug]), ("feed_region_atom", [region.slug])]
    for topic in Topic.objects.all():
        names += [("feed_topic_rss", [topic.slug]), ("feed_topic_atom", [topic.slug])]
    return [reverse(f"articles:{name}", args=args) for name, args in names]


def namespaces(content: bytes) -> dict[str, str]:
    """The namespace prefixes the document declares, anywhere."""
    import io

    return {prefix: uri for _event, (prefix, uri) in ET.iterparse(io.BytesIO(content), events=["start-ns"])}


def html_lang(client) -> str:
    import re

    return re.search(r'<html lang="([^"]+)"', client.get("/").content.decode())[1]


def test_every_feed_parses_cleanly_in_feedparser_with_authors_and_the_pages_language(client, bylined):
    import feedparser

    urls = every_feed()
    assert len(urls) == 10
    lang = html_lang(client)
    for url in urls:
        response = client.get(url)
        parsed = feedparser.parse(response.content, response_headers={"content-type": response["Content-Type"]})
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        assert parsed.version == ("atom10" if "/atom/" in url else "rss20"), url
        assert parsed.feed.language == lang, url
        assert parsed.entries, url
        if "/atom/" in url:
            # RFC 4287 §4.1.1: an entry without an author of its own has the feed's.
            assert parsed.feed.author_detail == {"name": "City Magazine", "href": "http://testserver/"}
        bylined_entries = {entry.title: [a.name for a in entry.get("authors", [])] for entry in parsed.entries}
        assert bylined_entries.get("Two bylines", ["Li Wei", "Zhang Min"]) == ["Li Wei", "Zhang Min"], url


def test_atom_entries_carry_each_byline_as_an_author_with_the_author_page(client, bylined):
    root = ET.fromstring(client.get(reverse("articles:feed_latest_atom")).content)
    feed_author = root.find(f"{ATOM}author")
    assert feed_author.findtext(f"{ATOM}name") == "City Magazine"
    assert feed_author.findtext(f"{ATOM}uri") == "http://testserver/"
    authors = {
        entry.findtext(f"{ATOM}title"): [
            (a.findtext(f"{ATOM}name"), a.findtext(f"{ATOM}uri")) for a in entry.findall(f"{ATOM}author")
        ]
        for entry in root.iter(f"{ATOM}entry")
    }
    assert authors == {
        "Two bylines": [("Li Wei", "http://testserver/author/li-wei/"), ("Zhang Min", "http://testserver/author/zhang-min/")],
        "One byline": [("Zhang Min", "http://testserver/author/zhang-min/")],
        "No byline, no picture": [],
    }


def test_rss_items_carry_dc_creator_per_byline_and_a_typed_self_link(client, bylined):
    response = client.get(reverse("articles:feed_latest_rss"))
    declared = namespaces(response.content)
    assert declared["dc"] == DC.strip("{}") and declared["media"] == MEDIA.strip("{}")
    root = ET.fromstring(response.content)
    creators = {item.findtext("title"): [c.text for c in item.findall(f"{DC}creator")] for item in root.iter("item")}
    assert creators == {"Two bylines": ["Li Wei", "Zhang Min"], "One byline": ["Zhang Min"], "No byline, no picture": []}
    (self_link,) = root.find("channel").findall(f"{ATOM}link")
    assert self_link.attrib == {
        "href": "http://testserver/feeds/latest/rss/",
        "rel": "self",
        "type": "application/rss+xml",
    }


def test_feed_items_carry_the_hero_image_as_an_absolute_jpeg_rendition(client, bylined):
    from django.core.files.storage import default_storage
    from PIL import Image as PILImage

    for url in [reverse("articles:feed_latest_rss"), reverse("articles:feed_latest_atom")]:
        root = ET.fromstring(client.get(url).content)
        items = list(root.iter("item")) or list(root.iter(f"{ATOM}entry"))
        media = {
            (item.findtext("title") or item.findtext(f"{ATOM}title")): item.findall(f"{MEDIA}content") for item in items
        }
        assert media["No byline, no picture"] == []
        (content,) = media["Two bylines"]
        assert content.get("medium") == "image" and content.get("type") == "image/jpeg"
        assert content.get("url").startswith("http://testserver/media/renditions/")
        assert content.findtext(f"{MEDIA}description") == "Steam rising from a basket of dumplings"
        name = content.get("url").removeprefix("http://testserver/media/")
        with default_storage.open(name) as file, PILImage.open(file) as picture:
            assert picture.format == "JPEG"
            assert (str(picture.width), str(picture.height)) == (content.get("width"), content.get("height"))


def test_feed_language_is_the_pages_language(client, bylined, settings):
    lang = html_lang(client)
    assert lang == settings.LANGUAGE_CODE
    rss = ET.fromstring(client.get(reverse("articles:feed_latest_rss")).content)
    assert rss.find("channel").findtext("language") == lang
    atom = ET.fromstring(client.get(reverse("articles:feed_topic_atom", args=["food"])).content)
    assert atom.get("{http://www.w3.org/XML/1998/namespace}lang") == lang


def test_a_feed_costs_the_same_queries_however_many_items_and_bylines(client, bylined, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("articles:feed_latest_atom"))
    for _ in range(6):
        ArticleFactory(authors=[bylined["li"], bylined["zhang"]], hero_image=bylined["image"])
    from django.core.cache import cache

    cache.clear()
    with django_assert_num_queries(len(few)):
        response = client.get(reverse("articles:feed_latest_atom"))
    assert response.content.count(b"<entry>") == 9
