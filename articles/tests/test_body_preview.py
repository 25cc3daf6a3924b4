"""The admin body editor's preview endpoint: staff only, CSRF-checked, the article page's renderer."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from articles.tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("articles:body_preview")
BODY = (
    "# A heading\n\nFirst paragraph with **bold**, *italic* and [a link](https://example.com).\n\n"
    "[read more]\n\n- one\n- two\n\n> A quote.\n\n<script>alert(1)</script>\n\n[read more]\n\nThe end."
)


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


def article_body(page: str) -> str:
    """The inside of the article page's body, from its opening tag to the tags list after it."""
    start = page.index('<div class="article-body">') + len('<div class="article-body">')
    return squash(page[start : page.index('<footer class="article-tags">', start)]).removesuffix("</div>").strip()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(BODY, id="read-more-slots"),
        pytest.param("\n\n".join(f"Paragraph {n}." for n in range(7)), id="links-spread-through-the-text"),
    ],
)
def test_preview_renders_exactly_what_the_article_page_shows(client, body):
    links = [ArticleFactory(title="The ferry timetable"), ArticleFactory(title="Night markets")]
    article = ArticleFactory(body=body, read_more=links, tags=["ferries"])
    page = client.get(article.get_absolute_url()).content.decode()
    client.force_login(UserFactory(groups=["Writer"]))
    response = client.post(URL, {"body": body, "article": article.pk})
    assert response.status_code == 200
    html = squash(response.json()["html"])
    assert html == article_body(page)
    assert html.count("READ MORE:</strong> <a href=") == 2 and "The ferry timetable" in html


def test_preview_shows_the_body_safe_as_the_page_does(client):
    client.force_login(UserFactory(groups=["Writer"]))
    html = client.post(URL, {"body": BODY}).json()["html"]
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "<h1" not in html and "<h2>A heading</h2>" in html


def test_preview_of_a_new_article_marks_its_read_more_slots(client):
    client.force_login(UserFactory(groups=["Writer"]))
    data = client.post(URL, {"body": "Before.\n\n[read more]\n\nAfter."}).json()
    assert data["html"].count("read-more-slot") == 1
    assert data["html"].index("Before.") < data["html"].index("read-more-slot") < data["html"].index("After.")


def test_preview_counts_words_and_reading_time(client, settings):
    settings.READING_WORDS_PER_MINUTE = 100
    client.force_login(UserFactory(groups=["Writer"]))
    body = "## Title here\n\n" + "word " * 148 + "[don't](https://example.com/a-long-address-that-is-not-read)"
    data = client.post(URL, {"body": body}).json()
    # Markdown signs and link addresses are not words; "don't" is one.
    assert data["words"] == 151 and data["cjk_characters"] == 0
    assert data["reading_minutes"] == 2


def test_preview_counts_each_chinese_character_as_a_word(client, settings):
    settings.READING_WORDS_PER_MINUTE = 230
    client.force_login(UserFactory(groups=["Writer"]))
    data = client.post(URL, {"body": "晚上去外滩看夜景，然后在南京路步行街吃小笼包。Shanghai by night."}).json()
    assert data["cjk_characters"] == 21  # the punctuation is not counted
    assert data["words"] == 21 + 3
    assert data["reading_minutes"] == 1
    assert client.post(URL, {"body": "外滩" * 300}).json()["reading_minutes"] == 3


def test_an_empty_body_has_no_words_and_no_reading_time(client):
    client.force_login(UserFactory(groups=["Writer"]))
    data = client.post(URL, {"body": ""}).json()
    assert data == {"html": "", "words": 0, "cjk_characters": 0, "reading_minutes": 0, "removed": [], "problems": []}


def test_preview_says_what_sanitising_removed(client):
    client.force_login(UserFactory(groups=["Writer"]))
    data = client.post(URL, {"body": "[file](ftp://example.com/x) and ![dot](data:image/png;base64,AAAA)"}).json()
    assert data["removed"] == ["a href", "img src"]
    assert "ftp:" not in data["html"] and "data:" not in data["html"]
    assert client.post(URL, {"body": "[fine](https://example.com)"}).json()["removed"] == []


@pytest.mark.parametrize(
    "user_kwargs",
    [
        pytest.param({"is_staff": False, "is_superuser": True}, id="not-staff"),
        pytest.param({"groups": ["Moderator"]}, id="moderator"),
        pytest.param({"is_active": False, "groups": ["Editor"]}, id="inactive"),
    ],
)
def test_only_staff_who_write_articles_may_preview(client, user_kwargs):
    client.force_login(UserFactory(**user_kwargs))
    response = client.post(URL, {"body": "Hello"})
    assert response.status_code in {403, 302}
    if response.status_code == 403:
        assert "error" in response.json() and "html" not in response.json()


def test_readers_may_not_preview(client):
    response = client.post(URL, {"body": "Hello"})
    assert response.status_code == 403
    assert response.json()["error"].startswith("Only newsroom staff")


def test_editors_may_preview(client):
    client.force_login(UserFactory(groups=["Editor"]))
    assert client.post(URL, {"body": "Hello"}).json()["words"] == 1


def test_preview_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(groups=["Writer"]))
    assert client.post(URL, {"body": "Hello"}).status_code == 403
    client.get(reverse("admin:articles_article_add"))
    token = client.cookies["csrftoken"].value
    response = client.post(URL, {"body": "Hello"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json()["words"] == 1


def test_preview_is_post_only(client):
    client.force_login(UserFactory(groups=["Writer"]))
    assert client.get(URL, {"body": "Hello"}).status_code == 405


@pytest.mark.parametrize("article", ["x", "0", "-3", "1e3"])
def test_a_bad_article_number_is_a_clear_400(client, article):
    client.force_login(UserFactory(groups=["Writer"]))
    response = client.post(URL, {"body": "Hello", "article": article})
    assert response.status_code == 400
    assert response.json()["error"] == "The article is named by its number."


def test_an_article_that_does_not_exist_previews_without_links(client):
    client.force_login(UserFactory(groups=["Writer"]))
    data = client.post(URL, {"body": "Hello\n\n[read more]", "article": 999999}).json()
    assert "read-more-slot" in data["html"]


def test_a_body_too_long_to_preview_is_a_clear_400(client):
    client.force_login(UserFactory(groups=["Writer"]))
    response = client.post(URL, {"body": "a" * 500_001})
    assert response.status_code == 400 and "too long to preview" in response.json()["error"]



def test_the_article_form_loads_the_body_editor(client):
    client.force_login(UserFactory(groups=["Writer"]))
    html = client.get(reverse("admin:articles_article_add")).content.decode()
    assert f'data-body-preview-url="{URL}"' in html
    assert "articles/body_editor.js" in html
