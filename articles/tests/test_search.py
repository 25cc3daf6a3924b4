"""Site search: the index on each database, what it finds, and how it stays current.

These tests run on whichever database the suite runs on (SQLite by default, PostgreSQL in the
second CI pass), so every behaviour here is checked against both backends.
"""

from datetime import date, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles import search, services
from articles.models import Article, SearchDocument
from articles.querysets import live_by
from articles.search import MAX_QUERY_CHARS, MAX_TERMS, parse_query
from articles.tests.factories import (
    ArticleFactory,
    AuthorFactory,
    ImageFactory,
    RegionFactory,
    TopicFactory,
    UserFactory,
    image_bytes,
)

pytestmark = pytest.mark.django_db


def indexed(*articles):
    search.index_articles([a.pk for a in articles])
    return articles[0] if len(articles) == 1 else articles


def found(query, **filters) -> list[int]:
    """The ids of every hit, in order; the count must agree with the hits shown."""
    results = search.search(query, **filters)
    ids = [hit.article.pk for hit in results[: results.count() + 5]]
    assert len(ids) == results.count()
    return ids


@pytest.fixture
def editor():
    return UserFactory(username="editor", groups=["Editor"])


# --- the index on each database ---------------------------------------------------------------


def test_the_database_has_its_full_text_index():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'articles_searchdocument' "
                "AND indexname = 'searchdoc_vector_gin'"
            )
            (definition,) = cursor.fetchone()
            assert "USING gin (vector)" in definition
        else:
            assert connection.vendor == "sqlite"
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_search_fts'")
            (definition,) = cursor.fetchone()
            assert "USING fts5" in definition
            assert "content='articles_searchdocument'" in definition
            # The triggers that copy every write of a document into the FTS5 index.
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'articles_searchdocument'"
            )
            assert {name for (name,) in cursor.fetchall()} == {
                "articles_search_fts_insert",
                "articles_search_fts_update",
                "articles_search_fts_delete",
            }
    assert search.index_exists()


# --- what a search finds ----------------------------------------------------------------------


def test_finds_a_live_article_by_a_word_of_its_body_title_standfirst_tag_or_author():
    author = AuthorFactory(name="Wenjing Loftus")
    article = indexed(
        ArticleFactory(
            title="Lantern festival on the Bund",
            standfirst="Crowds gather by the river",
            body="The **xiaolongbao** stalls stayed open late.",
            tags=["night markets"],
            authors=[author],
        )
    )
    indexed(ArticleFactory(title="Something else entirely", body="Nothing in common."))

    for query in ("xiaolongbao", "lantern", "crowds", "markets", "Loftus"):
        assert found(query) == [article.pk], query


def test_words_are_matched_by_their_stem():
    article = indexed(ArticleFactory(body="The chefs were cooking dumplings all night."))

    assert found("cooked dumpling") == [article.pk]


def test_a_title_match_ranks_above_a_body_match_and_ties_go_newest_first():
    now = timezone.now()
    body_only = ArticleFactory(title="Weekend plans", body="We finally tried the hotpot.", published_at=now - timedelta(hours=1))
    in_title = ArticleFactory(title="The best hotpot in town", body="Spicy broth.", published_at=now - timedelta(days=3))
    older_twin = ArticleFactory(title="Weekend plans", body="We finally tried the hotpot.", published_at=now - timedelta(hours=5))
    indexed(body_only, in_title, older_twin)

    assert found("hotpot") == [in_title.pk, body_only.pk, older_twin.pk]


def test_drafts_and_scheduled_articles_are_not_found_until_their_time_comes():
    draft = ArticleFactory(draft=True, body="Secret rooftop bar.")
    scheduled = ArticleFactory(scheduled=True, body="Secret rooftop garden.")
    live = ArticleFactory(body="Secret rooftop cinema.")
    indexed(draft, scheduled, live)

    assert found("rooftop") == [live.pk]

    # Its time comes: no re-indexing, the publish rule is applied when the search runs.
    with mock.patch("django.utils.timezone.now", return_value=scheduled.published_at + timedelta(minutes=1)):
        assert set(found("rooftop")) == {live.pk, scheduled.pk}


def test_filters_by_region_including_the_regions_inside_it_and_by_topic():
    north = RegionFactory(slug="north-china", name="North China")
    tianjin = RegionFactory(slug="tianjin", name="Tianjin", parent=north)
    elsewhere = RegionFactory(slug="shanghai", name="Shanghai")
    food, travel = TopicFactory(slug="food"), TopicFactory(slug="travel")
    in_tianjin = ArticleFactory(region=tianjin, topic=food, body="Jianbing for breakfast.")
    in_north = ArticleFactory(region=north, topic=travel, body="Jianbing on the train.")
    in_shanghai = ArticleFactory(region=elsewhere, topic=food, body="Jianbing arrives south.")
    indexed(in_tianjin, in_north, in_shanghai)

    assert set(found("jianbing", region=north)) == {in_tianjin.pk, in_north.pk}
    assert found("jianbing", region=tianjin) == [in_tianjin.pk]
    assert set(found("jianbing", topic=food)) == {in_tianjin.pk, in_shanghai.pk}
    assert found("jianbing", region=north, topic=travel) == [in_north.pk]


