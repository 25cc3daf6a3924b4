"""Search in Chinese in a real browser on a phone: the word is found and marked, the page fits.

Set LAYOUT_SCREENSHOTS to a folder to keep a screenshot of the results page.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

import pytest

from articles import search
from articles.tests.factories import ArticleFactory, RegionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("LAYOUT_SCREENSHOTS", "")


@pytest.mark.parametrize("query", ["步行街", "Nanjing Road 夜景"])
def test_a_chinese_search_on_a_phone_marks_the_words_and_fits_the_screen(live_server, browser_page, query):
    shanghai = RegionFactory(name="Shanghai", slug="shanghai", name_zh="上海")
    article = ArticleFactory(
        region=shanghai,
        title="A night on Nanjing Road",
        standfirst="The city's oldest shopping street after dark.",
        body="The lights come on at six. 很多游客去南京路步行街（Nanjing Road），晚上的夜景很美。"
        "周末我们在外滩散步，顺便吃了生煎包。",
    )
    search.index_articles([article.pk])
    page = browser_page(width=390, height=844)
    violations = []
    page.on("console", lambda message: violations.append(message.text) if message.type == "error" else None)

    response = page.goto(f"{live_server.url}/search/?{urlencode({'q': query})}")

    assert response.status == 200
    marks = page.locator(".search-snippet mark")
    texts = marks.all_inner_texts()
    for word in query.split():
        if not word.isascii():
            assert word in texts
    assert marks.first.is_visible()
    assert page.locator(".name-zh").first.inner_text() == "上海"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert violations == []
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"search-chinese-{len(query)}.png"), full_page=True)
