import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.renditions import create_renditions
from articles.tests.factories import (
    ArticleFactory,
    AuthorFactory,
    ImageFactory,
    RegionFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def build_magazine(count: int):
    """A small magazine: two regions, two topics, shared images with renditions, ``count`` articles."""
    regions = [RegionFactory(name="Shanghai", slug="shanghai"), RegionFactory(name="Beijing", slug="beijing")]
    topics = [TopicFactory(name="News", slug="news"), TopicFactory(name="Food & Drink", slug="food-drink")]
    images = [ImageFactory(), ImageFactory()]
    for image in images:
        create_renditions(image)
    authors = [AuthorFactory(), AuthorFactory()]
    articles = []
    now = timezone.now()
    for n in range(count):
        articles.append(
            ArticleFactory(
                published_at=now - timedelta(hours=n + 1),
                region=regions[n % 2],
                topic=topics[(n // 2) % 2],
                hero_image=images[n % 2],
                authors=authors[: 1 + n % 2],
                tags=["metro", f"tag{n % 5}"],
                featured=n % 4 == 0,
                read_more=articles[-2:] if n % 3 == 0 else [],
            )
        )
    return {"regions": regions, "topics": topics, "authors": authors, "articles": articles}


def reader_urls(mag):
    article = mag["articles"][len(mag["articles"]) // 2]
    region, topic = mag["regions"][0], mag["topics"][0]
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "region": region.get_absolute_url(),
        "region page 2": region.get_absolute_url() + "?page=2",
        "topic": topic.get_absolute_url(),
        "region+topic": reverse("articles:region_topic", args=[region.slug, topic.slug]),
        "author": mag["authors"][0].get_absolute_url(),
        "tag": reverse("articles:tag", args=["metro"]),
        "rss": reverse("articles:feed_latest_rss"),
        "atom": reverse("articles:feed_latest_atom"),
        "region rss": reverse("articles:feed_region_rss", args=[region.slug]),
        "topic atom": reverse("articles:feed_topic_atom", args=[topic.slug]),
        "sitemap": "/sitemap.xml",
        "sitemap articles": "/sitemap-articles.xml",
    }


PAGES = [
    "home", "article", "region", "region page 2", "topic", "region+topic", "author", "tag",
    "rss", "atom", "region rss", "topic atom", "sitemap", "sitemap articles",
]


@pytest.mark.parametrize("size", [10, 200])
@pytest.mark.parametrize("page", PAGES)
def test_reader_pages_run_at_most_thirteen_queries_whatever_the_size(client, size, page, django_assert_max_num_queries):
    if page == "region page 2" and size == 10:
        pytest.skip("ten articles fit on one page")
    url = reader_urls(build_magazine(size))[page]
    # twelve, and the footer's site pages (About, Privacy policy …), cached until one changes
    with django_assert_max_num_queries(13):
        response = client.get(url)
    assert response.status_code == 200, url


def test_query_counts_do_not_grow_with_the_number_of_articles(client, django_db_blocker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for size in (10, 60):
        Article.objects.all().delete()
        urls = reader_urls(build_magazine(size))
        from django.core.cache import cache

        cache.clear()
        for name, url in urls.items():
            if name == "region page 2" and size == 10:
                continue
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.setdefault(name, []).append(len(ctx.captured_queries))
    for name, per_size in counts.items():
        assert len(set(per_size)) == 1, f"{name}: {per_size}"


def test_article_page_shows_everything_a_reader_expects(client):
    mag = build_magazine(12)
    article = mag["articles"][9]  # every third article has read-more links
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert article.title in html and article.standfirst in html
    for byline in article.bylines.all():
        assert byline.author.get_absolute_url() in html
    assert "0 Shares" in html and "0 User Comments" in html
    assert "READ MORE:" in html
    assert 'class="more-news' in html and 'class="icymi' in html
    assert reverse("wechat_qr") in html
    assert "newsletter-promo-title" in html
    assert '<source type="image/webp"' in html and 'width="1600" height="900"' in html
    assert 'href="/tag/metro/"' in html


def test_more_news_under_an_article_lists_its_region_first(client):
    mag = build_magazine(20)
    article = mag["articles"][10]
    response = client.get(article.get_absolute_url())
    more = response.context["more_news"]
    assert len(more) == 6
    assert all(item.region_id == article.region_id for item in more)
    assert article not in more


@pytest.mark.parametrize("status", ["draft", "review", "scheduled"])
def test_unpublished_articles_are_a_designed_404(client, status):
    region = RegionFactory(slug="shanghai")
    if status == "scheduled":
        article = ArticleFactory(region=region, scheduled=True)
    else:
        article = ArticleFactory(region=region, status=status, published_at=timezone.now() - timedelta(days=1))
    response = client.get(article.get_absolute_url())
    assert response.status_code == 404
    assert "couldn&#x27;t find that page" in response.content.decode() or "find that page" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/region/nowhere/",
        "/topic/nothing/",
        "/author/nobody/",
        "/tag/no-such-tag/",
        "/region/nowhere/news/",
        "/shanghai/2026/01/01/no-such-story/",
        "/feeds/region/nowhere/rss/",
        "/feeds/topic/nothing/atom/",
    ],
)
def test_unknown_slugs_are_404(client, url):
    RegionFactory(slug="shanghai")
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("page", ["0", "-1", "99", "abc", "1e3", "2" * 50, ""])
def test_bad_page_numbers_are_404_not_errors(client, page):
    mag = build_magazine(3)
    response = client.get(mag["regions"][0].get_absolute_url(), {"page": page})
    assert response.status_code in {200, 404}
    if page not in {""}:
        assert response.status_code == 404


def test_an_old_or_wrong_article_address_redirects_permanently_to_the_canonical_one(client):
    article = ArticleFactory(region=RegionFactory(slug="shanghai"))
    wrong = f"/beijing/2001/01/01/{article.slug}/"
    response = client.get(wrong + "?utm_source=wechat")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url() + "?utm_source=wechat"


def test_region_page_lists_newest_first_paginated_and_includes_child_regions(client, settings):
    settings.ARTICLES_PER_PAGE = 12
    north = RegionFactory(name="North China", slug="north-china")
    tianjin = RegionFactory(name="Tianjin", slug="tianjin", parent=north)
    newest = ArticleFactory(region=tianjin, published_at=timezone.now() - timedelta(minutes=1))
    ArticleFactory.create_batch(13, region=north)
    response = client.get(north.get_absolute_url())
    assert response.context["articles"][0] == newest
    assert response.context["page_obj"].paginator.num_pages == 2


def test_staff_preview_shows_a_draft_and_readers_are_sent_to_log_in(client):
    draft = ArticleFactory(draft=True, title="Unreleased story")
    url = reverse("articles:preview", args=[draft.pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"] or "login" in anonymous["Location"]
    client.force_login(UserFactory(groups=["Writer"]))
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unreleased story" in html and "Preview: this article is" in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_non_staff_users_cannot_preview(client):
    draft = ArticleFactory(draft=True)
    client.force_login(UserFactory(is_staff=False))
    assert client.get(reverse("articles:preview", args=[draft.pk])).status_code == 403


def test_article_page_has_canonical_open_graph_twitter_and_news_article_json_ld(client):
    mag = build_magazine(3)
    article = mag["articles"][0]
    html = client.get(article.get_absolute_url()).content.decode()
    canonical = f"http://testserver{article.get_absolute_url()}"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert f'<meta property="og:url" content="{canonical}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    start = html.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    data = json.loads(html[start : html.index("</script>", start)])
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert data["url"] == canonical
    assert data["author"][0]["name"] == article.bylines.first().author.name
    assert data["image"][0].startswith("http://testserver/media/")


def test_json_ld_cannot_be_broken_out_of_by_a_title(client):
    article = ArticleFactory(title="</script><script>alert(1)</script>")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html


def test_seo_overrides_replace_title_and_description(client):
    article = ArticleFactory(seo_title="Short SEO title", seo_description="Search description")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<title>Short SEO title" in html
    assert '<meta name="description" content="Search description">' in html


def test_home_page_shows_the_lead_story_region_sections_and_topic_strips(client):
    mag = build_magazine(16)
    response = client.get("/")
    assert response.status_code == 200
    front = response.context["front"]
    assert response.context["lead"] == front.lead == mag["articles"][0]
    assert [block.term.slug for block in front.regions] == ["shanghai", "beijing"]
    assert len(front.topics) == 2
    html = response.content.decode()
    assert html.count("<h1") == 1


def test_pages_carry_a_content_security_policy(client):
    ArticleFactory()
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "object-src 'none'" in policy


def test_updated_line_shows_only_for_real_later_edits(client):
    published = timezone.now() - timedelta(days=2)
    fresh = ArticleFactory(published_at=published)
    Article.objects.filter(pk=fresh.pk).update(updated_at=published + timedelta(minutes=5))
    edited = ArticleFactory(published_at=published)
    Article.objects.filter(pk=edited.pk).update(updated_at=published + timedelta(hours=5))
    assert 'class="updated"' not in client.get(fresh.get_absolute_url()).content.decode()
    assert 'class="updated"' in client.get(edited.get_absolute_url()).content.decode()
