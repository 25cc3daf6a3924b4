from datetime import timedelta

import pytest
from django.utils import timezone

from articles import selectors, services
from articles.models import Article
from articles.tests.factories import ArticleFactory, ImageFactory, RegionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def _at(hours_ago):
    return timezone.now() - timedelta(hours=hours_ago)


@pytest.fixture
def shanghai():
    return RegionFactory(name="Shanghai", slug="shanghai")


@pytest.fixture
def beijing():
    return RegionFactory(name="Beijing", slug="beijing")


@pytest.fixture
def food():
    return TopicFactory(name="Food & Drink", slug="food-drink")


@pytest.fixture
def travel():
    return TopicFactory(name="Travel", slug="travel")


def test_more_news_is_the_six_newest_of_the_region_newest_first(shanghai, food, travel):
    article = ArticleFactory(region=shanghai, topic=food, published_at=_at(100))
    same_region = [ArticleFactory(region=shanghai, topic=travel, published_at=_at(h)) for h in range(1, 9)]
    result = selectors.more_news(article=article)
    assert result == same_region[:6]


def test_more_news_tops_up_from_the_topic_when_the_region_has_fewer(shanghai, beijing, food, travel):
    article = ArticleFactory(region=shanghai, topic=food, published_at=_at(50))
    region_mates = [ArticleFactory(region=shanghai, topic=travel, published_at=_at(h)) for h in (30, 40)]
    topic_mates = [ArticleFactory(region=beijing, topic=food, published_at=_at(h)) for h in (1, 2, 3, 4, 5, 6)]
    ArticleFactory(region=beijing, topic=travel, published_at=_at(1))  # neither region nor topic
    result = selectors.more_news(article=article)
    assert result == region_mates + topic_mates[:4]


def test_more_news_never_shows_the_article_itself_drafts_or_scheduled(shanghai, food):
    article = ArticleFactory(region=shanghai, topic=food, published_at=_at(5))
    ArticleFactory(region=shanghai, topic=food, draft=True)
    ArticleFactory(region=shanghai, topic=food, status=Article.Status.IN_REVIEW, published_at=None)
    ArticleFactory(region=shanghai, topic=food, scheduled=True)
    live = ArticleFactory(region=shanghai, topic=food, published_at=_at(1))
    assert selectors.more_news(article=article) == [live]


def test_more_news_lists_an_article_of_the_same_region_and_topic_once(shanghai, food):
    article = ArticleFactory(region=shanghai, topic=food, published_at=_at(10))
    both = [ArticleFactory(region=shanghai, topic=food, published_at=_at(h)) for h in (1, 2, 3)]
    result = selectors.more_news(article=article)
    assert result == both
    assert len({a.pk for a in result}) == len(result)


def test_more_news_breaks_ties_on_publish_time_by_newest_id(shanghai, food):
    same_time = _at(3)
    article = ArticleFactory(region=shanghai, topic=food, published_at=_at(10))
    tied = [ArticleFactory(region=shanghai, topic=food, published_at=same_time) for _ in range(4)]
    expected = sorted(tied, key=lambda a: a.pk, reverse=True)
    assert selectors.more_news(article=article) == expected
    assert selectors.more_news(article=article) == expected  # and the same again from the cache


def test_more_news_is_empty_when_nothing_else_is_live(shanghai, food):
    article = ArticleFactory(region=shanghai, topic=food)
    assert selectors.more_news(article=article) == []
    assert selectors.more_news(article=article, limit=0) == []


def test_more_news_respects_a_smaller_limit(shanghai, food):
    article = ArticleFactory(region=shanghai, topic=food, published_at=_at(10))
    mates = [ArticleFactory(region=shanghai, topic=food, published_at=_at(h)) for h in (1, 2, 3)]
    assert selectors.more_news(article=article, limit=2) == mates[:2]


def test_more_news_shows_a_newly_published_article_at_once(shanghai, food, django_capture_on_commit_callbacks):
    editor = UserFactory(groups=["Editor"])
    article = ArticleFactory(region=shanghai, topic=food, published_at=_at(10))
    older = ArticleFactory(region=shanghai, topic=food, published_at=_at(5))
    assert selectors.more_news(article=article) == [older]  # now cached
    draft = ArticleFactory(region=shanghai, topic=food, draft=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=draft, by=editor)
    assert selectors.more_news(article=article) == [draft, older]


def test_more_news_drops_an_unpublished_article_at_once(shanghai, food, django_capture_on_commit_callbacks):
    editor = UserFactory(groups=["Editor"])
    article = ArticleFactory(region=shanghai, topic=food, published_at=_at(10))
    mate = ArticleFactory(region=shanghai, topic=food, published_at=_at(5))
    assert selectors.more_news(article=article) == [mate]
    with django_capture_on_commit_callbacks(execute=True):
        services.article_unpublish(article=mate, by=editor)
    assert selectors.more_news(article=article) == []


def test_more_news_costs_one_query_cold_and_none_warm(shanghai, food, django_assert_num_queries):
    image = ImageFactory()
    article = ArticleFactory(region=shanghai, topic=food, published_at=_at(50))
    for h in range(1, 10):
        ArticleFactory(region=shanghai, topic=food, published_at=_at(h), hero_image=image)
    with django_assert_num_queries(1):  # cards carry their images' renditions
        more = selectors.more_news(article=article)
    assert more[0].hero_image.sources("webp") == []  # no renditions made in this test, and no query to know it
    with django_assert_num_queries(0):
        selectors.more_news(article=article)