def test_filters_by_publication_date_inclusive_of_both_days():
    def on(day):
        return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 12))

    first, second, third = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)
    a = ArticleFactory(body="Peony season.", published_at=on(first))
    b = ArticleFactory(body="Peony season.", published_at=on(second))
    c = ArticleFactory(body="Peony season.", published_at=on(third))
    indexed(a, b, c)

    assert found("peony", date_from=second) == [c.pk, b.pk]
    assert found("peony", date_to=second) == [b.pk, a.pk]
    assert found("peony", date_from=second, date_to=second) == [b.pk]


def test_phrases_exclusions_and_or_work_alike_on_every_database():
    red = ArticleFactory(body="A red lantern hung by the door.")
    lantern_red = ArticleFactory(body="The lantern was red and round.")
    blue = ArticleFactory(body="A blue lantern glowed.")
    indexed(red, lantern_red, blue)

    assert found('"red lantern"') == [red.pk]
    assert set(found("lantern -blue")) == {red.pk, lantern_red.pk}
    assert set(found("blue or round")) == {blue.pk, lantern_red.pk}


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        '"unbalanced quote',
        "AND OR NOT",
        "NEAR(dumplings noodles)",
        "title:dumplings",
        "dumpl*",
        "^dumplings",
        "dumplings)",
        "(dumplings",
        "-dumplings",
        "--",
        "'; DROP TABLE articles_article; --",
        "dumplings & | ! <-> :*",
        "😀🥟",
        "🥟 dumplings",
        "\x00dumplings",
        "\ue000dumplings\ue001",
        "the of and",
        "ÉCLAIR café",
        "上海 小笼包",
        "dumplings " * 2000,
    ],
)
def test_odd_queries_answer_without_error(query):
    indexed(ArticleFactory(body="Dumplings and noodles at the corner café."))

    results = search.search(query)
    hits = results[:10]

    assert results.count() == len(hits)
    assert all(hit.article.body for hit in hits)


def test_emoji_punctuation_and_stop_words_alone_are_an_empty_query():
    for query in ("😀🥟", "?!.,;", "the of and", "-dumplings", "", "   "):
        parsed = parse_query(query)
        assert not parsed, query
        assert search.search(parsed).count() == 0


def test_an_emoji_beside_a_word_still_finds_the_word():
    article = indexed(ArticleFactory(body="Dumplings at dawn."))

    assert found("🥟 dumplings") == [article.pk]


def test_a_very_long_query_is_cut_and_says_so():
    parsed = parse_query("dumplings " * 500)

    assert parsed.truncated
    assert len(parsed.text) <= MAX_QUERY_CHARS
    assert sum(len(group.include) + len(group.exclude) for group in parsed.groups) <= MAX_TERMS
    assert not parse_query("dumplings").truncated


def test_reader_input_is_written_as_plain_quoted_words_for_each_database():
    parsed = parse_query('NEAR(a b) "red lantern" title:x* -blue or "say ""hi"""')

    assert parsed.fts5() == '("near a" AND "b" AND "red lantern" AND "title x" NOT "blue") OR ("say" AND "hi")'
    assert parsed.websearch() == '"near a" b "red lantern" "title x" -blue or say hi'


# --- snippets ---------------------------------------------------------------------------------


def test_snippet_marks_the_matched_words_and_escapes_the_text():
    article = indexed(
        ArticleFactory(
            standfirst='<img src=x onerror="alert(1)"> & friends ate dumplings',
            body="Later the dumplings ran out.",
        )
    )

    (hit,) = search.search("dumplings")[:1]

    assert hit.article.pk == article.pk
    assert "<mark>dumplings</mark>" in hit.snippet.lower()
    assert "<img" not in hit.snippet
    assert "&lt;img" in hit.snippet or "img" not in hit.snippet
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_a_page_of_hits_costs_two_queries_and_the_count_one_whatever_the_page_size(
    django_assert_num_queries,
):
    articles = [ArticleFactory(body=f"Noodle shop number {n}.", hero_image=ImageFactory() if n < 2 else None) for n in range(15)]
    indexed(*articles)

    for size in (1, 5, 15):
        results = search.search("noodle")
        with django_assert_num_queries(1):
            assert results.count() == 15
        with django_assert_num_queries(2):
            hits = results[0:size]
        assert len(hits) == size
        with django_assert_num_queries(0):
            for hit in hits:
                str(hit.article.region.name)
                str(hit.article.topic.name)
                getattr(hit.article.hero_image, "rendition_summary", None)


