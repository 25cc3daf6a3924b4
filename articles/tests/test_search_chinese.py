"""Chinese in site search: words inside running text, mixed queries, marks, region names.

Runs on whichever database the suite runs on (SQLite with FTS5 by default, PostgreSQL in the
second pass), so both indexes are checked.
"""

import re

import pytest
from django.db import connection

from articles import search, services
from articles.models import SearchDocument
from articles.search import SEPARATOR, parse_query, query_words, segment
from articles.tests.factories import ArticleFactory, RegionFactory

pytestmark = pytest.mark.django_db

NANJING_ROAD = "很多游客去南京路步行街，晚上的夜景很美。"


def indexed(*articles):
    search.index_articles([a.pk for a in articles])
    return articles[0] if len(articles) == 1 else articles


def found(query, **filters) -> list[int]:
    results = search.search(query, **filters)
    ids = [hit.article.pk for hit in results[: results.count() + 5]]
    assert len(ids) == results.count()
    return ids


@pytest.fixture
def nanjing_road():
    return indexed(ArticleFactory(title="A night on Nanjing Road", body=f"Crowds every evening. {NANJING_ROAD}"))


@pytest.mark.parametrize("word", ["南京路", "步行街", "夜景", "游客", "南京", "步行", "路步行", "南京路步行街"])
def test_a_chinese_word_is_found_inside_running_chinese_text(nanjing_road, word):
    other = indexed(ArticleFactory(body="很多人喜欢北京的胡同和烤鸭。"))

    assert found(word) == [nanjing_road.pk]
    assert other.pk not in found(word)


def test_characters_found_apart_do_not_make_a_word(nanjing_road):
    # 京 and 步 are both in the article, but never side by side.
    assert found("京步") == []
    assert found("街路") == []


def test_mixed_english_and_chinese_queries_need_every_word(nanjing_road):
    shanghai_bund = indexed(ArticleFactory(title="The Bund at night", body="外滩的夜景和步行街的灯光。"))

    assert found("Nanjing Road 步行街") == [nanjing_road.pk]
    assert set(found("步行街")) == {nanjing_road.pk, shanghai_bund.pk}
    assert found("Bund 步行街") == [shanghai_bund.pk]
    assert found("步行街 -外滩") == [nanjing_road.pk]
    assert set(found("南京路 or 外滩")) == {nanjing_road.pk, shanghai_bund.pk}
    assert found('"南京路步行街"') == [nanjing_road.pk]


def test_chinese_glued_to_latin_letters_is_still_found():
    article = indexed(ArticleFactory(body="我们在IFC商场的Starbucks咖啡馆见面。"))

    assert found("咖啡馆") == [article.pk]
    assert found("starbucks") == [article.pk]
    assert found("IFC商场") == [article.pk]


def test_full_width_letters_match_plain_ones_both_ways():
    plain = indexed(ArticleFactory(body="The ABC bakery sells 月饼."))
    wide = indexed(ArticleFactory(body="Ｗｕｋａｎｇ Ｍａｎｓｉｏｎ at dusk."))

    assert found("ＡＢＣ") == [plain.pk]
    assert found("wukang mansion") == [wide.pk]


def test_a_title_match_in_chinese_ranks_above_a_body_match():
    body_only = indexed(ArticleFactory(title="Dinner notes", body="我们吃了小笼包。"))
    in_title = indexed(ArticleFactory(title="小笼包 in Shanghai", body="Soup dumplings."))

    assert found("小笼包") == [in_title.pk, body_only.pk]


def test_the_snippet_marks_the_chinese_word_as_one_and_escapes_the_text():
    article = indexed(
        ArticleFactory(standfirst="<b>Bold</b> & plain", body=f"<script>alert(1)</script> {NANJING_ROAD}")
    )

    (hit,) = search.search("步行街")[:1]

    assert hit.article.pk == article.pk
    assert "<mark>步行街</mark>" in hit.snippet
    assert SEPARATOR not in hit.snippet
    assert "很多游客去南京路<mark>步行街</mark>" in hit.snippet
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_a_mixed_query_marks_both_scripts():
    indexed(ArticleFactory(body=f"Walk down Nanjing Road. {NANJING_ROAD}"))

    (hit,) = search.search("nanjing 夜景")[:1]

    assert re.search(r"<mark>Nanjing</mark>", hit.snippet)
    assert "<mark>夜景</mark>" in hit.snippet


def test_a_region_is_found_by_its_chinese_name():
    tianjin = RegionFactory(name="Tianjin", slug="tianjin", name_zh="天津")
    story = indexed(ArticleFactory(region=tianjin, title="Harbour walk", body="Cranes and tea houses."))
    elsewhere = indexed(ArticleFactory(body="Cranes and tea houses."))

    assert found("天津") == [story.pk]
    assert elsewhere.pk not in found("天津")


def test_renaming_a_region_in_chinese_reindexes_its_stories(django_capture_on_commit_callbacks):
    xiamen = RegionFactory(name="Xiamen", slug="xiamen")
    story = indexed(ArticleFactory(region=xiamen, body="Island ferries."))
    assert found("厦门") == []

    xiamen.name_zh = "厦门"
    with django_capture_on_commit_callbacks(execute=True):
        xiamen.save()
        services.taxonomy_changed(term=xiamen, changed=["name_zh"])

    assert found("厦门") == [story.pk]


def test_chinese_tags_are_found():
    article = ArticleFactory(body="Lanterns.")
    article.tags.add("元宵节")
    indexed(article)

    assert found("元宵") == [article.pk]


def test_english_stemming_is_unchanged_beside_chinese():
    article = indexed(ArticleFactory(body=f"The cafés were crowded. {NANJING_ROAD}"))

    assert found("crowd 夜景") == [article.pk]


def test_segment_and_query_words_agree():
    assert segment("去南京路 ok") == SEPARATOR + SEPARATOR.join("去南京路") + SEPARATOR + " ok"
    assert segment("IFC商场") == f"IFC{SEPARATOR}商{SEPARATOR}场{SEPARATOR}"
    # Full-width letters are folded; Chinese punctuation stays as written, for the snippets.
    assert segment("（Ｎａｎｊｉｎｇ），") == "（Nanjing），"
    assert query_words("Nanjing路，ＡＢＣ！") == ("nanjing", "路", "abc")
    assert parse_query("南京路 Road").fts5() == '("南 京 路" AND "road")'
    assert parse_query("南京路 Road").websearch() == '"南 京 路" road'


def test_a_zero_width_space_in_an_article_does_not_split_its_words():
    article = indexed(ArticleFactory(body="Tea\u200bhouse 步\u200b行街"))

    document = SearchDocument.objects.get(pk=article.pk)
    assert "\u200bhouse" not in document.body
    assert found("teahouse") == [article.pk]
    assert found("步行街") == [article.pk]


def test_the_migration_resegments_existing_documents():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("articles.migrations.0015_search_cjk")
    article = indexed(ArticleFactory(title="南京路", body=NANJING_ROAD))
    # A document as it was written before: Chinese runs as single tokens.
    SearchDocument.objects.filter(pk=article.pk).update(title="南京路", body=NANJING_ROAD)
    if connection.vendor == "postgresql":
        search.PostgresSearch().after_write([article.pk])
    assert found("步行街") == []

    class Editor:
        pass

    schema_editor = Editor()
    schema_editor.connection = connection
    migration.resegment(apps, schema_editor)

    assert found("步行街") == [article.pk]
    assert found("南京") == [article.pk]
    if connection.vendor == "sqlite":
        search.SQLiteSearch().check_integrity()
