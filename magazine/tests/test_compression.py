"""Text responses are sent gzip-compressed to clients that accept it, after the page cache has put
each reader's CSRF token in, with ETags and 304s still working."""

import gzip
import re

import pytest
from django.test import Client
from django.urls import reverse

from articles.tests.factories import ArticleFactory
from magazine.tests.factories import CityEditionFactory, EditionFactory

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True


def test_a_page_asked_for_with_gzip_comes_back_compressed_and_decompresses_to_the_page():
    ArticleFactory(title="Night markets of Xiamen")
    reader = Client()
    plain = reader.get("/")
    compressed = reader.get("/", **GZIP)
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert int(compressed["Content-Length"]) == len(compressed.content) < len(plain.content) / 3
    page = gzip.decompress(compressed.content)
    # The same page; only the CSRF token's mask differs (Django masks it anew on every response).
    assert TOKEN.sub(b"", page) == TOKEN.sub(b"", plain.content)
    assert b"Night markets of Xiamen" in page


def test_without_accept_encoding_nothing_is_compressed_but_caches_are_told_it_varies():
    ArticleFactory()
    response = Client().get("/")
    assert not response.has_header("Content-Encoding")
    assert response.content.startswith(b"<!doctype html>")
    assert "Accept-Encoding" in response["Vary"]


def test_a_cached_page_compressed_still_carries_each_readers_own_csrf_token(settings):
    ArticleFactory()
    first_reader, second_reader = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first = first_reader.get("/", **GZIP)
    second = second_reader.get("/", **GZIP)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    pages = [gzip.decompress(response.content) for response in (first, second)]
    assert all(b"csrf-token-for-this-reader" not in page for page in pages)
    tokens = [TOKEN.findall(page) for page in pages]
    assert tokens[0] and tokens[1], "the home page has a form"
    cookies = [response.cookies[settings.CSRF_COOKIE_NAME].value for response in (first, second)]
    assert cookies[0] != cookies[1]
    # Each token is a masked form of that reader's own cookie: the newsletter form posts.
    response = second_reader.post(
        reverse("newsletter:subscribe"),
        {"csrfmiddlewaretoken": tokens[1][0].decode(), "email": "reader@example.com"},
    )
    assert response.status_code != 403


def test_compressed_pages_keep_their_etag_weak_and_answer_conditional_gets_with_304():
    ArticleFactory()
    reader = Client()
    first = reader.get("/", **GZIP)
    assert first["ETag"].startswith('W/"')
    assert reader.get("/", HTTP_IF_NONE_MATCH=first["ETag"], **GZIP).status_code == 304
    # A client that got the page uncompressed sends the strong form; it matches too.
    plain = reader.get("/")
    assert plain["ETag"] == first["ETag"].removeprefix("W/")
    assert reader.get("/", HTTP_IF_NONE_MATCH=plain["ETag"], **GZIP).status_code == 304
    assert reader.get("/", HTTP_IF_NONE_MATCH='W/"bogus"', **GZIP).status_code == 200


def test_gzip_compression_differs_in_length_from_response_to_response():
    """Django's BREACH mitigation: random bytes in the gzip header, so lengths leak nothing."""
    ArticleFactory()
    reader = Client()
    lengths = {len(reader.get("/", **GZIP).content) for _ in range(8)}
    assert len(lengths) > 1


def test_feeds_are_compressed_and_pdf_downloads_are_not(client):
    ArticleFactory()
    feed = client.get(reverse("articles:feed_latest_rss"), **GZIP)
    assert feed["Content-Encoding"] == "gzip"
    edition = EditionFactory(city=CityEditionFactory(slug="shanghai"))
    download = client.get(edition.get_download_url(), **GZIP)
    assert download.status_code == 200
    assert not download.has_header("Content-Encoding")
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
