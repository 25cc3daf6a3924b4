"""Bad input at the door: floods of requests to one URL, huge query strings, cache-busting
parameters, bogus conditional headers. None of it answers 500, and none of it grows the page
cache beyond one entry per real page."""

import random
import string

import pytest
from django.core.cache import cache
from django.test import Client

from articles.tests.factories import ArticleFactory, RegionFactory, TopicFactory
from magazine.pagecache import cache_key
from magazine.tests.factories import CityEditionFactory, EditionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True


@pytest.fixture
def site(db):
    region = RegionFactory(name="Shanghai", slug="shanghai")
    topic = TopicFactory(name="Food", slug="food")
    articles = ArticleFactory.create_batch(14, region=region, topic=topic)
    city = CityEditionFactory(name="Shanghai", slug="shanghai")
    EditionFactory(city=city)
    return {"article": articles[0], "region": region, "topic": topic, "city": city}


def page_cache_entries() -> set[str]:
    """The page-cache keys stored right now, read from the cache backend itself."""
    backend = cache._cache if hasattr(cache, "_cache") else None
    if isinstance(backend, dict):  # local memory
        return {k for k in backend if ":page:" in k}
    client = cache._cache.get_client(write=False)  # Redis
    return {k.decode() for k in client.keys(cache.make_and_validate_key("page:*"))}


def _junk(rng, size):
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(size))


def _urls(site):
    return [
        "/",
        site["article"].get_absolute_url(),
        site["region"].get_absolute_url(),
        site["topic"].get_absolute_url(),
        "/magazine/",
    ]


def test_a_flood_to_one_url_with_cache_busting_parameters_keeps_one_cache_entry(site):
    rng = random.Random(7)
    client = Client(raise_request_exception=False)
    url = site["region"].get_absolute_url()
    statuses = set()
    for n in range(300):
        params = {"x": _junk(rng, 12), "utm_source": _junk(rng, 6), f"p{n}": "1"}
        statuses.add(client.get(url, params).status_code)
    assert statuses == {200}
    assert len(page_cache_entries()) == 1


def test_a_flood_across_the_reader_pages_stores_one_entry_per_real_page(site):
    rng = random.Random(11)
    client = Client(raise_request_exception=False)
    urls = _urls(site)
    statuses = []
    for n in range(300):
        url = urls[n % len(urls)]
        statuses.append(client.get(url, {"x": _junk(rng, 8), "fbclid": _junk(rng, 20)}).status_code)
    assert set(statuses) == {200}
    assert len(page_cache_entries()) == len(urls)


@pytest.mark.parametrize(
    "page",
    ["01", "001", "0002", " 2", "2 ", "+2", "2.0", "2.00", "2e0", "2_0", "１", "last", "-1", "0", "9" * 40],
)
def test_odd_spellings_of_a_page_number_never_add_page_cache_entries(site, page):
    """Paginators accept "01", "+2", "2.0", "last" … as page numbers; each spelling must not
    become a cache entry of its own, or a loop over spellings fills the cache."""
    client = Client(raise_request_exception=False)
    url = site["region"].get_absolute_url()
    client.get(url)
    client.get(url, {"page": "2"})
    before = page_cache_entries()
    response = client.get(url, {"page": page})
    assert response.status_code in (200, 404)
    assert page_cache_entries() == before


def test_long_known_parameters_do_not_share_a_cache_entry_with_another_value():
    """Values are keyed in full: two values alike in their first characters are two pages."""
    from django.test import RequestFactory

    factory = RequestFactory()
    first = factory.get("/magazine/", {"city": "a-very-long-city-edition-slug-north"})
    second = factory.get("/magazine/", {"city": "a-very-long-city-edition-slug-south"})
    assert cache_key(first) != cache_key(second)


