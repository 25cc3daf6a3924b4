"""Reading time: derived from the body on save, shown on article pages and cards at no query."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article
from articles.tests.factories import ArticleFactory, RegionFactory, TopicFactory

pytestmark = pytest.mark.django_db


def words(n: int) -> str:
    return " ".join(["word"] * n)


def test_saving_an_article_stores_its_reading_time(settings):
    settings.READING_WORDS_PER_MINUTE = 100
    article = ArticleFactory(body=words(350))
    assert Article.objects.get(pk=article.pk).reading_minutes == 4

    article.body = words(90)
    article.save(update_fields=["body"])
    assert Article.objects.get(pk=article.pk).reading_minutes == 1


def test_chinese_characters_count_as_words(settings):
    settings.READING_WORDS_PER_MINUTE = 230
    article = ArticleFactory(body="很多游客去南京路步行街。" * 40)  # 440 Han characters
    assert article.reading_minutes == 2


def test_an_empty_body_has_no_reading_time_and_shows_none(client):
    article = ArticleFactory(body="")
    assert article.reading_minutes == 0
    assert "min read" not in client.get(article.get_absolute_url()).content.decode()


def test_the_migration_fills_articles_saved_before_it(settings):
    settings.READING_WORDS_PER_MINUTE = 100
    article = ArticleFactory(body=words(520))
    Article.objects.filter(pk=article.pk).update(reading_minutes=0)
    migration = importlib.import_module("articles.migrations.0013_article_reading_minutes")

    migration.fill_reading_minutes(global_apps, connection.schema_editor())

    assert Article.objects.get(pk=article.pk).reading_minutes == 6


def test_article_page_and_cards_show_the_reading_time(client, settings):
    settings.READING_WORDS_PER_MINUTE = 100
    region, topic = RegionFactory(), TopicFactory()
    long_read = ArticleFactory(body=words(390), region=region, topic=topic, title="The long read")
    ArticleFactory(body=words(120), region=region, topic=topic)

    page = client.get(long_read.get_absolute_url()).content.decode()
    assert '<span class="reading-time">4 min read</span>' in page
    # The other article's compact card under "More news".
    assert "2 min read</span>" in page

    listing = client.get(region.get_absolute_url()).content.decode()
    assert listing.count(" min read</span>") == 2
    assert "4 min read</span>" in listing


def test_cards_cost_no_extra_query_for_the_reading_time(client):
    region = RegionFactory()
    ArticleFactory(region=region)
    client.get(region.get_absolute_url())  # warm the site caches
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("articles:region", args=[region.slug]))
    for _ in range(5):
        ArticleFactory(region=region, body=words(600))
    with CaptureQueriesContext(connection) as six:
        response = client.get(reverse("articles:region", args=[region.slug]))
    assert response.content.decode().count(" min read</span>") == 6
    assert len(six.captured_queries) == len(one.captured_queries)
    assert not any("body_blocks" in query["sql"] for query in six.captured_queries)
