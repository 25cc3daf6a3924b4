"""Page views counted in the cache, folded into daily rows, and the "Most read" blocks."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import page_views, selectors, services
from articles.models import Article, ArticleViewDay
from articles.tasks import fold_page_views
from articles.tests.factories import ArticleFactory, RegionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def read(client, article, times=1, **headers):
    headers.setdefault("HTTP_USER_AGENT", BROWSER)
    for _ in range(times):
        assert client.get(article.get_absolute_url(), **headers).status_code == 200


def stored_views(article, day=None):
    row = ArticleViewDay.objects.filter(article=article, day=day or timezone.localdate()).first()
    return row.views if row else 0


def give_views(article, views, *, days_ago=0):
    ArticleViewDay.objects.create(article=article, day=timezone.localdate() - timedelta(days=days_ago), views=views)


# --- Counting -------------------------------------------------------------------------------


def test_reader_views_are_counted_in_the_cache_without_a_database_write(client, django_assert_max_num_queries):
    article = ArticleFactory()
    read(client, article)  # warm the page's caches
    with CaptureQueriesContext(connection) as queries:
        read(client, article, times=2)
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert ArticleViewDay.objects.count() == 0
    assert cache.get(page_views.counter_key(article.pk, timezone.localdate())) == 3


@pytest.mark.parametrize(
    "user_agent",
    [
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "facebookexternalhit/1.1",
        "Mozilla/5.0 (Windows NT 10.0) Slurp",
        "WeChat-Bot/1.0",
        "Mozilla/5.0 (compatible; Baiduspider/2.0)",
        "curl/8.5.0",
        "",
    ],
)
def test_bots_and_scripts_are_not_counted(client, user_agent):
    article = ArticleFactory()
    read(client, article, HTTP_USER_AGENT=user_agent)
    assert services.page_views_fold() == 0
    assert stored_views(article) == 0


def test_head_requests_prefetches_and_staff_are_not_counted(client):
    article = ArticleFactory()
    assert client.head(article.get_absolute_url(), HTTP_USER_AGENT=BROWSER).status_code == 200
    read(client, article, HTTP_SEC_PURPOSE="prefetch")
    client.force_login(UserFactory(is_staff=True))
    read(client, article)
    assert services.page_views_fold() == 0


def test_staff_previews_are_not_counted(client):
    article = ArticleFactory(draft=True)
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(f"/preview/{article.pk}/", HTTP_USER_AGENT=BROWSER).status_code == 200
    assert services.page_views_fold() == 0


def test_redirects_and_missing_articles_are_not_counted(client):
    article = ArticleFactory()
    wrong_region = article.get_absolute_url().replace(article.region.slug, "elsewhere", 1)
    assert client.get(wrong_region, HTTP_USER_AGENT=BROWSER).status_code == 301
    assert services.page_views_fold() == 0


# --- Folding --------------------------------------------------------------------------------


def test_fold_adds_counted_views_to_the_day_row_and_later_folds_add_only_new_views(client):
    first, second = ArticleFactory(), ArticleFactory()
    read(client, first, times=3)
    read(client, second)
    assert services.page_views_fold() == 4
    assert (stored_views(first), stored_views(second)) == (3, 1)

    assert services.page_views_fold() == 0  # nothing new: nothing added twice
    read(client, first, times=2)
    assert services.page_views_fold() == 2
    assert stored_views(first) == 5


def test_views_counted_while_a_fold_runs_wait_for_the_next_fold():
    article = ArticleFactory()
    for _ in range(4):
        page_views.record_view(article.pk)
    pending = page_views.pending(page_views.fold_days())
    assert pending == {(article.pk, timezone.localdate()): 4}
    page_views.record_view(article.pk)  # arrives between reading and taking
    page_views.take(pending)
    assert page_views.pending(page_views.fold_days()) == {(article.pk, timezone.localdate()): 1}


def test_fold_takes_yesterdays_late_views_into_yesterdays_row():
    article = ArticleFactory()
    yesterday = timezone.localdate() - timedelta(days=1)
    give_views(article, 10, days_ago=1)
    for _ in range(3):
        page_views.record_view(article.pk, day=yesterday)
    assert services.page_views_fold() == 3
    assert stored_views(article, yesterday) == 13


def test_fold_drops_views_of_deleted_articles_and_keeps_the_others():
    kept, deleted = ArticleFactory(), ArticleFactory()
    page_views.record_view(kept.pk)
    page_views.record_view(deleted.pk)
    Article.objects.filter(pk=deleted.pk).delete()
    assert services.page_views_fold() == 1
    assert list(ArticleViewDay.objects.values_list("article_id", "views")) == [(kept.pk, 1)]
    assert page_views.pending(page_views.fold_days()) == {}


def test_only_one_fold_runs_at_a_time():
    article = ArticleFactory()
    page_views.record_view(article.pk)
    cache.add(services.PAGE_VIEWS_FOLD_LOCK, 1)
    assert services.page_views_fold() == 0
    cache.delete(services.PAGE_VIEWS_FOLD_LOCK)
    assert services.page_views_fold() == 1


def test_fold_command_and_task_fold_the_counters(capsys, settings):
    article = ArticleFactory()
    page_views.record_view(article.pk)
    page_views.record_view(article.pk)
    call_command("fold_page_views")
    out = capsys.readouterr()
    assert "Folded 2 page views." in out.out
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        assert "Set REDIS_URL" in out.err
    page_views.record_view(article.pk)
    result = fold_page_views.enqueue()
    assert result.return_value == 1
    assert stored_views(article) == 3


# --- Most read ------------------------------------------------------------------------------


def test_most_read_ranks_live_articles_by_views_of_the_last_seven_days():
    popular, steady, old_hit, newer_tie, older_tie = (ArticleFactory() for _ in range(5))
    draft, scheduled = ArticleFactory(draft=True), ArticleFactory(scheduled=True)
    give_views(popular, 50)
    give_views(popular, 25, days_ago=6)
    give_views(steady, 30, days_ago=2)
    give_views(old_hit, 500, days_ago=7)  # outside the week
    give_views(newer_tie, 5)
    give_views(older_tie, 5)
    give_views(draft, 900)
    give_views(scheduled, 900)

    found = selectors.most_read(limit=5)
    assert found == [popular, steady, newer_tie, older_tie]
    assert [a.week_views for a in found] == [75, 30, 5, 5]
    assert newer_tie.published_at > older_tie.published_at


def test_most_read_for_a_region_includes_the_regions_inside_it():
    north = RegionFactory(name="North China", slug="north-china")
    tianjin = RegionFactory(name="Tianjin", slug="tianjin", parent=north)
    shanghai = RegionFactory(name="Shanghai", slug="shanghai")
    in_north, in_tianjin, in_shanghai = (ArticleFactory(region=r) for r in (north, tianjin, shanghai))
    give_views(in_north, 3)
    give_views(in_tianjin, 9)
    give_views(in_shanghai, 100)
    assert selectors.most_read(region=north) == [in_tianjin, in_north]
    assert selectors.most_read(region=shanghai) == [in_shanghai]
    assert selectors.most_read(limit=2) == [in_shanghai, in_tianjin]


def test_most_read_is_cached_until_the_counters_are_folded(client, django_assert_num_queries):
    first, second = ArticleFactory(), ArticleFactory()
    give_views(first, 2)
    with django_assert_num_queries(1):
        assert selectors.most_read() == [first]
    with django_assert_num_queries(0):
        assert selectors.most_read() == [first]
    read(client, second, times=3)
    services.page_views_fold()
    assert selectors.most_read() == [second, first]


def test_unpublishing_takes_an_article_out_of_most_read_at_once(django_capture_on_commit_callbacks):
    editor = UserFactory(is_superuser=True)
    first, second = ArticleFactory(), ArticleFactory()
    give_views(first, 10)
    give_views(second, 5)
    assert selectors.most_read() == [first, second]
    with django_capture_on_commit_callbacks(execute=True):
        services.article_unpublish(article=first, by=editor)
    assert selectors.most_read() == [second]


@pytest.mark.parametrize("size", [6, 40])
def test_most_read_runs_one_query_whatever_the_number_of_articles_and_views(size, django_assert_num_queries):
    region = RegionFactory()
    for n in range(size):
        article = ArticleFactory(region=region if n % 2 else RegionFactory())
        for days_ago in range(3):
            give_views(article, n + days_ago, days_ago=days_ago)
    with django_assert_num_queries(1):
        site = selectors.most_read()
    with django_assert_num_queries(1):
        regional = selectors.most_read(region=region)
    assert len(site) == 5 and len(regional) == min(5, size // 2)
    assert [a.week_views for a in site] == sorted((a.week_views for a in site), reverse=True)


def test_article_sidebar_gets_more_news_and_most_read_of_its_region_in_one_query(django_assert_num_queries):
    region, topic = RegionFactory(), TopicFactory()
    articles = [ArticleFactory(region=region, topic=topic) for _ in range(9)]
    others = [ArticleFactory(topic=topic) for _ in range(3)]
    for n, article in enumerate(articles + others):
        give_views(article, 100 - n)
    reading = articles[0]
    with django_assert_num_queries(1):
        aside = selectors.article_aside(article=reading)
    cache.clear()
    assert aside.more_news == selectors.more_news(article=reading)
    assert aside.most_read == articles[1:6]  # the region's, most read first, never the article itself
    assert [a.week_views for a in aside.most_read] == [99, 98, 97, 96, 95]


# --- The blocks on pages ----------------------------------------------------------------------


def _magazine_with_views(count):
    shanghai = RegionFactory(name="Shanghai", slug="shanghai")
    beijing = RegionFactory(name="Beijing", slug="beijing")
    articles = []
    for n in range(count):
        article = ArticleFactory(region=shanghai if n % 2 == 0 else beijing, title=f"Story {n:03d}")
        give_views(article, 1000 - n)
        give_views(article, n, days_ago=3)
        articles.append(article)
    return shanghai, articles


def test_home_shows_the_five_most_read_articles_of_the_week_not_already_shown_above(client):
    _, articles = _magazine_with_views(30)  # articles[0] is the most read
    response = client.get("/")
    front = response.context["front"]
    above = {front.lead.pk, *(a.pk for a in front.secondary), *(a.pk for b in front.regions for a in b.articles)}
    expected = [a for a in articles if a.pk not in above][:5]
    html = response.content.decode()
    block = html[html.index('id="most-read-title"') :]
    block = block[: block.index("</section>")]
    assert "Most read this week" in block
    positions = [block.index(a.title) for a in expected]
    assert positions == sorted(positions)
    assert all(a.title not in block for a in articles if a not in expected)


def test_region_page_and_article_sidebar_show_the_regions_most_read(client):
    shanghai, articles = _magazine_with_views(8)
    in_shanghai = [a for a in articles if a.region_id == shanghai.pk]
    html = client.get(shanghai.get_absolute_url()).content.decode()
    block = html[html.index('id="most-read-title"') : html.index("</section>", html.index('id="most-read-title"'))]
    assert "Most read in Shanghai this week" in block
    assert [a.title for a in in_shanghai if a.title in block] == [a.title for a in in_shanghai]
    assert all(a.title not in block for a in articles if a.region_id != shanghai.pk)

    reading = in_shanghai[0]
    html = client.get(reading.get_absolute_url()).content.decode()
    aside = html[html.index('id="most-read-aside-title"') :]
    aside = aside[: aside.index("</section>")]
    assert "Most read in Shanghai this week" in aside
    assert reading.title not in aside
    assert all(a.title in aside for a in in_shanghai[1:])


def test_pages_show_no_most_read_block_before_anything_is_read(client):
    article = ArticleFactory()
    for url in ("/", article.region.get_absolute_url(), article.get_absolute_url()):
        assert "Most read" not in client.get(url).content.decode()


# Twenty at least: the front page's most read leaves out the stories shown above it.
@pytest.mark.parametrize("size", [20, 60])
def test_pages_with_most_read_blocks_stay_within_thirteen_queries(client, size, django_assert_max_num_queries):
    shanghai, articles = _magazine_with_views(size)
    for url in ("/", shanghai.get_absolute_url(), articles[2].get_absolute_url()):
        cache.clear()
        # twelve, and the footer's site pages (About, Privacy policy …), cached until one changes
        with django_assert_max_num_queries(13):
            response = client.get(url, HTTP_USER_AGENT=BROWSER)
        assert response.status_code == 200
        assert "Most read" in response.content.decode()
