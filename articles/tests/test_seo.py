"""The article page's structured data (JSON-LD NewsArticle) and link-preview tags, parsed."""

import json
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from PIL import Image as PILImage

from articles import seo
from articles.renditions import create_renditions
from articles.tests.factories import ArticleFactory, AuthorFactory, ImageFactory

LONG = (
    "The night markets, ferries and tea houses of the old town, and the people who keep them going "
    "through the winter months"
)


class HeadParser(HTMLParser):
    """The page's meta tags (property or name → content) and its JSON-LD blocks."""

    def __init__(self):
        super().__init__()
        self.meta, self.jsonld, self._in_jsonld = {}, [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content")
        self._in_jsonld = tag == "script" and attrs.get("type") == "application/ld+json"

    def handle_data(self, data):
        if self._in_jsonld:
            self.jsonld.append(json.loads(data))
            self._in_jsonld = False


def head_of(client, article) -> HeadParser:
    parser = HeadParser()
    parser.feed(client.get(article.get_absolute_url()).content.decode())
    return parser


def test_a_headline_within_the_limit_is_kept_whole():
    assert seo.headline("Dumplings in  Jing'an ") == "Dumplings in Jing'an"
    assert seo.headline("x" * 110) == "x" * 110


def test_a_long_headline_is_cut_between_words_with_an_ellipsis():
    assert len(LONG) > 110
    cut = seo.headline(LONG)
    assert len(cut) <= 110 and cut.endswith("…")
    kept = cut.removesuffix("…")
    assert LONG.startswith(kept) and LONG[len(kept)] == " "
    assert kept == LONG[:110].rsplit(" ", 1)[0]


def test_a_long_chinese_headline_is_cut_at_110_characters():
    title = "很多游客去南京路步行街看夜景" * 10
    cut = seo.headline(title)
    assert len(cut) == 110 and cut.endswith("…") and title.startswith(cut[:-1])


def test_a_cut_never_splits_an_emoji_sequence_or_an_accent():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji of five code points
    for title in ["餐" * 107 + family + "餐" * 20, "餐" * 108 + "e\u0301" + "餐" * 20, "餐" * 108 + "\U0001f44d\U0001f3fd" * 5]:
        cut = seo.headline(title)
        kept = cut.removesuffix("…")
        assert len(cut) <= 110 and title.startswith(kept)
        assert not seo._joins_previous(title[len(kept)]) and not kept.endswith("\u200d"), repr(cut[-6:])


@pytest.mark.django_db
def test_json_ld_headline_is_the_seo_title_when_set(client):
    plain = ArticleFactory(title=LONG)
    assert head_of(client, plain).jsonld[0]["headline"] == seo.headline(LONG)
    article = ArticleFactory(title=LONG, seo_title="Night markets of the old town")
    assert head_of(client, article).jsonld[0]["headline"] == "Night markets of the old town"


@pytest.mark.django_db
def test_json_ld_publisher_has_a_logo_of_its_real_size(client):
    data = head_of(client, ArticleFactory(authors=[AuthorFactory()])).jsonld[0]
    logo = data["publisher"]["logo"]
    assert logo["@type"] == "ImageObject" and logo["url"] == "http://testserver/static/img/logo.png"
    with PILImage.open(finders.find("img/logo.png")) as picture:
        assert (picture.width, picture.height) == (logo["width"], logo["height"])
    assert data["publisher"]["name"] == "City Magazine"


@pytest.mark.django_db
def test_article_page_describes_its_open_graph_image(client):
    from django.core.files.storage import default_storage

    image = ImageFactory(alt_text="Lanterns over the river at night")
    create_renditions(image)
    head = head_of(client, ArticleFactory(hero_image=image))
    meta = head.meta
    assert meta["og:image"].startswith("http://testserver/media/renditions/") and meta["og:image"].endswith(".jpeg")
    assert meta["og:image:type"] == "image/jpeg"
    assert meta["og:image:alt"] == meta["twitter:image:alt"] == "Lanterns over the river at night"
    with default_storage.open(meta["og:image"].removeprefix("http://testserver/media/")) as file:
        with PILImage.open(file) as picture:
            assert (str(picture.width), str(picture.height)) == (meta["og:image:width"], meta["og:image:height"])
    assert head.jsonld[0]["image"] == [meta["og:image"]]


@pytest.mark.django_db
def test_article_without_a_picture_has_no_open_graph_image(client):
    meta = head_of(client, ArticleFactory()).meta
    assert not any(key.startswith("og:image") for key in meta)
    assert meta["twitter:card"] == "summary"