def test_huge_query_strings_get_an_answer_not_an_error(site):
    client = Client(raise_request_exception=False)
    junk = _junk(random.Random(3), 50_000)
    for url in _urls(site):
        for params in ({"x": junk}, {"page": junk}, {"q": junk}, {"city": junk, "year": junk}):
            response = client.get(url, params)
            assert response.status_code in (200, 400, 404), (url, list(params))
    many = "&".join(f"k{n}=v" for n in range(5_000))  # more fields than Django parses by default
    response = client.get(f"/?{many}")
    assert response.status_code in (200, 400)
    assert len(page_cache_entries()) <= len(_urls(site))


def test_huge_query_string_on_search_is_answered(site):
    client = Client(raise_request_exception=False)
    response = client.get("/search/", {"q": "dumplings " * 5_000})
    assert response.status_code in (200, 400)


BOGUS_ETAGS = [
    '"bogus"',
    "garbage",
    "W/",
    'W/"',
    '"unterminated',
    "*, *, *",
    ", , ,",
    '"a", ' * 2_000 + '"b"',
    "\x7f\x01",
    "é" * 100,
]


@pytest.mark.parametrize("etag", BOGUS_ETAGS, ids=range(len(BOGUS_ETAGS)))
def test_bogus_if_none_match_gets_the_page_or_a_304_never_an_error(site, etag):
    client = Client(raise_request_exception=False)
    url = site["region"].get_absolute_url()
    client.get(url)
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code in (200, 304)
    if response.status_code == 200:
        assert response["X-Page-Cache"] == "hit"


@pytest.mark.parametrize(
    "since", ["yesterday", "Sun, 99 Foo 9999 99:99:99 GMT", "0", "-1", "Mon, 01 Jan 1900 00:00:00 GMT", "9" * 500]
)
def test_bogus_if_modified_since_gets_the_page(site, since):
    client = Client(raise_request_exception=False)
    client.get("/")
    response = client.get("/", HTTP_IF_MODIFIED_SINCE=since)
    assert response.status_code in (200, 304)


def test_conditional_requests_for_a_cached_page_cost_no_query(site, django_assert_num_queries):
    """A client repeating conditional requests (slowly or not) is answered from the cache."""
    client = Client()
    url = site["region"].get_absolute_url()
    etag = client.get(url)["ETag"]
    with django_assert_num_queries(0):
        for _ in range(20):
            assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
            assert client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_a_304_carries_the_etag_and_no_body(site):
    client = Client()
    first = client.get("/")
    again = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


@pytest.mark.parametrize(
    "url",
    ["/magazine/?city=%00", "/newsletter/?list=%00", "/magazine/?year=2026&city=shang%00hai", "/search/?q=%00", "/?%00=1"],
)
def test_a_nul_character_in_the_query_string_is_a_400_not_a_500(site, url):
    """Regression (found by tests/test_hostile_input.py on PostgreSQL): a lookup by a query
    parameter holding NUL raised DataError there, a 500 instead of a 404."""
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


@pytest.mark.parametrize("bad_id", ["9" * 30, "18446744073709551616", "-1", "1.5", "１", " 1e9"])
def test_out_of_range_or_odd_list_ids_get_the_form_again_not_a_500(site, bad_id):
    """Regression (found by tests/test_hostile_input.py on SQLite): an id past the database's
    integer range in a newsletter form raised OverflowError, a 500."""
    from django.urls import reverse

    from newsletter import tokens
    from newsletter.models import Newsletter
    from newsletter.tests.factories import SubscriberFactory

    weekly, _ = Newsletter.objects.get_or_create(slug="7-days-in-china", defaults={"name": "7 Days", "is_default": True})
    client = Client(raise_request_exception=False)
    signup = client.post(
        reverse("newsletter:subscribe"), {"email": "kept@example.org", "consent": "on", "newsletters": [bad_id]}
    )
    assert signup.status_code == 400
    assert 'value="kept@example.org"' in signup.content.decode()

    subscriber = SubscriberFactory(lists=[weekly])
    url = reverse("newsletter:preferences", args=[tokens.preferences_token(subscriber)])
    for field in ("newsletters", "regions", "topics"):
        response = client.post(url, {field: [bad_id], "format": "html"})
        assert response.status_code == 400, field


