"""The anonymous page cache: served from the cache, and re-rendered exactly when it must be."""

import datetime
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.tests.factories import ArticleFactory, RegionFactory, TopicFactory, UserFactory
from magazine.tests.factories import CityEditionFactory, EditionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    editor = UserFactory(groups=["Editor"])

    def run(article, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.article_publish(article=article, by=editor, **kwargs)

    return run


def outcome(response):
    return response.get("X-Page-Cache")


def test_a_readers_second_visit_is_served_from_the_cache(client):
    ArticleFactory(title="First story")
    assert outcome(client.get("/")) == "miss"
    second = client.get("/")
    assert outcome(second) == "hit"
    assert "First story" in second.content.decode()


def test_the_cached_home_page_costs_no_query(client, django_assert_num_queries):
    ArticleFactory()
    client.get("/")
    with django_assert_num_queries(0):
        assert outcome(client.get("/")) == "hit"


def test_publishing_re_renders_the_home_page_at_once(client, publish):
    region = RegionFactory()
    ArticleFactory(region=region, title="Old news")
    client.get("/")
    draft = ArticleFactory(region=region, draft=True, title="Breaking news")
    publish(draft)
    response = client.get("/")
    assert outcome(response) == "miss"
    assert "Breaking news" in response.content.decode()


def test_a_scheduled_article_appears_when_its_time_arrives(client, publish, monkeypatch):
    ArticleFactory(title="Already out")
    scheduled = ArticleFactory(draft=True, title="Tomorrow's story")
    publish(scheduled, at=timezone.now() + timedelta(minutes=30))
    assert "Tomorrow&#x27;s story" not in client.get("/").content.decode()
    assert outcome(client.get("/")) == "hit"
    later = timezone.now() + timedelta(minutes=31)
    monkeypatch.setattr("magazine.pagecache.time.time", lambda: later.timestamp())
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    response = client.get("/")
    assert outcome(response) == "miss"
    assert "Tomorrow&#x27;s story" in response.content.decode()


def test_unknown_query_parameters_share_the_cached_page_and_add_no_entry(client, rf):
    from magazine.pagecache import cache_key

    ArticleFactory()
    client.get("/")
    for n in range(5):
        assert outcome(client.get("/", {"x": f"random{n}", "utm_source": "wechat"})) == "hit"
    plain = cache_key(rf.get("/"))
    assert {cache_key(rf.get("/", {"x": f"random{n}", "fbclid": "y" * 500})) for n in range(20)} == {plain}


def test_logged_in_staff_bypass_the_cache_and_see_the_staff_bar(client):
    ArticleFactory()
    Client().get("/")  # a reader warms the cache
    client.force_login(UserFactory(is_staff=True))
    response = client.get("/")
    assert outcome(response) is None
    assert "staff-bar" in response.content.decode()


def test_a_reader_who_has_a_session_gets_fresh_pages(client):
    ArticleFactory()
    client.get("/")
    client.cookies["sessionid"] = "anything"
    assert outcome(client.get("/")) is None


def test_conditional_get_with_the_etag_answers_304(client):
    ArticleFactory()
    first = client.get("/")
    etag = first["ETag"]
    assert first["Last-Modified"]
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/", HTTP_IF_NONE_MATCH='"bogus"').status_code == 200
    assert client.get("/", HTTP_IF_NONE_MATCH="garbage, *, ,").status_code in (200, 304)


def test_forms_on_cached_pages_carry_a_working_csrf_token_for_each_reader(settings):
    ArticleFactory()
    first_reader = Client(enforce_csrf_checks=True)
    first_reader.get("/")
    second_reader = Client(enforce_csrf_checks=True)
    response = second_reader.get("/")
    assert outcome(response) == "hit"
    html = response.content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert tokens, "the home page has a form"
    assert "csrf-token-for-this-reader" not in html
    assert settings.CSRF_COOKIE_NAME in response.cookies


def test_a_new_print_edition_re_renders_pages_showing_the_latest_issue(client, django_capture_on_commit_callbacks):
    from magazine import services as magazine_services

    city = CityEditionFactory(slug="shanghai")
    EditionFactory(city=city, issue_month=datetime.date(2026, 10, 1), title="October issue")
    client.get(reverse("edition_archive"))
    edition = EditionFactory.build(city=city, issue_month=datetime.date(2026, 11, 1), title="November issue")
    with django_capture_on_commit_callbacks(execute=True):
        magazine_services.edition_save(edition=edition)
    response = client.get(reverse("edition_archive"))
    assert outcome(response) == "miss"
    assert "November issue" in response.content.decode()


def test_renaming_a_region_re_renders_pages_with_the_menu(client, django_capture_on_commit_callbacks):
    region = RegionFactory(name="Shanghai", slug="shanghai")
    ArticleFactory(region=region, topic=TopicFactory())
    client.get("/")
    region.name = "Shanghai & around"
    region.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.taxonomy_changed(term=region)
    assert "Shanghai &amp; around" in client.get("/").content.decode()


def test_post_requests_and_error_pages_are_never_cached(client):
    assert client.get("/region/nowhere/").status_code == 404
    assert outcome(client.get("/region/nowhere/")) is None


@pytest.fixture
def newsroom(django_capture_on_commit_callbacks):
    """Two regions and two topics with live articles, every page of interest cached once."""
    shanghai, beijing = RegionFactory(slug="shanghai"), RegionFactory(slug="beijing")
    food, news = TopicFactory(slug="food"), TopicFactory(slug="news")
    from articles.tests.factories import AuthorFactory

    author = AuthorFactory(slug="lena")
    sh_food = ArticleFactory(region=shanghai, topic=food, authors=[author], title="Dumplings")
    sh_food_2 = ArticleFactory(region=shanghai, topic=food, title="Noodles")
    bj_news = ArticleFactory(region=beijing, topic=news, title="Metro")
    return {
        "shanghai": shanghai, "beijing": beijing, "food": food, "news": news, "author": author,
        "sh_food": sh_food, "sh_food_2": sh_food_2, "bj_news": bj_news,
    }


def _urls(n):
    return {
        "sh_article": n["sh_food"].get_absolute_url(),
        "bj_article": n["bj_news"].get_absolute_url(),
        "sh_region": n["shanghai"].get_absolute_url(),
        "bj_region": n["beijing"].get_absolute_url(),
        "food_topic": n["food"].get_absolute_url(),
        "news_topic": n["news"].get_absolute_url(),
        "author": n["author"].get_absolute_url(),
        "home": "/",
        "rss": reverse("articles:feed_latest_rss"),
        "bj_feed": reverse("articles:feed_region_rss", args=["beijing"]),
    }


def _warm(client, urls):
    for url in urls.values():
        assert client.get(url).status_code == 200
    assert all(outcome(client.get(url)) == "hit" for url in urls.values())


def _rerendered(client, urls):
    return {name for name, url in urls.items() if outcome(client.get(url)) == "miss"}


def test_publishing_in_shanghai_re_renders_exactly_the_pages_that_show_it(client, newsroom, publish):
    urls = _urls(newsroom)
    _warm(client, urls)
    publish(ArticleFactory(region=newsroom["shanghai"], topic=newsroom["food"], draft=True))
    assert _rerendered(client, urls) == {"sh_article", "sh_region", "food_topic", "home", "rss"}


def test_unpublishing_re_renders_the_pages_that_listed_it(client, newsroom, django_capture_on_commit_callbacks):
    urls = _urls(newsroom)
    _warm(client, urls)
    editor = UserFactory(groups=["Editor"])
    with django_capture_on_commit_callbacks(execute=True):
        services.article_unpublish(article=newsroom["bj_news"], by=editor)
    changed = _rerendered(client, urls)
    assert {"bj_region", "news_topic", "home", "rss", "bj_feed"} <= changed
    assert not changed & {"sh_article", "sh_region", "food_topic", "author"}
    assert client.get(urls["bj_article"]).status_code == 404


def test_editing_an_article_re_renders_its_page_and_its_lists(client, newsroom, django_capture_on_commit_callbacks):
    urls = _urls(newsroom)
    _warm(client, urls)
    editor = UserFactory(groups=["Editor"])
    article = newsroom["sh_food"]
    article.title = "Dumplings, revisited"
    with django_capture_on_commit_callbacks(execute=True):
        services.article_save(article=article, by=editor)
    changed = _rerendered(client, urls)
    assert {"sh_article", "sh_region", "food_topic", "author", "home"} <= changed
    assert not changed & {"bj_article", "bj_region", "news_topic", "bj_feed"}
    assert "Dumplings, revisited" in client.get(urls["sh_region"]).content.decode()


def test_renaming_an_author_re_renders_their_page_and_their_bylines(client, newsroom, django_capture_on_commit_callbacks):
    urls = _urls(newsroom)
    _warm(client, urls)
    author = newsroom["author"]
    author.name = "Lena H. Hoffmann"
    with django_capture_on_commit_callbacks(execute=True):
        services.author_save(author=author)
    changed = _rerendered(client, urls)
    assert {"author", "sh_article"} <= changed
    assert not changed & {"bj_article", "bj_region"}
    assert "Lena H. Hoffmann" in client.get(urls["sh_article"]).content.decode()


def test_approving_a_comment_re_renders_the_article_with_its_new_count(client, newsroom, django_capture_on_commit_callbacks):
    from comments import services as comment_services
    from comments.models import Comment

    urls = _urls(newsroom)
    _warm(client, urls)
    article = newsroom["sh_food"]
    comment = Comment.objects.create(
        article=article, name="Reader", email="reader@example.com", body="Lovely piece.", state="pending"
    )
    moderator = UserFactory(is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        comment_services.comment_approve(comment=comment, by=moderator)
    changed = _rerendered(client, urls)
    assert {"sh_article", "sh_region", "food_topic"} <= changed  # cards show the count too
    assert not changed & {"bj_article", "bj_region", "news_topic"}
    assert "1 User Comment" in client.get(urls["sh_article"]).content.decode()


def test_a_readers_second_page_of_comments_is_not_every_readers_page(settings):
    """Regression: ?comments_page= was not part of the key, so one anonymous reader's page 2
    of the discussion was stored for the article, and page 1 could not be reached again."""
    from comments.tests.factories import CommentFactory

    settings.COMMENTS_PER_PAGE = 2
    article = ArticleFactory()
    for n in range(3):
        CommentFactory(article=article, body=f"Remark number {n}.")
    url = article.get_absolute_url()
    assert "Remark number 2." in Client().get(url, {"comments_page": "2"}).content.decode()
    first = Client().get(url)
    assert "Remark number 0." in first.content.decode()
    assert "Remark number 2." not in first.content.decode()
    again = Client().get(url, {"comments_page": "2"})
    assert outcome(again) == "hit"
    assert "Remark number 2." in again.content.decode()
    assert "Remark number 0." not in again.content.decode()


def test_each_page_of_a_long_sitemap_is_cached_apart(monkeypatch):
    """Regression: Django's sitemap view reads ?p=, which was not part of the key, so the
    first page asked for was every page of the section."""
    from articles.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    newest, *_, oldest = ArticleFactory.create_batch(3)
    url = reverse("django.contrib.sitemaps.views.sitemap", kwargs={"section": "articles"})
    assert oldest.slug in Client().get(url, {"p": "2"}).content.decode()
    first = Client().get(url)
    assert newest.slug in first.content.decode()
    assert oldest.slug not in first.content.decode()
    assert outcome(Client().get(url, {"p": "2"})) == "hit"
