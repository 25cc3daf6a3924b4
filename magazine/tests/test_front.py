"""The reader's way in: the front page, the menus, the site pages and the print-edition page."""

import datetime
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from articles.selectors import FRONT_REGION_PER, FRONT_SECONDARY, FRONT_TOPIC_PER
from articles.tests.factories import ArticleFactory, RegionFactory, UserFactory
from articles.tests.test_views import build_magazine
from magazine import services
from magazine.models import SitePage
from magazine.tests.factories import CityEditionFactory, EditionFactory

pytestmark = pytest.mark.django_db

ARTICLE_URL = re.compile(r"^/[-\w]+/\d{4}/\d{2}/\d{2}/[-\w]+/$")
SITE_PAGES = ["about", "contact", "advertise", "privacy", "terms"]


class _Links(HTMLParser):
    """The links a reader can follow (not the pictures' duplicates hidden from screen readers),
    and which landmark each sits in."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (landmark, href)
        self._landmarks: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"header", "main", "footer"}:
            self._landmarks.append(tag)
        if tag == "a" and attrs.get("aria-hidden") != "true" and attrs.get("href"):
            self.links.append((self._landmarks[-1] if self._landmarks else "", attrs["href"]))

    def handle_endtag(self, tag):
        if tag in {"header", "main", "footer"} and self._landmarks:
            self._landmarks.pop()


def _links(html: str, landmark: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return [href for where, href in parser.links if where == landmark]


def _story_links(html: str) -> Counter:
    return Counter(href for href in _links(html, "main") if ARTICLE_URL.match(href))


def test_no_story_appears_twice_on_the_home_page(client):
    build_magazine(30)  # two regions, two topics
    html = client.get("/").content.decode()
    stories = _story_links(html)
    repeated = {url: n for url, n in stories.items() if n > 1}
    assert repeated == {}, f"{len(repeated)} stories appear more than once"
    # the lead, the latest, then full region and topic blocks
    assert len(stories) == 1 + FRONT_SECONDARY + 2 * FRONT_REGION_PER + 2 * FRONT_TOPIC_PER


def test_home_page_blocks_link_to_their_region_and_topic_pages(client):
    mag = build_magazine(40)
    html = client.get("/").content.decode()
    main = _links(html, "main")
    for term in mag["regions"] + mag["topics"]:
        assert f"More from {escape(term.name)}" in html
        assert term.get_absolute_url() in main
    assert html.count("<h1") == 1


def test_home_page_query_count_stays_flat_as_the_site_grows(client, django_assert_max_num_queries):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (10, 70):
        build_magazine(size)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[0] <= 9, counts  # 9 before the front page was rebuilt


def test_every_region_with_stories_is_in_the_header_menu_with_children_under_their_parent(client):
    north = RegionFactory(name="North China", slug="north-china", ordering=70)
    tianjin = RegionFactory(name="Tianjin", slug="tianjin", ordering=71, parent=north)
    shanghai = RegionFactory(name="Shanghai", slug="shanghai", ordering=10)
    for region in (north, tianjin, shanghai):
        ArticleFactory(region=region)
    html = client.get("/").content.decode()
    header = _links(html, "header")
    for region in (north, tianjin, shanghai):
        assert region.get_absolute_url() in header, region.name
    menu = html[html.index('class="menu-panel menu-panel-regions'):]
    group = menu[menu.index(north.get_absolute_url()):menu.index("</li>", menu.index(tianjin.get_absolute_url()))]
    assert 'class="menu-children' in group and tianjin.get_absolute_url() in group
    assert reverse("edition_archive") in header and reverse("newsletter:signup") in header


def test_a_new_child_region_reaches_the_cached_menus_at_once(client, settings, django_capture_on_commit_callbacks):
    settings.PAGE_CACHE_ENABLED = True
    from articles import services as article_services

    south = RegionFactory(name="South China", slug="south-china")
    ArticleFactory(region=south)
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        xiamen = RegionFactory(name="Xiamen", slug="xiamen", parent=south)
        article_services.taxonomy_changed(term=xiamen)
    assert xiamen.get_absolute_url() in _links(client.get("/").content.decode(), "header")


@pytest.mark.parametrize("slug", SITE_PAGES)
def test_site_pages_exist_from_the_start_and_are_linked_from_every_footer(client, slug):
    ArticleFactory()
    response = client.get(f"/{slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1 and "<h2" in html  # the Markdown's headings start below the title
    for page in ("/", reverse("edition_archive"), f"/{slug}/"):
        assert f"/{slug}/" in _links(client.get(page).content.decode(), "footer")


def test_the_privacy_policy_says_what_the_site_stores():
    text = SitePage.objects.get(slug="privacy").body.lower()
    for stored in ("email address", "comment", "csrftoken", "sessionid", "page views", "no third-party trackers"):
        assert stored in text


def test_an_unknown_page_is_a_404(client):
    assert client.get("/no-such-page/").status_code == 404


def test_site_page_slug_may_not_take_another_address():
    page = SitePage(title="Search", slug="search", body="x")
    with pytest.raises(ValidationError) as error:
        services.site_page_save(page=page)
    assert "slug" in error.value.message_dict


def test_an_edited_site_page_is_served_at_once_from_the_page_cache(client, settings, django_capture_on_commit_callbacks):
    settings.PAGE_CACHE_ENABLED = True
    client.get("/about/")
    assert client.get("/about/")["X-Page-Cache"] == "hit"
    page = SitePage.objects.get(slug="about")
    page.body = "We moved to **Suzhou**."
    with django_capture_on_commit_callbacks(execute=True):
        services.site_page_save(page=page)
    html = client.get("/about/").content.decode()
    assert "<strong>Suzhou</strong>" in html
    page.title = "Who we are"
    with django_capture_on_commit_callbacks(execute=True):
        services.site_page_save(page=page)
    assert "Who we are" in client.get("/").content.decode()  # the footer of every page follows


def test_site_page_bodies_are_sanitised(client, django_capture_on_commit_callbacks):
    page = SitePage.objects.get(slug="terms")
    page.body = '<script>alert(1)</script>\n\n[x](javascript:alert(1)) **ok**'
    with django_capture_on_commit_callbacks(execute=True):
        services.site_page_save(page=page)
    html = client.get("/terms/").content.decode()
    body = html[html.index('class="site-page-body"') :]
    assert "<script>" not in body and 'href="javascript' not in body and "<strong>ok</strong>" in body


def test_site_pages_are_in_the_sitemap(client):
    index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-pages.xml" in index
    pages = client.get("/sitemap-pages.xml").content.decode()
    for slug in SITE_PAGES:
        assert f"/{slug}/</loc>" in pages


def test_editors_add_change_and_delete_site_pages_in_the_admin(client):
    editor = UserFactory(groups=["Editor"])
    client.force_login(editor)
    listing = client.get(reverse("admin:magazine_sitepage_changelist"))
    assert listing.status_code == 200 and "Privacy policy" in listing.content.decode()

    add = client.post(
        reverse("admin:magazine_sitepage_add"),
        {"title": "Jobs", "slug": "jobs", "body": "## Reporters wanted\n\nWrite to us.", "ordering": 60},
    )
    assert add.status_code == 302, add.content.decode()[:2000]
    page = SitePage.objects.get(slug="jobs")
    assert "<h2>Reporters wanted</h2>" in page.body_html
    client.logout()
    assert "Reporters wanted" in client.get("/jobs/").content.decode()

    client.force_login(editor)
    change = client.post(
        reverse("admin:magazine_sitepage_change", args=[page.pk]),
        {"title": "Jobs", "slug": "jobs", "body": "No openings now.", "ordering": 60},
    )
    assert change.status_code == 302
    taken = client.post(
        reverse("admin:magazine_sitepage_change", args=[page.pk]),
        {"title": "Jobs", "slug": "magazine", "body": "No openings now.", "ordering": 60},
    )
    assert taken.status_code == 200 and "already the address of another part of the site" in taken.content.decode()
    assert "No openings now." in taken.content.decode()  # what was typed is kept
    delete = client.post(reverse("admin:magazine_sitepage_delete", args=[page.pk]), {"post": "yes"})
    assert delete.status_code == 302
    client.logout()
    assert client.get("/jobs/").status_code == 404


def _email_forms_without_privacy_link(html: str) -> list[str]:
    """Each form with an email field must link to the privacy policy, inside it or just after."""
    privacy = reverse("site_page", args=["privacy"])
    missing = []
    for match in re.finditer(r"<form\b.*?</form>", html, re.DOTALL):
        if not re.search(r'name="email"', match.group(0)):
            continue
        if privacy not in html[match.start() : match.end() + 400]:
            missing.append(match.group(0)[:120])
    return missing


def test_every_form_that_asks_for_an_email_address_links_to_the_privacy_policy(client):
    mag = build_magazine(6)
    article = mag["articles"][0]
    pages = ["/", article.get_absolute_url(), reverse("newsletter:signup"), reverse("edition_archive"), "/about/"]
    checked = 0
    for url in pages:
        html = client.get(url).content.decode()
        assert _email_forms_without_privacy_link(html) == [], url
        checked += len(re.findall(r'<form\b[^>]*>(?:(?!</form>).)*name="email"', html, re.DOTALL))
    # The comment form's own page, shown again when a comment needs fixing.
    response = client.post(reverse("comments:post", args=[article.pk]), {"name": "", "email": "x", "body": ""})
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert 'name="email"' in html and _email_forms_without_privacy_link(html) == []
    assert checked >= 6  # home promo, article promo, comment form and footers, signup page, …


def test_edition_download_counts_are_for_staff_only(client):
    city = CityEditionFactory(name="Shanghai", slug="shanghai")
    edition = EditionFactory(city=city, issue_month=datetime.date(2026, 10, 1))
    assert "Downloaded" not in client.get(edition.get_absolute_url()).content.decode()
    client.force_login(UserFactory(is_staff=True))
    assert "downloaded 0 times" in client.get(edition.get_absolute_url()).content.decode()