def test_slices_page_through_every_hit_once():
    articles = [ArticleFactory(body="Bike lanes everywhere.") for _ in range(7)]
    indexed(*articles)
    results = search.search("bike")

    pages = [results[0:3], results[3:6], results[6:9]]

    ids = [hit.article.pk for page in pages for hit in page]
    assert sorted(ids) == sorted(a.pk for a in articles)
    assert len(ids) == len(set(ids))


def test_relevance_orders_the_newest_matches_and_older_ones_follow_newest_first(monkeypatch):
    monkeypatch.setattr(search, "RANK_WINDOW", 3)
    now = timezone.now()

    def article(days_ago, title):
        return ArticleFactory(title=title, body="A walk by the canal.", published_at=now - timedelta(days=days_ago))

    newest_plain = article(1, "Sunday walk")
    newest_titled = article(2, "The canal at dawn")  # a title match: best of the newest three
    third_plain = article(3, "Evening walk")
    older_titled = article(4, "Canal boats return")  # outside the window: by date only
    older_plain = article(5, "Morning walk")
    oldest_titled = article(6, "A canal guide")
    indexed(newest_plain, newest_titled, third_plain, older_titled, older_plain, oldest_titled)

    expected = [newest_titled.pk, newest_plain.pk, third_plain.pk, older_titled.pk, older_plain.pk, oldest_titled.pk]
    assert found("canal") == expected
    results = search.search("canal")
    # Pages that straddle the window's edge agree with the whole list.
    assert [hit.article.pk for page in (results[0:2], results[2:4], results[4:6]) for hit in page] == expected
    assert [hit.article.pk for hit in results[3:5]] == expected[3:5]


def test_filters_apply_to_matches_beyond_the_rank_window(monkeypatch):
    monkeypatch.setattr(search, "RANK_WINDOW", 1)
    food, travel = TopicFactory(slug="food"), TopicFactory(slug="travel")
    now = timezone.now()
    in_food = [
        ArticleFactory(topic=food, body="Night market stalls.", published_at=now - timedelta(hours=hours))
        for hours in (1, 2, 3)
    ]
    ArticleFactory(topic=travel, body="Night market trains.", published_at=now - timedelta(minutes=30))
    indexed(*Article.objects.all())

    assert found("market", topic=food) == [a.pk for a in in_food]


# --- keeping the index current ----------------------------------------------------------------


def test_documents_copy_the_publish_state_region_and_topic_on_every_change(editor, django_capture_on_commit_callbacks):
    before, after = RegionFactory(slug="jingan", name="Jing'an"), RegionFactory(slug="xuhui", name="Xuhui")
    food, travel = TopicFactory(slug="food"), TopicFactory(slug="travel")
    article = indexed(ArticleFactory(draft=True, region=before, topic=food, body="Lantern festival."))
    document = SearchDocument.objects.get(article=article)
    assert (document.live_from, document.region_id, document.topic_id) == (None, before.pk, food.pk)

    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=article, by=editor)
    document.refresh_from_db()
    assert document.live_from == Article.objects.get(pk=article.pk).published_at
    assert found("lantern", region=before, topic=food) == [article.pk]

    with django_capture_on_commit_callbacks(execute=True):
        article.region, article.topic = after, travel
        services.article_save(article=article, by=editor)
    assert found("lantern", region=before) == []
    assert found("lantern", topic=food) == []
    assert found("lantern", region=after, topic=travel) == [article.pk]

    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=article, by=editor, at=timezone.now() + timedelta(days=1))
    assert found("lantern") == []  # rescheduled: hidden until its new time
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=article, by=editor, at=timezone.now() - timedelta(minutes=1))
    assert found("lantern") == [article.pk]

    with django_capture_on_commit_callbacks(execute=True):
        services.article_unpublish(article=article, by=editor)
    assert SearchDocument.objects.get(article=article).live_from is None
    assert found("lantern") == []


def test_the_documents_copy_of_the_publish_rule_agrees_with_published():
    now = timezone.now()
    articles = [
        ArticleFactory(draft=True),
        ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None),
        ArticleFactory(status=Article.Status.DRAFT, published_at=now - timedelta(days=1)),  # was live once
        ArticleFactory(scheduled=True),
        ArticleFactory(published_at=now - timedelta(minutes=1)),
    ]
    indexed(*articles)

    for moment in (now, now + timedelta(days=2)):
        live = set(Article.objects.published(now=moment).values_list("pk", flat=True))
        copied = set(SearchDocument.objects.filter(live_by(moment)).values_list("article_id", flat=True))
        assert copied == live