@pytest.mark.parametrize("year", ["²²²²", "0000", "٢٠٢٦x", "-2026", "99999", "2026.5", "9" * 5000])
def test_a_year_that_is_no_year_is_a_404_not_a_500(site, year):
    """Regression: ``str.isdigit()`` let "²²²²" through to ``int()``, which refused it, and
    "0000" reached the database as year 0, out of a date's range: both answered 500."""
    response = Client(raise_request_exception=False).get("/magazine/", {"year": year})
    assert response.status_code == 404
    assert "couldn" in response.content.decode()  # the site's own 404 page


@pytest.mark.parametrize("year", ["٢٠٢٦", "２０２６", "2026"])
def test_a_year_in_other_digits_is_read_as_that_year(site, year):
    response = Client(raise_request_exception=False).get("/magazine/", {"year": year})
    assert response.status_code == 200
    assert response.context["year"] == 2026


@pytest.mark.parametrize("view", ["newsletter:preferences_unsubscribe", "newsletter:preferences_resubscribe"])
@pytest.mark.parametrize("value", ["²", "٣", "𝟗", "-1", "0", "9" * 30, "1.0", "x"])
def test_a_list_button_naming_no_list_shows_the_preferences_again_not_a_500(site, view, value):
    """Regression: a POST of newsletter=² to a valid preference-centre link answered 500
    (``"²".isdigit()`` is true, ``int("²")`` raises)."""
    from django.urls import reverse

    from newsletter import tokens
    from newsletter.models import Newsletter, Subscription
    from newsletter.tests.factories import SubscriberFactory

    weekly, _ = Newsletter.objects.get_or_create(slug="7-days-in-china", defaults={"name": "7 Days", "is_default": True})
    subscriber = SubscriberFactory(lists=[weekly])
    before = list(Subscription.objects.filter(subscriber=subscriber).values_list("newsletter_id", "state"))
    response = Client(raise_request_exception=False).post(
        reverse(view, args=[tokens.preferences_token(subscriber)]), {"newsletter": value}
    )
    assert response.status_code == 404
    html = response.content.decode()
    assert "That newsletter does not exist (any more). Nothing was changed." in html
    assert "Your newsletter preferences" in html
    assert list(Subscription.objects.filter(subscriber=subscriber).values_list("newsletter_id", "state")) == before


ODD_NUMBERS = ["01", "+2", " 2", "2.0", "2e0", "١", "²", "𝟗", "0", "-1", "9" * 40, "1000000"]


@pytest.mark.parametrize("value", ODD_NUMBERS)
@pytest.mark.parametrize("where", ["comments_page", "p", "year", "archive page"])
def test_odd_spellings_of_every_keyed_number_add_no_page_cache_entries(site, settings, monkeypatch, where, value):
    """Every numeric parameter in a page-cache key: any spelling but the one cached is answered
    (the page, or a 404) and stored nowhere."""
    from django.urls import reverse

    from articles.sitemaps import ArticleSitemap
    from comments.tests.factories import CommentFactory

    settings.COMMENTS_PER_PAGE = 1
    monkeypatch.setattr(ArticleSitemap, "limit", 5)
    CommentFactory.create_batch(2, article=site["article"])
    url, name = {
        "comments_page": (site["article"].get_absolute_url(), "comments_page"),
        "p": (reverse("django.contrib.sitemaps.views.sitemap", kwargs={"section": "articles"}), "p"),
        "year": ("/magazine/", "year"),
        "archive page": ("/magazine/", "page"),
    }[where]
    client = Client(raise_request_exception=False)
    client.get(url)
    before = page_cache_entries()
    response = client.get(url, {name: value})
    assert response.status_code in (200, 404)
    assert response.get("X-Page-Cache") is None
    assert page_cache_entries() == before
