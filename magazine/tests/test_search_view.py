"""The search page: the header box, results with snippets, filters, paging and odd input.

The suite runs on SQLite and again on PostgreSQL, so these journeys cover both indexes.
"""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles import search
from articles.models import Article
from articles.tests.factories import ArticleFactory, ImageFactory, RegionFactory, TopicFactory, image_bytes

pytestmark = pytest.mark.django_db
URL = reverse("search")


def indexed(*articles):
    search.index_articles([a.pk for a in articles])
    return articles[0] if len(articles) == 1 else articles


def result_links(response) -> list[str]:
    return re.findall(r'<h2 class="search-title"><a href="([^"]+)"', response.content.decode())


def test_every_page_has_a_labelled_search_box_in_the_header(client):
    html = client.get(reverse("home")).content.decode()

    form = re.search(r'<form class="site-search" role="search" action="([^"]+)" method="get">(.*?)</form>', html, re.S)
    assert form and form.group(1) == URL
    assert '<label for="site-search-q"' in form.group(2)
    assert 'id="site-search-q" name="q"' in form.group(2)


def test_reader_finds_a_demo_article_by_a_word_from_its_body(client):
    ImageFactory(file=ContentFile(image_bytes(480, 300), name="demo-hero-00.jpg"))
    call_command("seed_demo", "--images", "1", "--articles", "20", stdout=StringIO())
    article = Article.objects.published().order_by("pk").first()
    words = re.findall(r"[A-Za-z]{7,}", search.body_text(article.body_html))
    # A word of this article's body that few other demo articles use.
    word = min(words, key=lambda w: (Article.objects.filter(body__icontains=w).count(), w))

    response = client.get(URL, {"q": word})

    assert response.status_code == 200
    assert article.get_absolute_url() in result_links(response)
    assert re.search(rf"<mark>{word}</mark>", response.content.decode(), re.I)


def test_empty_search_shows_the_page_with_a_hint_and_no_results(client):
    indexed(ArticleFactory(body="Anything at all."))

    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["page_obj"] is None
    assert "Type a word or two" in response.content.decode()
    assert result_links(response) == []


@pytest.mark.parametrize("query", ["😀🥟", "?!?", '"', "AND OR NOT", "-", "the of"])
def test_a_query_with_nothing_to_search_for_shows_the_hint_not_an_error(client, query):
    response = client.get(URL, {"q": query})

    assert response.status_code == 200
    assert "Nothing to search for" in response.content.decode()


@pytest.mark.parametrize("query", ['"red lantern', "(lantern)", "lantern*", "lantern -", "lantern:", "+lantern AND", "🏮 lantern"])
def test_queries_with_operators_or_emoji_still_find_the_words(client, query):
    article = indexed(ArticleFactory(body="A red lantern by the door."))

    response = client.get(URL, {"q": query})

    assert response.status_code == 200
    assert result_links(response) == [article.get_absolute_url()]


def test_a_huge_query_is_shortened_with_a_notice(client):
    response = client.get(URL, {"q": "dumplings " * 500})

    assert response.status_code == 200
    body = response.content.decode()
    assert "Your search was long" in body
    assert 'value="' + ("dumplings " * 19) in body
    assert len(response.context["query"].text) <= search.MAX_QUERY_CHARS


def test_results_show_an_escaped_snippet_with_the_matched_words_marked(client):
    indexed(ArticleFactory(standfirst="<script>alert('x')</script> Street food", body="Street food at night."))

    body = client.get(URL, {"q": "street"}).content.decode()

    assert "<mark>Street</mark>" in body
    assert "<script>alert" not in body
    assert "1 article found" in body


def test_results_are_filtered_by_region_topic_and_dates(client):
    shanghai, beijing = RegionFactory(slug="shanghai", name="Shanghai"), RegionFactory(slug="beijing", name="Beijing")
    food, travel = TopicFactory(slug="food", name="Food"), TopicFactory(slug="travel", name="Travel")
    now = timezone.now()
    a = ArticleFactory(region=shanghai, topic=food, body="Noodles.", published_at=now - timedelta(days=1))
    b = ArticleFactory(region=beijing, topic=food, body="Noodles.", published_at=now - timedelta(days=10))
    c = ArticleFactory(region=beijing, topic=travel, body="Noodles.", published_at=now - timedelta(days=20))
    indexed(a, b, c)

    def links(**params):
        return set(result_links(client.get(URL, {"q": "noodles", **params})))

    assert links(region="beijing") == {b.get_absolute_url(), c.get_absolute_url()}
    assert links(topic="food") == {a.get_absolute_url(), b.get_absolute_url()}
    since = timezone.localdate() - timedelta(days=12)
    assert links(date_from=since.isoformat()) == {a.get_absolute_url(), b.get_absolute_url()}
    assert links(region="beijing", date_to=since.isoformat()) == {c.get_absolute_url()}


def test_a_bad_date_shows_an_error_and_keeps_what_was_typed(client):
    indexed(ArticleFactory(body="Noodles."))

    response = client.get(URL, {"q": "noodles", "date_from": "31/02/2026", "region": ""})

    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a date as YYYY-MM-DD" in body
    assert 'value="31/02/2026"' in body
    assert 'value="noodles"' in body
    assert result_links(response) == []