def test_the_migration_fills_the_copied_state_of_existing_documents():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("articles.migrations.0008_search_filters_on_document")
    live = indexed(ArticleFactory(body="Harbour lights."))
    draft = indexed(ArticleFactory(draft=True, body="Harbour fog."))
    SearchDocument.objects.update(live_from=None, region=None, topic=None)

    migration.copy_from_articles(apps, None)

    documents = {d.article_id: d for d in SearchDocument.objects.all()}
    assert documents[live.pk].live_from == live.published_at
    assert (documents[live.pk].region_id, documents[live.pk].topic_id) == (live.region_id, live.topic_id)
    assert documents[draft.pk].live_from is None
    assert documents[draft.pk].region_id == draft.region_id
    if connection.vendor == "sqlite":
        search.SQLiteSearch().check_integrity()


def test_saving_an_article_through_the_service_updates_its_document(editor, django_capture_on_commit_callbacks):
    article = ArticleFactory(body="Old words about tea.")
    with django_capture_on_commit_callbacks(execute=True):
        article.body = "New words about coffee."
        services.article_save(article=article, by=editor)

    assert found("coffee") == [article.pk]
    assert found("tea") == []


def test_publishing_an_article_makes_it_findable(editor, django_capture_on_commit_callbacks):
    article = ArticleFactory(draft=True, body="A new ferry route.")
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=article, by=editor)

    assert found("ferry") == [article.pk]


def test_unpublishing_hides_the_article_and_deleting_removes_its_document(editor, django_capture_on_commit_callbacks):
    kept = indexed(ArticleFactory(body="Tram museum."))
    gone = indexed(ArticleFactory(body="Tram depot."))
    with django_capture_on_commit_callbacks(execute=True):
        services.article_unpublish(article=kept, by=editor)
    assert set(found("tram")) == {gone.pk}

    gone_pk = gone.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.article_delete(article=Article.objects.get(pk=gone_pk), by=UserFactory(username="boss", is_superuser=True))

    assert not SearchDocument.objects.filter(article_id=gone_pk).exists()
    assert found("tram") == []
    if connection.vendor == "sqlite":
        search.SQLiteSearch().check_integrity()  # the FTS5 index lost the document too


def test_new_tags_and_bylines_reach_the_index_after_the_related_save(django_capture_on_commit_callbacks):
    article = indexed(ArticleFactory(body="Opening night."))
    author = AuthorFactory(name="Ottoline Brack")
    with django_capture_on_commit_callbacks(execute=True):
        article.tags.add("jazz")
        article.bylines.create(author=author, sort_order=0)
        services.article_save_related_done(article=article)

    assert found("jazz") == [article.pk]
    assert found("Brack") == [article.pk]


def test_renaming_an_author_updates_the_documents_of_their_articles(django_capture_on_commit_callbacks):
    author = AuthorFactory(name="Harriet Quill")
    articles = indexed(ArticleFactory(authors=[author]), ArticleFactory(authors=[author]))
    with django_capture_on_commit_callbacks(execute=True):
        author.name = "Harriet Vane"
        services.author_save(author=author)

    assert set(found("Vane")) == {a.pk for a in articles}
    assert found("Quill") == []


# --- building the index in bulk ---------------------------------------------------------------


def test_rebuild_command_indexes_every_article_in_batches_and_prints_progress():
    articles = [ArticleFactory(body="Canal walk.") for _ in range(5)]
    SearchDocument.objects.all().delete()
    out = StringIO()

    call_command("rebuild_search_index", "--batch-size", "2", stdout=out)

    assert SearchDocument.objects.count() == 5
    assert set(found("canal")) == {a.pk for a in articles}
    assert "2/5" in out.getvalue() and "5/5" in out.getvalue()
    if connection.vendor == "sqlite":
        search.SQLiteSearch().check_integrity()


def test_rebuild_command_with_missing_only_tops_up_without_rewriting():
    done = indexed(ArticleFactory(body="Harbour lights."))
    new = ArticleFactory(body="Harbour ferries.")
    out = StringIO()

    call_command("rebuild_search_index", "--missing-only", stdout=out)

    assert "1 article" in out.getvalue()
    assert set(found("harbour")) == {done.pk, new.pk}


def test_seed_demo_indexes_the_articles_it_inserts():
    ImageFactory(file=ContentFile(image_bytes(480, 300), name="demo-hero-00.jpg"))

    call_command("seed_demo", "--images", "1", "--articles", "12", stdout=StringIO())

    assert SearchDocument.objects.count() == Article.objects.count()
    article = Article.objects.published().order_by("pk").first()
    word = article.title.split()[-1]
    assert article.pk in found(f'"{word}"')