def test_in_case_you_missed_it_shows_recent_featured_articles_not_on_the_page(shanghai, food):
    recent = [ArticleFactory(region=shanghai, topic=food, featured=True, published_at=_at(h)) for h in (2, 4, 6)]
    ArticleFactory(region=shanghai, topic=food, featured=True, published_at=_at(24 * 40))  # too old
    ArticleFactory(region=shanghai, topic=food, featured=False, published_at=_at(1))  # not featured
    ArticleFactory(region=shanghai, topic=food, featured=True, scheduled=True)
    ArticleFactory(region=shanghai, topic=food, featured=True, draft=True)
    result = selectors.in_case_you_missed_it(exclude_ids=[recent[0].pk])
    assert result == recent[1:]


def test_in_case_you_missed_it_honours_the_limit_newest_first(shanghai, food):
    featured = [ArticleFactory(region=shanghai, topic=food, featured=True, published_at=_at(h)) for h in range(1, 8)]
    assert selectors.in_case_you_missed_it(limit=4) == featured[:4]


def test_read_more_keeps_the_editors_order_and_only_live_articles(shanghai, food):
    first = ArticleFactory(region=shanghai, topic=food)
    second = ArticleFactory(region=shanghai, topic=food)
    hidden = ArticleFactory(region=shanghai, topic=food, draft=True)
    article = ArticleFactory(region=shanghai, topic=food, read_more=[second, hidden, first])
    assert selectors.read_more(article=article) == [second, first]


def test_latest_by_region_groups_the_newest_per_region_in_one_query(
    shanghai, beijing, food, django_assert_num_queries
):
    image = ImageFactory()
    sh = [ArticleFactory(region=shanghai, topic=food, published_at=_at(h), hero_image=image) for h in range(1, 7)]
    bj = [ArticleFactory(region=beijing, topic=food, published_at=_at(h), hero_image=image) for h in range(10, 13)]
    ArticleFactory(region=beijing, topic=food, draft=True)
    selectors.navigation()  # the menus' regions and topics, cached site-wide, name the strips
    with django_assert_num_queries(2):  # the strips' one query (images included), the next scheduled time
        groups = selectors.latest_by_region(per=4)
    with django_assert_num_queries(0):  # then from the cache until an article changes
        assert selectors.latest_by_region(per=4) == groups
    assert [(region.slug, items) for region, items in groups] == [("shanghai", sh[:4]), ("beijing", bj)]


def test_latest_by_region_leaves_out_the_lead_story(shanghai, food):
    lead, *rest = [ArticleFactory(region=shanghai, topic=food, published_at=_at(h)) for h in range(1, 5)]
    groups = selectors.latest_by_region(per=4, exclude_ids=[lead.pk])
    assert groups[0][1] == rest


def test_lead_story_prefers_the_newest_featured_article(shanghai, food):
    ArticleFactory(region=shanghai, topic=food, published_at=_at(1))
    featured = ArticleFactory(region=shanghai, topic=food, featured=True, published_at=_at(5))
    assert selectors.lead_story() == featured


def test_lead_story_falls_back_to_the_newest_article_and_none_when_empty(shanghai, food):
    assert selectors.lead_story() is None
    newest = ArticleFactory(region=shanghai, topic=food, published_at=_at(1))
    ArticleFactory(region=shanghai, topic=food, published_at=_at(2))
    assert selectors.lead_story() == newest


def test_region_articles_include_child_regions(food):
    north = RegionFactory(name="North China", slug="north-china")
    tianjin = RegionFactory(name="Tianjin", slug="tianjin", parent=north)
    in_child = ArticleFactory(region=tianjin, topic=food, published_at=_at(1))
    in_parent = ArticleFactory(region=north, topic=food, published_at=_at(2))
    assert list(selectors.region_articles(region=north)) == [in_child, in_parent]
    assert list(selectors.region_articles(region=tianjin)) == [in_child]


def test_published_excludes_drafts_review_and_scheduled(shanghai, food):
    live = ArticleFactory(region=shanghai, topic=food)
    ArticleFactory(region=shanghai, topic=food, draft=True)
    ArticleFactory(region=shanghai, topic=food, status=Article.Status.IN_REVIEW, published_at=_at(1))
    ArticleFactory(region=shanghai, topic=food, scheduled=True)
    assert list(Article.objects.published()) == [live]


def test_a_scheduled_article_appears_when_its_time_arrives(shanghai, food):
    scheduled = ArticleFactory(region=shanghai, topic=food, published_at=timezone.now() + timedelta(hours=2))
    assert scheduled not in Article.objects.published()
    assert scheduled in Article.objects.published(now=timezone.now() + timedelta(hours=3))


def test_front_strips_show_a_new_article_as_soon_as_it_is_published(
    shanghai, food, django_capture_on_commit_callbacks
):
    editor = UserFactory(groups=["Editor"])
    ArticleFactory(region=shanghai, topic=food, published_at=_at(5))
    assert len(selectors.latest_by_region(per=4)[0][1]) == 1
    draft = ArticleFactory(region=shanghai, topic=food, draft=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=draft, by=editor)
    assert selectors.latest_by_region(per=4)[0][1][0] == draft


def test_front_strips_are_cached_no_later_than_the_next_scheduled_publish(shanghai, food, settings):
    settings.DISCOVERY_CACHE_SECONDS = 600
    ArticleFactory(region=shanghai, topic=food, published_at=_at(5))
    ArticleFactory(region=shanghai, topic=food, published_at=timezone.now() + timedelta(seconds=90))
    assert 1 <= selectors._discovery_timeout() <= 90
