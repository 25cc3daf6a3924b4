"""Reader pages stay light: no script on the critical path, the largest image asked for first,
one <source> per picture (the JPEG set is the <img>'s own), every image sized."""

import re
from html.parser import HTMLParser

import pytest

from articles.renditions import create_renditions
from articles.tests.factories import ArticleFactory, ImageFactory, RegionFactory
from magazine.tests.factories import CityEditionFactory, EditionFactory

pytestmark = pytest.mark.django_db


class Elements(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.found if name == tag]


@pytest.fixture
def shanghai_page(client):
    region = RegionFactory(name="Shanghai", slug="shanghai")
    image = ImageFactory()
    create_renditions(image)
    for _ in range(4):
        ArticleFactory(region=region, hero_image=image)
    EditionFactory(city=CityEditionFactory(slug="shanghai"))
    return Elements(client.get(region.get_absolute_url()).content.decode())


def test_every_script_is_deferred_and_no_stylesheet_but_the_sites_own(shanghai_page):
    scripts = [attrs for attrs in shanghai_page.all("script") if attrs.get("src")]
    assert scripts
    assert all("defer" in attrs or attrs.get("type") == "module" for attrs in scripts)
    # Only the site's own small script: the phone menu needs no Bootstrap bundle (80 KB).
    assert [re.sub(r"^/static/|\.[0-9a-f]{12}(?=\.js$)", "", attrs["src"]) for attrs in scripts] == ["js/site.js"]
    sheets = [attrs["href"] for attrs in shanghai_page.all("link") if attrs.get("rel") == "stylesheet"]
    assert [re.sub(r"^/static/|\.[0-9a-f]{12}(?=\.css$)", "", href) for href in sheets] == [
        "vendor/bootstrap/bootstrap.subset.min.css",
        "css/site.css",
    ]


def test_the_first_card_of_a_list_page_is_fetched_first_and_the_others_lazily(shanghai_page):
    images = [attrs for attrs in shanghai_page.all("img") if "img-fluid" in attrs.get("class", "")]
    assert len(images) == 4
    assert images[0].get("fetchpriority") == "high" and "loading" not in images[0]
    assert all(attrs.get("loading") == "lazy" and "fetchpriority" not in attrs for attrs in images[1:])


def test_a_picture_has_one_source_and_the_jpeg_set_on_its_img(shanghai_page):
    sources = shanghai_page.all("source")
    assert len(sources) == 4
    assert all(attrs["type"] == "image/webp" for attrs in sources)
    for attrs in shanghai_page.all("img"):
        if "img-fluid" in attrs.get("class", ""):
            assert ".jpeg " in attrs["srcset"] or ".jpg " in attrs["srcset"]
            assert attrs["sizes"] and attrs["width"] and attrs["height"]


def test_every_image_has_a_width_and_a_height(shanghai_page):
    images = shanghai_page.all("img")
    assert any("edition-thumb" in attrs.get("class", "") for attrs in images), "the latest issue's cover"
    for attrs in images:
        assert attrs.get("width") and attrs.get("height"), attrs
