"""The front page, the menus, the site pages and the print-edition page in a real browser.

A magazine the size of the demo one (ten regions, two of them inside others, eight topics,
a hundred stories, a full "most read"): the front page shows each story once and reads in
about ten phone screens; the main menu is one line at 1280 px and opens from the keyboard;
the print-edition page does not scroll sideways on a phone.
"""

from __future__ import annotations

import datetime
import os
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from articles.models import ArticleViewDay
from articles.tests.factories import ArticleFactory, RegionFactory, TopicFactory
from magazine.tests.factories import CityEditionFactory, EditionFactory
from tests.browser.test_layout import CSP_LISTENER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = 390, 1280
PHONE_SCREEN = 844
SCREENSHOTS = os.environ.get("LAYOUT_SCREENSHOTS", "")
ARTICLE_PATH = r"^/[-\w]+/\d{4}/\d{2}/\d{2}/[-\w]+/$"

REGIONS = [
    ("Shanghai", None), ("Beijing", None), ("Guangzhou", None), ("Shenzhen", None), ("Chengdu", None),
    ("Hangzhou", None), ("North China", None), ("Tianjin", "North China"), ("South China", None),
    ("Xiamen", "South China"),
]
TOPICS = ["News", "Food & Drink", "Travel", "Culture", "Nightlife", "Family", "Business", "Sports"]
TITLES = [
    "Where to stay in Siguniang Mountain: three guesthouses we love",
    "Hidden kitchens: twelve home-style restaurants worth the trip across town",
    "Visa-free transit: the city publishes a guide for 240-hour visitors",
    "The craft beer bars of the old concession, tried and tested",
    "A new science museum opens its doors in the old district",
]


