"""The search page with Chinese and hostile queries (SQLite and PostgreSQL passes alike)."""

import re

import pytest
from django.urls import reverse

from articles import search
from articles.tests.factories import ArticleFactory, RegionFactory

pytestmark = pytest.mark.django_db
URL = reverse("search")

HOSTILE = [
    "南京路 AND 步行街",
    "步行街 NEAR(南京路 外滩)",
    '"南京路',
    '"步行街"" OR "',
    "步行*",
    "^夜景",
    "-步行街",
    "--南京路--",
    "步行街 -",
    "ＡＢＣ，。！",
    "Ｎａｎｊｉｎｇ　Ｒｏａｄ　步行街",
    "南京路😀🥟步行街",
    "🇨🇳🏮",
    "「步行街」『夜景』【南京路】",
    "《夜景》……——～",
    "步行街\u200b\u200c\u200d\ufeff",
    "\ue000步行街\ue001",
    "\u202e步行街\u202c",
    "南\u0301京",
    "Nanjing路 street food 小笼包 ok",
    "ナンジン ろ 南京路",
    "서울 步行街",
    "مرحبا 步行街",
    "𠀀𪚥 步行街",
    "<script>alert(1)</script> 步行街",
    "&lt;mark&gt; 步行街 </mark>",
    "步行街" * 120,
    "南 " * 300,
    "步行街 or or or",
    "步行街:* & | ! <->",
    "title:步行街 body:夜景",
]
# Raw query strings a browser cannot type: bytes that are not UTF-8, surrogate halves.
RAW = ["q=%ED%A0%80", "q=%ED%A0%80%E6%AD%A5%E8%A1%8C%E8%A1%97", "q=%F0%9F", "q=%FF%FE%E6%AD%A5",
       "q=%E6%AD%A5%E8%A1%8C%E8%A1%97&q=%ED%B0%80", "q=%E6%AD%A5%E8%A1%8C%E8%A1%97%ED%A0%80"]


@pytest.fixture
def nanjing_road():
    article = ArticleFactory(title="A night on Nanjing Road", body="很多游客去南京路步行街，晚上的夜景很美。")
    search.index_articles([article.pk])
    return article


def result_links(response) -> list[str]:
    return re.findall(r'<h2 class="search-title"><a href="([^"]+)"', response.content.decode())


def marks_are_balanced(html: str) -> bool:
    return html.count("<mark>") == html.count("</mark>") and "<mark><mark>" not in html


@pytest.mark.parametrize("word", ["南京路", "步行街", "夜景", "Nanjing Road 步行街"])
def test_reader_finds_the_article_by_a_chinese_word_with_it_marked(client, nanjing_road, word):
    response = client.get(URL, {"q": word})

    assert response.status_code == 200
    assert result_links(response) == [nanjing_road.get_absolute_url()]
    html = response.content.decode()
    for chinese in re.findall(r"[\u4e00-\u9fff]+", word):
        assert f"<mark>{chinese}</mark>" in html
    assert "\u200b" not in html


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_answer_without_error_and_keep_the_page_whole(client, nanjing_road, query):
    response = client.get(URL, {"q": query})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    assert marks_are_balanced(html)
    assert "\ue000" not in html and "\ue001" not in html
    snippets = re.findall(r'<p class="search-snippet">(.*?)</p>', html, re.S)
    for snippet in snippets:
        assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


@pytest.mark.parametrize("raw", RAW)
def test_undecodable_bytes_and_surrogates_answer_without_error(client, nanjing_road, raw):
    response = client.get(f"{URL}?{raw}")

    assert response.status_code == 200
    assert marks_are_balanced(response.content.decode())


def test_a_nul_in_the_query_is_refused_with_a_message_not_an_error(client, nanjing_road):
    response = client.get(f"{URL}?q=%00%E6%AD%A5")

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_lone_surrogate_reaching_the_search_module_is_dropped():
    assert search.parse_query("\ud800步行街\udfff").fts5() == '("步 行 街")'
    assert not search.parse_query("\ud800")


def test_a_region_is_shown_and_found_by_its_chinese_name(client):
    tianjin = RegionFactory(name="Tianjin", slug="tianjin", name_zh="天津")
    story = ArticleFactory(region=tianjin, title="Harbour walk", body="Cranes and tea houses.")
    search.index_articles([story.pk])

    response = client.get(URL, {"q": "天津"})

    assert result_links(response) == [story.get_absolute_url()]
    assert '<span class="name-zh" lang="zh-Hans">天津</span>' in response.content.decode()
