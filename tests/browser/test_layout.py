"""The reader-facing pages in a real browser, on a phone (390 px) and a desktop (1280 px).

Every page is checked for what a reader would notice first: sideways scrolling, pictures that
do not load, a broken menu, scripts or styles refused by the Content Security Policy, and for
the basics of keyboard and screen-reader use (one h1, a skip link, landmarks).

Set LAYOUT_SCREENSHOTS to a folder to keep full-page screenshots of every page visited.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.files.base import ContentFile

from articles.renditions import create_renditions
from articles.tests.factories import (
    ArticleFactory,
    AuthorFactory,
    ImageFactory,
    RegionFactory,
    TopicFactory,
    image_bytes,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = 390, 1280
WIDTHS = [pytest.param(PHONE, id="phone-390"), pytest.param(DESKTOP, id="desktop-1280")]
SCREENSHOTS = os.environ.get("LAYOUT_SCREENSHOTS", "")

INLINE_STYLE = re.compile(r"<style\b|<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*application/ld\+json)[^>]*>", re.IGNORECASE)

# Registered before any page script runs, so a violation during parsing is caught as well.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@dataclass
class Magazine:
    home: str
    article: str
    region: str
    author: str
    missing: str


@dataclass
class Visit:
    """One page load with everything that went wrong while it loaded."""

    page: object
    response: object
    console_errors: list[str] = field(default_factory=list)
    failed_files: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__cspViolations")

    def assert_clean(self):
        assert self.csp_violations() == [], "Content Security Policy violations"
        assert self.console_errors == [], "errors in the browser console"
        assert self.failed_files == [], "static or media files that did not load"


def _pictures():
    """Four photographs with their renditions, shared by the articles (renditions take time)."""
    pictures = []
    for n, colour in enumerate([(180, 40, 60), (40, 90, 140), (60, 120, 80), (150, 120, 60)]):
        image = ImageFactory(
            title=f"Street scene {n}",
            alt_text=f"Street scene number {n}",
            file=ContentFile(image_bytes(width=800, height=533, color=colour), name=f"scene-{n}.jpg"),
        )
        create_renditions(image)
        pictures.append(image)
    return pictures


@pytest.fixture
def magazine(live_server) -> Magazine:
    """Two regions, two topics, twelve published illustrated articles with bylines and tags."""
    regions = [RegionFactory(name="Shanghai", slug="shanghai"), RegionFactory(name="Beijing", slug="beijing")]
    topics = [TopicFactory(name="News", slug="news"), TopicFactory(name="Food & Drink", slug="food-drink")]
    authors = [AuthorFactory(name="Li Wei", slug="li-wei"), AuthorFactory(name="Anna Chen", slug="anna-chen")]
    pictures = _pictures()
    articles = [
        ArticleFactory(
            title=f"A longer headline for story {n}, about the riverside and the people who walk it",
            region=regions[n % 2],
            topic=topics[(n // 2) % 2],
            hero_image=pictures[n % 4],
            authors=authors if n == 0 else [authors[n % 2]],
            tags=["riverside", "weekend walks"],
            featured=n in (0, 5, 9),
            body=(
                "First paragraph.\n\n[read more]\n\nSecond paragraph with a "
                "verylongwordthatmustwrapsomewhereonaphonescreenwithoutscrolling.\n\nThird."
            ),
        )
        for n in range(12)
    ]
    lead = articles[0]
    lead.read_more.add(articles[3], through_defaults={"sort_order": 0})
    base = live_server.url
    return Magazine(
        home=base + "/",
        article=base + lead.get_absolute_url(),
        region=base + regions[0].get_absolute_url(),
        author=base + authors[0].get_absolute_url(),
        missing=base + "/no-such-page/",
    )


@pytest.fixture
def visit(browser_page):
    """``visit(url, width)`` opens the page and records console errors and failed files."""

    def open_page(url: str, width: int) -> Visit:
        page = browser_page(width=width)
        page.add_init_script(CSP_LISTENER)
        record = Visit(page=page, response=None)
        page.on("console", lambda message: message.type == "error" and record.console_errors.append(message.text))
        page.on("pageerror", lambda error: record.console_errors.append(str(error)))

        def check_response(response):
            path = urlparse(response.url).path
            if path.startswith(("/static/", "/media/")) and response.status >= 400:
                record.failed_files.append(f"{response.status} {path}")

        page.on("response", check_response)
        page.on(
            "requestfailed",
            lambda request: urlparse(request.url).path.startswith(("/static/", "/media/"))
            and record.failed_files.append(f"failed {urlparse(request.url).path}"),
        )
        record.response = page.goto(url, wait_until="load")
        if SCREENSHOTS:
            folder = Path(SCREENSHOTS)
            folder.mkdir(parents=True, exist_ok=True)
            name = urlparse(url).path.strip("/").replace("/", "_") or "home"
            page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
        return record

    return open_page


def _scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def _assert_picture_loaded(page, selector: str):
    image = page.locator(selector).first
    image.scroll_into_view_if_needed()
    assert image.is_visible()
    box = image.bounding_box()
    assert box["width"] > 0 and box["height"] > 0
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    source = image.evaluate("(img) => img.currentSrc")
    assert "/media/renditions/" in source, f"the picture should come from a rendition, not {source}"


READER_PAGES = [
    ("home", ".lead-story img"),
    ("article", "figure.hero img"),
    ("region", ".card-grid .article-card img"),
    ("author", ".card-grid .article-card img"),
]


def _assert_skip_link_comes_first_and_shows_on_focus(page):
    skip = page.locator("a.skip-link")
    box = skip.bounding_box()
    assert box is None or box["width"] <= 1, "the skip link stays hidden until focused"
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert "skip-link" in focused[0] and focused[1] == "#main"
    assert skip.is_visible()
    box = skip.bounding_box()
    assert box["width"] > 40 and box["height"] > 20 and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("width", WIDTHS)
def test_reader_pages_fit_the_screen_load_their_pictures_and_obey_the_content_policy(magazine, visit, width):
    for name, picture in READER_PAGES:
        page_visit = visit(getattr(magazine, name), width)
        page = page_visit.page

        assert page_visit.response.status == 200, name
        policy = page_visit.response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "'unsafe-inline'" not in policy
        assert not _scrolls_sideways(page), f"{name} scrolls sideways at {width}px"
        assert page.locator("h1").count() == 1, name
        assert page.locator("header nav[aria-label=Main]").count() == 1
        assert page.locator("main#main").count() == 1
        assert page.locator("body > footer").count() == 1
        assert page.locator("img:not([alt])").count() == 0
        html = page_visit.response.text()
        assert not INLINE_STYLE.search(html), "inline styles are refused by the policy"
        assert not INLINE_SCRIPT.search(html), "inline scripts are refused by the policy"
        _assert_picture_loaded(page, picture)
        _assert_skip_link_comes_first_and_shows_on_focus(page)
        page_visit.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_article_page_shows_more_news_beside_on_desktop_and_below_on_phone(magazine, visit, width):
    page_visit = visit(magazine.article, width)
    page = page_visit.page
    more_news = page.locator(".more-news")

    more_news.scroll_into_view_if_needed()
    assert more_news.is_visible()
    assert more_news.locator(".compact-item").count() >= 3
    assert page.get_by_text("READ MORE:").is_visible()
    assert page.locator(".byline a[rel=author]").count() == 2
    article_box = page.locator("article.article").bounding_box()
    aside_box = page.locator("aside.article-aside").bounding_box()
    if width == DESKTOP:
        assert aside_box["x"] >= article_box["x"] + article_box["width"] - 1
        assert abs(aside_box["y"] - article_box["y"]) < 2
    else:
        assert aside_box["y"] >= article_box["y"] + article_box["height"] - 1
    body_width = page.locator(".article-body p").first.bounding_box()["width"]
    assert body_width <= 760, "the body text keeps a readable measure"
    assert not _scrolls_sideways(page)
    page_visit.assert_clean()


def test_menu_is_a_button_on_a_phone_and_a_row_of_links_on_desktop(magazine, visit):
    phone = visit(magazine.home, PHONE)
    page = phone.page
    toggler = page.locator(".navbar-toggler")
    archive_link = page.locator("#main-nav").get_by_role("link", name="Print edition", exact=True)
    assert toggler.is_visible()
    assert not archive_link.is_visible()

    toggler.click()

    page.wait_for_selector("#main-nav.show")
    assert toggler.get_attribute("aria-expanded") == "true"
    archive_link.wait_for(state="visible")
    page.locator("#main-nav summary", has_text="Regions").click()
    page.locator("#main-nav .menu-panel-regions").get_by_role("link", name="Beijing").wait_for(state="visible")
    assert not _scrolls_sideways(page)
    phone.assert_clean()

    desktop = visit(magazine.region, DESKTOP)
    page = desktop.page
    assert not page.locator(".navbar-toggler").is_visible()
    assert page.locator("#main-nav").get_by_role("link", name="Newsletters").is_visible()
    page.locator("#main-nav summary", has_text="Topics").click()
    assert page.locator("#main-nav").get_by_role("link", name="Food & Drink").is_visible()
    regions = page.locator("#main-nav summary", has_text="Regions")
    assert "is-current" in regions.get_attribute("class")
    desktop.assert_clean()


def test_missing_page_is_a_designed_404_that_leads_back_to_the_magazine(magazine, visit):
    for width in (PHONE, DESKTOP):
        page_visit = visit(magazine.missing, width)
        page = page_visit.page

        assert page_visit.response.status == 404
        assert page.locator("h1").count() == 1
        assert page.locator("h1").inner_text() == "We couldn't find that page"
        assert page.get_by_role("link", name="Go to the front page").is_visible()
        assert page.locator(".not-found").get_by_role("link", name="Shanghai").count() == 1
        assert not _scrolls_sideways(page), f"the 404 page scrolls sideways at {width}px"
        # The browser logs the 404 of the document itself; nothing else may fail.
        assert page_visit.csp_violations() == []
        assert page_visit.failed_files == []
        assert [error for error in page_visit.console_errors if "404" not in error] == []
