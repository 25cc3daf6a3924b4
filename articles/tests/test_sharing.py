"""Share buttons without third-party scripts, the WeChat QR code and the share counter."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from articles import sharing
from articles.models import Article
from articles.tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(title="Fish & chips: the “best” in Jing'an?", slug="fish-and-chips")


def share(client, article, network="wechat", **extra):
    return client.post(reverse("articles:share", args=[article.pk]), {"network": network}, **extra)


def share_links(html):
    return dict(re.findall(r'<a class="share-btn share-(\w+)" href="([^"]+)"', html))


def test_article_page_has_share_links_for_every_network_and_no_outside_script(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    links = share_links(html)
    assert set(links) == {"wechat", "weibo", "x", "facebook", "linkedin", "email"}
    url = "http://testserver" + article.get_absolute_url()
    unescape = lambda href: href.replace("&amp;", "&")  # noqa: E731 - hrefs are HTML-escaped
    weibo = parse_qs(urlsplit(unescape(links["weibo"])).query)
    assert weibo == {"url": [url], "title": [article.title]}
    assert parse_qs(urlsplit(unescape(links["x"])).query) == {"url": [url], "text": [article.title]}
    assert parse_qs(urlsplit(unescape(links["facebook"])).query) == {"u": [url]}
    assert parse_qs(urlsplit(unescape(links["linkedin"])).query) == {"url": [url]}
    email = unescape(links["email"])
    assert email.startswith("mailto:?subject=Fish%20%26%20chips") and "%0A%0Ahttp%3A%2F%2Ftestserver" in email
    assert links["wechat"] == reverse("articles:share_qr", args=[article.pk])
    for network in ("weibo", "x", "facebook", "linkedin"):
        assert re.search(rf'share-{network}" href="[^"]+" data-share-network="{network}" target="_blank" rel="noopener"', html)
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert "/static/js/share.js" in scripts
    assert "onclick" not in html


def test_without_javascript_the_link_is_in_a_read_only_field(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    field = re.search(r'<input id="share-link"[^>]*>', html).group(0)
    assert 'value="http://testserver' + article.get_absolute_url() + '"' in field and "readonly" in field
    assert re.search(r"<li data-share-copy-item hidden>", html)  # the copy button waits for JavaScript


def test_share_count_rises_and_is_shown_in_the_header(client, article):
    response = share(client, article, "wechat")
    assert response.status_code == 200
    assert response.json() == {"count": 1, "counted": True}
    assert share(client, article, "copy").json() == {"count": 2, "counted": True}
    article.refresh_from_db()
    assert article.share_count == 2
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<span class="counter" data-counter="shares">2 Shares</span>' in html


def test_a_reader_counts_once_per_article_and_network_an_hour(client, article):
    assert share(client, article, "weibo").json() == {"count": 1, "counted": True}
    assert share(client, article, "weibo").json() == {"count": 1, "counted": False}
    assert share(client, article, "x").json() == {"count": 2, "counted": True}
    assert share(client, article, "weibo", REMOTE_ADDR="203.0.113.7").json() == {"count": 3, "counted": True}
    other = ArticleFactory()
    assert share(client, other, "weibo").json() == {"count": 1, "counted": True}


def test_share_counter_needs_the_csrf_token(article):
    reader = Client(enforce_csrf_checks=True)
    assert share(reader, article).status_code == 403
    page = reader.get(article.get_absolute_url()).content.decode()
    token = re.search(r'data-csrf-token="([^"]+)"', page).group(1)
    response = share(reader, article, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and response.json()["count"] == 1


def test_share_counter_only_takes_posts_of_known_networks_for_live_articles(client, article):
    url = reverse("articles:share", args=[article.pk])
    assert client.get(url).status_code == 405
    response = share(client, article, "myspace")
    assert response.status_code == 400 and "Unknown network" in response.json()["error"]
    draft = ArticleFactory(draft=True)
    assert share(client, draft).status_code == 404
    assert client.post("/share/99999999/", {"network": "x"}).status_code == 404
    assert Article.objects.get(pk=article.pk).share_count == 0


def test_wechat_qr_code_is_an_svg_of_the_article_address_cached_after_the_first_request(client, article, django_assert_num_queries):
    url = reverse("articles:share_qr", args=[article.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<?xml") and b"<svg" in response.content
    assert response.content == sharing.qr_svg("http://testserver" + article.get_absolute_url())
    assert "max-age=3600" in response["Cache-Control"]
    with django_assert_num_queries(0):
        assert client.get(url).content == response.content
    assert client.get(reverse("articles:share_qr", args=[ArticleFactory(draft=True).pk])).status_code == 404


def test_previews_of_unpublished_articles_have_no_share_buttons(client):
    draft = ArticleFactory(draft=True)
    client.force_login(UserFactory(is_superuser=True))
    html = client.get(reverse("articles:preview", args=[draft.pk])).content.decode()
    assert 'data-share-network' not in html and "share.js" not in html