@pytest.fixture
def magazine(live_server):
    regions = {}
    for n, (name, parent) in enumerate(REGIONS):
        slug = name.lower().replace(" ", "-")
        regions[name] = RegionFactory(name=name, slug=slug, ordering=n, parent=regions.get(parent))
    topics = [TopicFactory(name=name, slug=re.sub(r"\W+", "-", name.lower()), ordering=n) for n, name in enumerate(TOPICS)]
    now = timezone.now()
    region_list = list(regions.values())
    articles = [
        ArticleFactory(
            title=f"{TITLES[n % len(TITLES)]} ({n})",
            region=region_list[n % len(region_list)],
            topic=topics[(n // 3) % len(topics)],
            published_at=now - datetime.timedelta(hours=n + 1),
            featured=n % 9 == 4,
            hero_image=None,  # the card keeps its 3:2 box either way
        )
        for n in range(100)
    ]
    for n, article in enumerate(articles[::7]):
        ArticleViewDay.objects.create(article=article, day=timezone.localdate(), views=500 - n)
    edition = EditionFactory(city=CityEditionFactory(name="Shanghai", slug="shanghai"), title="Summer Nights")
    return {
        "base": live_server.url,
        "regions": regions,
        "topics": topics,
        "edition": edition,
    }


@pytest.fixture
def open_page(browser_page):
    def visit(url: str, width: int, *, name: str = ""):
        page = browser_page(width=width, height=PHONE_SCREEN if width == PHONE else 800)
        page.add_init_script(CSP_LISTENER)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url, wait_until="load")
        page.errors = errors
        if SCREENSHOTS:
            folder = Path(SCREENSHOTS)
            folder.mkdir(parents=True, exist_ok=True)
            stem = name or urlparse(url).path.strip("/").replace("/", "_") or "home"
            page.screenshot(path=str(folder / f"front-{stem}-{width}.png"), full_page=True)
        return page

    return visit


def _assert_clean(page):
    assert page.evaluate("window.__cspViolations") == [], "Content Security Policy violations"
    assert page.errors == []


def test_home_shows_each_story_once_in_about_ten_phone_screens(magazine, open_page):
    page = open_page(magazine["base"] + "/", PHONE)
    links = page.evaluate(
        """(pattern) => Array.from(document.querySelectorAll("main a[href]"))
            .filter(a => a.getAttribute("aria-hidden") !== "true")
            .map(a => a.getAttribute("href"))
            .filter(href => new RegExp(pattern).test(href))""",
        ARTICLE_PATH,
    )
    counts = Counter(links)
    assert len(counts) >= 40, "a lead, the latest, eight region blocks, the most read and eight topic blocks"
    assert [url for url, n in counts.items() if n > 1] == [], "stories shown twice"
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 10 * PHONE_SCREEN, f"the front page is {height} px tall, {height / PHONE_SCREEN:.1f} phone screens"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    more = page.locator("main a.section-more").all_inner_texts()
    for name in ["Shanghai", "North China", "South China", *TOPICS]:
        assert any(text.startswith(f"More from {name}") for text in more), name
    _assert_clean(page)


def test_main_menu_fits_one_line_at_1280_and_opens_from_the_keyboard(magazine, open_page):
    page = open_page(magazine["base"] + "/", DESKTOP)
    boxes = page.evaluate(
        """Array.from(document.querySelectorAll(".site-nav .main-menu > .nav-item"))
            .map(item => item.getBoundingClientRect()).map(r => [r.top, r.height])"""
    )
    assert len(boxes) == 4  # Regions, Topics, Print edition, Newsletters
    assert len({round(top) for top, _ in boxes}) == 1, "the menu wraps onto a second line"
    menu_height = page.evaluate("document.querySelector('.site-nav .main-menu').getBoundingClientRect().height")
    assert menu_height <= max(height for _, height in boxes) + 1
    brand, search = (page.locator(sel).bounding_box() for sel in (".site-nav .site-brand", ".site-nav .site-search"))
    assert abs((brand["y"] + brand["height"] / 2) - (search["y"] + search["height"] / 2)) < 12, "one row"

    regions = page.locator(".site-nav summary", has_text="Regions")
    regions.focus()
    page.keyboard.press("Enter")
    panel = page.locator(".menu-panel-regions")
    panel.wait_for(state="visible")
    tianjin = panel.get_by_role("link", name="Tianjin")
    north = panel.get_by_role("link", name="North China")
    assert tianjin.is_visible()
    text_left = "(link) => { const r = document.createRange(); r.selectNodeContents(link); return r.getBoundingClientRect().left; }"
    assert tianjin.evaluate(text_left) > north.evaluate(text_left) + 8, "a child region is indented under its parent"
    assert tianjin.bounding_box()["y"] > north.bounding_box()["y"]
    assert tianjin.evaluate("(link) => link.closest('.menu-group').querySelector('.menu-link-parent').textContent") == "North China"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Shanghai"
    page.keyboard.press("Escape")
    assert not panel.is_visible()
    assert page.evaluate("document.activeElement.textContent.trim()") == "Regions"
    # Opening one disclosure closes the other.
    regions.click()
    page.locator(".site-nav summary", has_text="Topics").click()
    assert not panel.is_visible() and page.locator(".menu-panel-topics").is_visible()
    _assert_clean(page)


def test_every_region_and_the_archive_and_newsletters_are_in_the_phone_menu(magazine, open_page):
    page = open_page(magazine["base"] + "/", PHONE)
    page.locator(".navbar-toggler").click()
    page.wait_for_selector("#main-nav.show")
    for name in ("Print edition", "Newsletters"):
        page.locator("#main-nav").get_by_role("link", name=name, exact=True).wait_for(state="visible")
    page.locator("#main-nav summary", has_text="Regions").click()
    for region in magazine["regions"].values():
        assert page.locator("#main-nav .menu-panel-regions").get_by_role("link", name=region.name, exact=True).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    _assert_clean(page)


def test_menus_work_without_javascript(magazine, browser):
    context = browser.new_context(viewport={"width": DESKTOP, "height": 800}, java_script_enabled=False)
    page = context.new_page()
    page.goto(magazine["base"] + "/")
    page.locator(".site-nav summary", has_text="Regions").click()
    assert page.locator(".menu-panel-regions").get_by_role("link", name="Xiamen").is_visible()
    context.close()


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_print_edition_page_fits_the_screen_and_shows_no_download_count(magazine, open_page, width):
    page = open_page(magazine["base"] + magazine["edition"].get_absolute_url(), width, name="edition")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert "Downloaded" not in page.content() and "downloaded" not in page.content()
    _assert_clean(page)


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_site_and_region_pages_fit_the_screen(magazine, open_page, width):
    for path in ("/privacy/", magazine["regions"]["North China"].get_absolute_url()):
        page = open_page(magazine["base"] + path, width)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        assert page.locator("h1").count() == 1
        _assert_clean(page)
