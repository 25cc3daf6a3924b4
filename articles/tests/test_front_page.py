"""The front page's selector: each story once, top to bottom, in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import selectors
from articles.models import ArticleViewDay
from articles.tests.factories import ArticleFactory, RegionFactory, TopicFactory

pytestmark = pytest.mark.django_db


def _at(hours_ago):
    return timezone.now() - timedelta(hours=hours_ago)


def _site(count: int):
    """Four regions (one inside another), three topics, ``count`` articles spread over them."""
    north = RegionFactory(name="North China", slug="north-china", ordering=30)
    regions = [
        RegionFactory(name="Shanghai", slug="shanghai", ordering=10),
        RegionFactory(name="Beijing", slug="beijing", ordering=20),
        north,
        RegionFactory(name="Tianjin", slug="tianjin", ordering=31, parent=north),
    ]
    topics = [TopicFactory(name=name, slug=name.lower(), ordering=n) for n, name in enumerate(["News", "Food", "Travel"])]
    articles = [
        ArticleFactory(
            region=regions[n % 4], topic=topics[(n // 4) % 3], published_at=_at(n + 1), featured=n % 7 == 3
        )
        for n in range(count)
    ]
    for n, article in enumerate(articles[:12]):
        ArticleViewDay.objects.create(article=article, day=timezone.localdate(), views=100 - n)
    return regions, topics, articles


def test_no_story_appears_twice_on_the_front_page():
    _site(60)
    front = selectors.front_page()
    shown = [article.pk for article in front.articles()]
    assert len(shown) == len(set(shown)), "a story is handed out twice"
    assert front.lead is not None and len(front.secondary) == selectors.FRONT_SECONDARY
    assert front.most_read, "the most read are there, minus what the page already shows"
    assert all(block.articles for block in front.regions + front.topics)


def test_the_lead_is_the_newest_featured_story_and_the_latest_follow_it():
    _, _, articles = _site(20)
    front = selectors.front_page()
    assert front.lead == articles[3]  # the newest featured one
    assert front.secondary == [a for a in articles if a != front.lead][: selectors.FRONT_SECONDARY]


def test_region_blocks_skip_what_is_shown_above_and_still_fill_up():
    regions, _, articles = _site(40)
    front = selectors.front_page()
    above = {front.lead.pk, *(a.pk for a in front.secondary)}
    shanghai = next(block for block in front.regions if block.term == regions[0])
    assert len(shanghai.articles) == selectors.FRONT_REGION_PER
    assert not above & {a.pk for a in shanghai.articles}
    expected = [a for a in articles if a.region == regions[0] and a.pk not in above][: selectors.FRONT_REGION_PER]
    assert shanghai.articles == expected


def test_child_regions_are_folded_into_their_parents_block():
    regions, _, _ = _site(40)
    front = selectors.front_page()
    assert [block.term.slug for block in front.regions] == ["shanghai", "beijing", "north-china"]
    north = front.regions[2]
    assert north.children == [regions[3]]
    assert {a.region_id for a in north.articles} <= {regions[2].pk, regions[3].pk}


def test_topic_blocks_leave_out_every_story_above_them():
    _, topics, _ = _site(60)
    front = selectors.front_page()
    above = {a.pk for a in front.articles()[: -sum(len(b.articles) for b in front.topics)]}
    for block in front.topics:
        assert not above & {a.pk for a in block.articles}
        assert all(a.topic_id == block.term.pk for a in block.articles)
    assert [block.term for block in front.topics] == topics


def test_an_empty_site_has_an_empty_front_page():
    front = selectors.front_page()
    assert front.lead is None and front.articles() == []


def test_the_front_page_costs_the_same_queries_whatever_the_size_and_none_when_cached():
    from django.core.cache import cache

    counts = []
    for size in (12, 80):
        _site(size)
        cache.clear()
        selectors.navigation()  # the menus' cached regions and topics, as on every page
        with CaptureQueriesContext(connection) as queries:
            front = selectors.front_page()
        counts.append(len(queries))
        with CaptureQueriesContext(connection) as queries:
            assert selectors.front_page() == front
        assert len(queries) == 0
    # candidates of the lead, the latest and the regions; the most-read ranking; the topics;
    # the next scheduled publish (how long the cache may keep it)
    assert counts == [4, 4]