def test_an_end_date_before_the_start_is_refused_with_a_message(client):
    response = client.get(URL, {"q": "noodles", "date_from": "2026-05-10", "date_to": "2026-05-01"})

    assert "The end date is before the start date." in response.content.decode()
    assert 'value="2026-05-10"' in response.content.decode()


def test_an_unknown_region_is_refused_with_a_message(client):
    response = client.get(URL, {"q": "noodles", "region": "atlantis"})

    assert response.status_code == 200
    assert "Choose one of the regions in the list." in response.content.decode()


def test_results_are_paginated_and_pages_keep_the_query(client, settings):
    settings.SEARCH_RESULTS_PER_PAGE = 2
    indexed(*[ArticleFactory(body="Ferry timetable.") for _ in range(5)])

    first = client.get(URL, {"q": "ferry", "topic": ""})
    third = client.get(URL, {"q": "ferry", "page": 3})

    assert len(result_links(first)) == 2
    assert "?q=ferry&amp;topic=&amp;page=2" in first.content.decode()
    assert len(result_links(third)) == 1
    assert "5 articles found; page 3 of 3" in third.content.decode()


def test_results_can_be_sorted_newest_first_and_the_choice_survives_paging_and_filters(client, settings):
    settings.SEARCH_RESULTS_PER_PAGE = 2
    now = timezone.now()
    best_but_old = ArticleFactory(title="Tram tram tram", body="The tram.", published_at=now - timedelta(days=30))
    newer = [ArticleFactory(title=f"Week {n}", body="A tram ride.", published_at=now - timedelta(days=n)) for n in (1, 2, 3)]
    indexed(best_but_old, *newer)

    best = client.get(URL, {"q": "tram"})
    assert result_links(best)[0] == best_but_old.get_absolute_url()
    body = best.content.decode()
    assert '<span class="search-sort-current" aria-current="true">Best match</span>' in body
    assert 'href="?q=tram&amp;sort=newest">Newest first</a>' in body

    first = client.get(URL, {"q": "tram", "sort": "newest"})
    second = client.get(URL, {"q": "tram", "sort": "newest", "page": 2})
    expected = [a.get_absolute_url() for a in (*newer, best_but_old)]
    assert result_links(first) + result_links(second) == expected
    body = first.content.decode()
    assert 'href="?q=tram&amp;sort=newest&amp;page=2"' in body  # the next page keeps the order
    assert '<input type="hidden" name="sort" value="newest">' in body  # so does a new search
    assert 'href="?q=tram">Best match</a>' in body


def test_pages_past_the_relevance_window_say_they_are_in_date_order(client, settings, monkeypatch):
    monkeypatch.setattr(search, "RANK_WINDOW", 2)
    settings.SEARCH_RESULTS_PER_PAGE = 2
    indexed(*[ArticleFactory(body="Ferry timetable.") for _ in range(5)])
    note = "Best matches are picked from the newest 2 results; older results follow, newest first."

    assert note not in client.get(URL, {"q": "ferry"}).content.decode()
    assert note in client.get(URL, {"q": "ferry", "page": 2}).content.decode()
    assert note not in client.get(URL, {"q": "ferry", "page": 2, "sort": "newest"}).content.decode()


@pytest.mark.parametrize("sort", ["relevance", "<script>", "x" * 500])
def test_an_unknown_sort_means_best_match(client, sort):
    indexed(ArticleFactory(body="Tram ride."), ArticleFactory(body="Tram depot."))

    response = client.get(URL, {"q": "tram", "sort": sort})

    assert response.status_code == 200
    assert '<span class="search-sort-current" aria-current="true">Best match</span>' in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main", 1)[-1].split("</main>")[0]


@pytest.mark.parametrize("page", ["4", "0", "abc", "-1", "99999999999999999999"])
def test_a_page_out_of_range_is_not_found(client, settings, page):
    settings.SEARCH_RESULTS_PER_PAGE = 2
    indexed(*[ArticleFactory(body="Ferry timetable.") for _ in range(5)])

    assert client.get(URL, {"q": "ferry", "page": page}).status_code == 404


def test_no_match_says_so_and_offers_to_drop_the_filters(client):
    region = RegionFactory(slug="shanghai", name="Shanghai")
    indexed(ArticleFactory(body="Ferry timetable."))

    body = client.get(URL, {"q": "ferry", "region": region.slug}).content.decode()

    assert "No articles match." in body
    assert 'href="/search/?q=ferry">search without the filters' in body


def test_search_page_is_not_indexed_by_search_engines(client):
    assert '<meta name="robots" content="noindex, follow">' in client.get(URL, {"q": "x"}).content.decode()


@pytest.mark.parametrize("page_size", [3, 12])
def test_a_page_of_results_costs_the_same_queries_whatever_its_size(client, settings, django_assert_max_num_queries, page_size):
    settings.SEARCH_RESULTS_PER_PAGE = page_size
    image = ImageFactory()
    indexed(*[ArticleFactory(body="Tea house.", hero_image=image) for _ in range(12)])
    client.get(URL, {"q": "tea"})  # menus and site settings are cached from here on

    # count + one page of hits with snippets + the cards of that page
    with django_assert_max_num_queries(3):
        response = client.get(URL, {"q": "tea"})

    assert len(result_links(response)) == page_size
