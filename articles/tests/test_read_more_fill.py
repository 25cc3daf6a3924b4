"""READ MORE slots with no hand-picked article are filled from related articles, never at random."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import selectors
from articles.tests.admin_helpers import ADMIN_PASSWORD, article_post_data, change_url
from articles.tests.factories import ArticleFactory, AuthorFactory, RegionFactory, TopicFactory, UserFactory
from magazine.cache import bump_versions

pytestmark = pytest.mark.django_db

THREE_SLOTS = "One.\n\n[read more]\n\nTwo.\n\n[read more]\n\nThree.\n\n[read more]\n\nFour."


def _at(hours_ago):
    return timezone.now() - timedelta(hours=hours_ago)


@pytest.fixture
def places():
    return {
        "shanghai": RegionFactory(name="Shanghai", slug="shanghai"),
        "beijing": RegionFactory(name="Beijing", slug="beijing"),
        "food": TopicFactory(name="Food & Drink", slug="food-drink"),
        "travel": TopicFactory(name="Travel", slug="travel"),
    }


def test_empty_slots_take_the_newest_of_the_same_region_and_topic(places):
    shanghai, beijing, food, travel = places["shanghai"], places["beijing"], places["food"], places["travel"]
    picked = ArticleFactory(region=beijing, topic=travel, published_at=_at(50))
    older = ArticleFactory(region=shanghai, topic=food, published_at=_at(30))
    newer = ArticleFactory(region=shanghai, topic=food, published_at=_at(20))
    ArticleFactory(region=shanghai, topic=food, published_at=_at(10), draft=True)
    ArticleFactory(region=beijing, topic=food, published_at=_at(1))  # another city: never
    ArticleFactory(region=shanghai, topic=travel, published_at=_at(1))  # another topic, no tags
    article = ArticleFactory(region=shanghai, topic=food, body=THREE_SLOTS, read_more=[picked], published_at=_at(5))

    links = selectors.read_more(article=article)

    assert links == [picked, newer, older]
    assert [getattr(a, "read_more_filled", None) for a in links] == [None, "region_topic", "region_topic"]


def test_then_articles_sharing_tags_most_shared_first_own_region_first(places):
    shanghai, beijing, food, travel = places["shanghai"], places["beijing"], places["food"], places["travel"]
    one_tag_here = ArticleFactory(region=shanghai, topic=travel, tags=["noodles"], published_at=_at(40))
    two_tags_there = ArticleFactory(region=beijing, topic=travel, tags=["noodles", "night-market"], published_at=_at(30))
    one_tag_there = ArticleFactory(region=beijing, topic=travel, tags=["noodles"], published_at=_at(2))
    ArticleFactory(region=beijing, topic=travel, tags=["opera"], published_at=_at(1))  # nothing shared: never
    article = ArticleFactory(region=shanghai, topic=food, body=THREE_SLOTS, tags=["noodles", "night-market"])

    assert selectors.read_more(article=article) == [two_tags_there, one_tag_here, one_tag_there]


def test_a_slot_nothing_fits_stays_empty_and_the_page_shows_no_other_city(client, places):
    shanghai, beijing, food = places["shanghai"], places["beijing"], places["food"]
    ArticleFactory(region=beijing, topic=food, title="Beijing duck, newest of all", published_at=_at(1))
    article = ArticleFactory(region=shanghai, topic=food, body="One.\n\n[read more]\n\nTwo.", published_at=_at(3))

    html = client.get(article.get_absolute_url()).content.decode()

    assert selectors.read_more(article=article) == []
    assert "READ MORE:" not in html.split('class="article-body"', 1)[1].split("</div>", 1)[0]


def test_article_page_shows_filled_links_in_the_slots_and_depends_on_them(client, places, settings):
    shanghai, food = places["shanghai"], places["food"]
    settings.PAGE_CACHE_ENABLED = True
    related = ArticleFactory(region=shanghai, topic=food, title="The soup dumpling trail", published_at=_at(10))
    article = ArticleFactory(region=shanghai, topic=food, body="One.\n\n[read more]\n\nTwo.", published_at=_at(3))

    first = client.get(article.get_absolute_url())
    body = first.content.decode().split('class="article-body"', 1)[1]
    assert body.index("<p>One.</p>") < body.index("The soup dumpling trail") < body.index("<p>Two.</p>")

    # The filled link's title changes: the cached page must not keep the old one.
    type(related).objects.filter(pk=related.pk).update(title="The xiaolongbao trail")
    bump_versions(("article", related.pk))
    assert "The xiaolongbao trail" in client.get(article.get_absolute_url()).content.decode()


def test_pages_with_empty_slots_depend_on_every_publish_others_only_on_their_links(places):
    shanghai, food = places["shanghai"], places["food"]
    related = ArticleFactory(region=shanghai, topic=food, published_at=_at(10))
    with_slot = ArticleFactory(region=shanghai, topic=food, body="One.\n\n[read more]\n\nTwo.")
    without_slot = ArticleFactory(region=shanghai, topic=food, read_more=[related])

    links = selectors.read_more(article=with_slot)
    assert selectors.read_more_cache_dependencies(article=with_slot, links=links) == [
        ("article", related.pk),
        ("articles", "all"),
    ]
    links = selectors.read_more(article=without_slot)
    assert selectors.read_more_cache_dependencies(article=without_slot, links=links) == [("article", related.pk)]


def test_filling_costs_at_most_two_queries_and_none_without_empty_slots(places, django_assert_num_queries):
    shanghai, food = places["shanghai"], places["food"]
    ArticleFactory(region=shanghai, topic=food, published_at=_at(10))
    full = ArticleFactory(region=shanghai, topic=food, body="One.\n\nTwo.")
    gaps = ArticleFactory(region=shanghai, topic=food, body=THREE_SLOTS, tags=["tea"])

    with django_assert_num_queries(1):
        selectors.read_more(article=full)
    with django_assert_num_queries(3):  # the hand-picked links, the region and topic, the tags
        selectors.read_more(article=gaps)


@pytest.fixture
def editor_client(client):
    editor = UserFactory(username="desk-editor", groups=["Editor"])
    client.login(username=editor.username, password=ADMIN_PASSWORD)
    return client


def _warnings(response):
    return [str(m) for m in response.context["messages"] if m.level_tag == "warning"]


def test_admin_warns_how_empty_slots_will_be_filled(editor_client, places):
    shanghai, food = places["shanghai"], places["food"]
    picked = ArticleFactory(region=shanghai, topic=food, published_at=_at(30))
    for hours in (10, 20):
        ArticleFactory(region=shanghai, topic=food, published_at=_at(hours))
    article = ArticleFactory(region=shanghai, topic=food, read_more=[picked], authors=[AuthorFactory()])

    response = editor_client.post(
        change_url(article), article_post_data(article, body=THREE_SLOTS), follow=True
    )

    assert _warnings(response) == [
        "The body has 3 [read more] slots but only 1 hand-picked article; "
        "2 will be filled from Shanghai/Food & Drink."
    ]


def test_admin_warns_when_slots_will_stay_empty(editor_client, places):
    shanghai, beijing, food = places["shanghai"], places["beijing"], places["food"]
    ArticleFactory(region=beijing, topic=food, published_at=_at(1))
    article = ArticleFactory(region=shanghai, topic=food, authors=[AuthorFactory()])

    response = editor_client.post(change_url(article), article_post_data(article, body=THREE_SLOTS), follow=True)

    (warning,) = _warnings(response)
    assert warning.startswith("The body has 3 [read more] slots but no hand-picked article; they will stay empty")


def test_admin_says_nothing_when_every_slot_has_a_hand_picked_article(editor_client, places):
    shanghai, food = places["shanghai"], places["food"]
    picked = ArticleFactory(region=shanghai, topic=food, published_at=_at(30))
    article = ArticleFactory(region=shanghai, topic=food, read_more=[picked], authors=[AuthorFactory()])

    response = editor_client.post(
        change_url(article),
        article_post_data(article, body="One.\n\n[read more]\n\nTwo."),
        follow=True,
    )

    assert response.status_code == 200
    assert _warnings(response) == []
