"""Generated hostile input (hypothesis) against every public query parameter and form.

Whatever a reader sends — control characters, NUL, right-to-left overrides, zero-width
characters, very long strings, HTML and script payloads, SQL-ish quotes, percent-encodings,
template syntax, emoji — the site answers without a 500 and never echoes markup unescaped.

Each test builds its data once, then runs an inner ``@given`` function directly: every example
runs in a savepoint of the test's transaction (so a database error shows up as that example's
failure and leaves the next one a clean connection) with the cache cleared (so rate limits do
not hide the form handling behind a 429).
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from articles.tests.factories import ArticleFactory, AuthorFactory, RegionFactory, TopicFactory
from comments import spam
from comments import tokens as comment_tokens
from comments.models import Comment, CommentPolicy
from comments.tests.factories import CommentFactory
from magazine.tests.factories import CityEditionFactory, EditionFactory
from newsletter import tokens as newsletter_tokens
from newsletter.models import Newsletter
from newsletter.tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("HOSTILE_INPUT_EXAMPLES", "25"))
HYPOTHESIS = hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no example store in the work tree
    derandomize=os.environ.get("CI", "").lower() in {"1", "true", "yes"},  # CI: the same examples every run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "<xss-probe>probe</xss-probe>",
    '<a href="javascript:alert(1)">x</a>',
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<iframe src=//example.com></iframe>",
    "' OR '1'='1",
    '"; DROP TABLE articles_article; --',
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%00",
    "%",
    "%%",
    "{{ request.META }}",
    "{% debug %}",
    "${7*7}",
    "../../../../etc/passwd",
    "\x00",
    "\x1b[31m",
    "\r\nSet-Cookie: hacked=1",
    "\u202e",  # right-to-left override
    "\u200b\u200c\u200d\ufeff",  # zero-width characters, BOM
    "😀👍🏽🇨🇳",
    "上海 北京",
    "\U0010ffff",
    "9" * 30,
    "-1",
    "0",
    "1e308",
    "NaN",
    "2026-02-30",
    "9999-12-31",
    "0000-00-00",
]
hostile = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=80),
    st.lists(st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=12)), min_size=2, max_size=6).map("".join),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=6000),
)


# --- What counts as unescaped output.

class _Scanner(HTMLParser):
    """Collects the markup a payload could have smuggled into a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag in {"xss-probe", "iframe"}:
            self.found.append(f"<{tag}> element")
        if tag == "script":
            self._in_script = not any(name == "src" for name, _ in attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{name}=javascript: on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.found.append("inline script with alert(")


def assert_safe(response, payload: str = "") -> None:
    assert response.status_code < 500, f"{response.status_code} for {payload!r}"
    content_type = response.get("Content-Type", "")
    if "html" not in content_type:
        return
    html = response.content.decode("utf-8", "replace")
    assert "<script>alert" not in html, payload
    scanner = _Scanner()
    scanner.feed(html)
    assert not scanner.found, (scanner.found, payload)
    # No response header was split by a payload.
    assert "hacked" not in response.cookies


def _run(run):
    """One example in a savepoint, with the cache (rate limits, page cache) empty."""
    cache.clear()
    with transaction.atomic():
        run()


@pytest.fixture
def reader():
    return Client(raise_request_exception=False)


@pytest.fixture
def site(db, settings):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    region = RegionFactory(name="Shanghai", slug="shanghai")
    topic = TopicFactory(name="Food", slug="food")
    author = AuthorFactory(name="Lena Hoffmann", slug="lena-hoffmann")
    article = ArticleFactory(region=region, topic=topic, authors=[author], tags=["dumplings"])
    ArticleFactory.create_batch(3, region=region, topic=topic)
    city = CityEditionFactory(name="Shanghai", slug="shanghai")
    EditionFactory(city=city)
    newsletter, _ = Newsletter.objects.get_or_create(
        slug="7-days-in-china", defaults={"name": "7 Days in China", "is_default": True}
    )
    policy, _ = CommentPolicy.objects.get_or_create(pk=1)
    policy.mode = CommentPolicy.Mode.PUBLISH
    policy.save()
    return {"article": article, "region": region, "topic": topic, "author": author, "newsletter": newsletter}


# --- The checker itself finds what it is meant to find.

@pytest.mark.parametrize(
    "html",
    [
        "<p><script>alert(1)</script></p>",
        '<p><img src=x onerror="alert(1)"></p>',
        "<div><svg/onload=alert(1)></div>",
        "<xss-probe>x</xss-probe>",
        '<a href=" JavaScript:alert(1)">x</a>',
        "<iframe src=//example.com></iframe>",
    ],
)
def test_checker_catches_markup_echoed_unescaped(html):
    from django.http import HttpResponse

    with pytest.raises(AssertionError):
        assert_safe(HttpResponse(f"<!doctype html><html><body>{html}</body></html>"))


def test_checker_passes_the_same_markup_escaped():
    from django.http import HttpResponse
    from django.utils.html import escape

    payloads = "".join(PAYLOADS)
    assert_safe(HttpResponse(f"<!doctype html><html><body><p>{escape(payloads)}</p></body></html>"))


# --- Query parameters of the reader pages.

def test_query_parameters_of_every_reader_page(site, reader):
    pages = {
        "/": ["page", "x"],
        site["article"].get_absolute_url(): ["page", "utm_source"],
        site["region"].get_absolute_url(): ["page"],
        site["topic"].get_absolute_url(): ["page"],
        reverse("articles:region_topic", args=["shanghai", "food"]): ["page"],
        site["author"].get_absolute_url(): ["page"],
        reverse("articles:tag", args=["dumplings"]): ["page"],
        "/magazine/": ["city", "year", "page"],
        "/newsletter/": ["list"],
        "/search/": ["q", "region", "topic", "date_from", "date_to", "page"],
        "/feeds/latest/rss/": ["page"],
        "/sitemap.xml": ["p"],
    }

    @HYPOTHESIS
    @given(url=st.sampled_from(sorted(pages)), values=st.lists(hostile, min_size=1, max_size=6))
    def check(url, values):
        names = pages[url]
        params = {names[i % len(names)]: value for i, value in enumerate(values)}

        def run():
            assert_safe(reader.get(url, params), repr(params))

        _run(run)

    check()


def test_search_words_are_shown_back_escaped(site, reader):
    @HYPOTHESIS
    @given(words=hostile)
    def check(words):
        def run():
            response = reader.get("/search/", {"q": words, "date_from": words, "region": words})
            assert_safe(response, words)

        _run(run)

    check()


def test_hostile_path_segments(site, reader):
    templates = [
        "/region/{}/",
        "/topic/{}/",
        "/tag/{}/",
        "/author/{}/",
        "/magazine/{}/2026-01/",
        "/newsletter/{}/",
        "/shanghai/2026/01/01/{}/",
        "/comments/confirm/{}/",
        "/newsletter/confirm/{}/",
        "/newsletter/preferences/{}/",
        "/newsletter/unsubscribe/{}/",
        "/newsletter/issues/{}/",
    ]

    @HYPOTHESIS
    @given(template=st.sampled_from(templates), segment=hostile.filter(lambda s: s.strip("/") != ""))
    def check(template, segment):
        def run():
            assert_safe(reader.get(template.format(quote(segment, safe=""))), segment)

        _run(run)

    check()


def test_hostile_numbers_in_numeric_path_segments(site, reader):
    """Ids in paths are digits only, but of any length: past every integer range, too."""
    gets = ["/comments/{}/reply/", "/share/{}/wechat.svg", "/preview/{}/"]
    posts = ["/share/{}/", "/comments/{}/flag/", "/comments/post/{}/"]

    @HYPOTHESIS
    @given(
        template=st.sampled_from(gets + posts),
        number=st.one_of(st.from_regex(r"[0-9]{1,40}", fullmatch=True), st.sampled_from(["0", "9" * 30, "18446744073709551616"])),
        network=hostile,
    )
    def check(template, number, network):
        def run():
            url = template.format(number)
            response = reader.post(url, {"network": network}) if template in posts else reader.get(url)
            assert_safe(response, url)

        _run(run)

    check()


# --- Forms.

def test_comment_form_posts_and_the_article_page_shows_them_escaped(site, reader):
    article = site["article"]
    url = reverse("comments:post", args=[article.pk])

    published = []

    @HYPOTHESIS
    @given(
        name=hostile,
        email=st.one_of(hostile, st.just("reader@example.com")),
        body=hostile,
        parent=st.one_of(st.just(""), hostile),
    )
    # Input certain to be accepted, so the published comment's page is checked too.
    @example(name="<script>alert(1)</script>", email="reader@example.com", body='"><img src=x onerror=alert(1)>', parent="")
    @example(name="Li ‮Wei", email="reader@example.com", body="<xss-probe>hi</xss-probe> javascript:alert(1)", parent="")
    def check(name, email, body, parent):
        def run():
            data = {
                "name": name,
                "email": email,
                "body": body,
                "parent": parent,
                "timestamp": spam.form_timestamp(article_id=article.pk),
                "website": "",
            }
            posted = reader.post(url, data)
            assert_safe(posted, repr(data))
            if posted.status_code == 302:
                published.append(data)
            page = reader.get(article.get_absolute_url())
            assert_safe(page, repr(data))

        _run(run)

    check()
    assert len(published) >= 2  # at least the explicit examples went through to the page


def test_a_published_hostile_comment_is_escaped_on_the_article_page(site, reader):
    """The same, with input that is certain to pass the form: every payload as a comment."""
    article = site["article"]

    @HYPOTHESIS
    @given(body=st.sampled_from(PAYLOADS).filter(lambda p: p.strip("\x00 \r\n") and "\x00" not in p), name=hostile)
    def check(body, name):
        def run():
            CommentFactory(article=article, body=f"Said: {body}", name=name.replace("\x00", "")[:80] or "x")
            assert_safe(reader.get(article.get_absolute_url()), body)

        _run(run)

    check()


def test_newsletter_sign_up_form(site, reader):
    url = reverse("newsletter:subscribe")

    @HYPOTHESIS
    @given(
        email=st.one_of(hostile, hostile.map(lambda s: f"{s}@example.org")),
        newsletters=st.lists(hostile, max_size=3),
        consent=hostile,
        source=hostile,
        page=hostile,
    )
    def check(email, newsletters, consent, source, page):
        def run():
            data = {"email": email, "newsletters": newsletters, "consent": consent, "source": source, "page": page}
            assert_safe(reader.post(url, data), repr(data))

        _run(run)

    check()


def test_newsletter_preference_centre_form(site, reader):
    subscriber = SubscriberFactory(lists=[site["newsletter"]])
    token = newsletter_tokens.preferences_token(subscriber)
    urls = [
        reverse("newsletter:preferences", args=[token]),
        reverse("newsletter:preferences_unsubscribe", args=[token]),
        reverse("newsletter:preferences_resubscribe", args=[token]),
    ]

    @HYPOTHESIS
    @given(
        url=st.sampled_from(urls),
        newsletters=st.lists(hostile, max_size=3),
        regions=st.lists(hostile, max_size=3),
        topics=st.lists(hostile, max_size=3),
        fmt=hostile,
        newsletter=hostile,
    )
    def check(url, newsletters, regions, topics, fmt, newsletter):
        def run():
            data = {"newsletters": newsletters, "regions": regions, "topics": topics, "format": fmt, "newsletter": newsletter}
            response = reader.post(url, data)
            assert_safe(response, repr(data))
            if response.status_code == 400:
                assert_safe(reader.get(urls[0]), repr(data))

        _run(run)

    check()


def test_one_click_unsubscribe_and_comment_mail_links_with_hostile_bodies(site, reader):
    subscriber = SubscriberFactory(lists=[site["newsletter"]])
    comment = CommentFactory(article=site["article"], state=Comment.State.PENDING, email="w@example.com")
    urls = [reverse("newsletter:unsubscribe", args=[newsletter_tokens.unsubscribe_token(subscriber)])] + [
        f"/comments/{purpose}/{comment_tokens.make_token(purpose=purpose, comment_id=comment.pk, email=comment.email)}/"
        for purpose in ("confirm", "unsubscribe")
    ]

    @HYPOTHESIS
    @given(url=st.sampled_from(urls), field=hostile, value=hostile)
    def check(url, field, value):
        def run():
            assert_safe(reader.post(url, {field: value, "List-Unsubscribe": value}), repr((field, value)))

        _run(run)

    check()


def test_share_and_flag_posts(site, reader):
    article = site["article"]
    comment = CommentFactory(article=article)
    share = reverse("articles:share", args=[article.pk])
    flag = f"/comments/{comment.pk}/flag/"

    @HYPOTHESIS
    @given(url=st.sampled_from([share, flag]), network=hostile, extra=hostile)
    def check(url, network, extra):
        def run():
            response = reader.post(url, {"network": network, "reason": extra, "note": network})
            assert_safe(response, repr((network, extra)))
            if url == share:
                assert response["Content-Type"].startswith("application/json")
                assert response.status_code in (200, 400, 429)

        _run(run)

    check()


def test_admin_sign_in_form(site, reader):
    @HYPOTHESIS
    @given(username=hostile, password=hostile, next_url=hostile)
    def check(username, password, next_url):
        def run():
            data = {"username": username, "password": password, "next": next_url}
            response = reader.post("/admin/login/", data)
            assert_safe(response, repr(data))
            if response.status_code == 302:  # only a real sign-in redirects, and never off-site
                raise AssertionError(f"signed in with {data!r}")

        _run(run)

    check()


# --- Every numeric parameter of every public view.

# Digits int() reads ("٣" is 3), digits it refuses although str.isdigit() accepts them ("²"),
# numbers past every integer range, negatives, years a date cannot have, and number-like text.
NUMBER_PAYLOADS = [
    "²", "³", "¹", "²²²²", "٣", "੩", "𝟗", "１", "٢٠٢٦", "２０２６", "߂߀߂߆", "½", "Ⅻ", "∞",
    "0", "00", "0000", "-0", "-1", "+1", "01", " 2 ", "1.0", "1.5", "1e3", "1_000", "0x10", "NaN", "inf",
    "9" * 19, "9" * 30, "9" * 5000, "18446744073709551616", "-9223372036854775809", "2147483648",
    "10000", "99999", "-2026", "0001",
]
OTHER_SCRIPT_DIGITS = "²³¹٠١٢٣۰۱۲੦੧੨੩०१२৩௩๓༣၃០᠓߂𝟎𝟗𝟘𝟡𝟬０１９"
numeric = st.one_of(
    st.sampled_from(NUMBER_PAYLOADS),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.integers(min_value=-99_999, max_value=99_999).map(lambda n: f"{n:04d}"),  # years in and out of range
    st.text(alphabet=st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=8),  # digits of every script
    st.text(alphabet=st.sampled_from(OTHER_SCRIPT_DIGITS + "0123456789-+. "), min_size=1, max_size=8),
    st.text(max_size=20),
)


def test_every_numeric_query_parameter_of_the_reader_pages(site, reader, settings):
    """page, comments_page, year and p (sitemaps), alone or together, with the page cache on."""
    settings.PAGE_CACHE_ENABLED = True
    article = site["article"]
    CommentFactory.create_batch(2, article=article)
    pages = {
        article.get_absolute_url(): ["comments_page"],
        site["region"].get_absolute_url(): ["page"],
        site["topic"].get_absolute_url(): ["page"],
        reverse("articles:region_topic", args=["shanghai", "food"]): ["page"],
        site["author"].get_absolute_url(): ["page"],
        reverse("articles:tag", args=["dumplings"]): ["page"],
        "/magazine/": ["year", "page"],
        "/magazine/?city=shanghai": ["year", "page"],
        "/search/?q=dumplings": ["page"],
        "/search/": ["page"],
        **{
            reverse("django.contrib.sitemaps.views.sitemap", kwargs={"section": section}): ["p"]
            for section in ("articles", "regions", "topics", "authors")
        },
        reverse("news_sitemap"): ["p"],
    }

    @HYPOTHESIS
    @given(url=st.sampled_from(sorted(pages)), values=st.lists(numeric, min_size=1, max_size=3))
    @example(url="/magazine/", values=["²²²²"])
    @example(url="/magazine/", values=["0000"])
    @example(url="/magazine/?city=shanghai", values=["٢٠٢٦", "𝟗"])
    @example(url=article.get_absolute_url(), values=["੩"])
    @example(url=reverse("django.contrib.sitemaps.views.sitemap", kwargs={"section": "articles"}), values=["9" * 5000])
    def check(url, values):
        names = pages[url]
        params = {names[i % len(names)]: value for i, value in enumerate(values)}

        def run():
            response = reader.get(url, params)
            assert_safe(response, repr((url, params)))
            assert response.status_code in (200, 404), (url, params, response.status_code)

        _run(run)

    check()


def test_every_numeric_post_field_of_the_reader_forms(site, reader):
    """newsletter (the preference centre's list buttons), parent (a reply), and the ids of
    lists, regions and topics in the sign-up and preference forms."""
    article = site["article"]
    parent = CommentFactory(article=article)
    subscriber = SubscriberFactory(lists=[site["newsletter"]])
    token = newsletter_tokens.preferences_token(subscriber)
    forms = {
        reverse("newsletter:preferences_unsubscribe", args=[token]): (["newsletter"], {}),
        reverse("newsletter:preferences_resubscribe", args=[token]): (["newsletter"], {}),
        reverse("newsletter:preferences", args=[token]): (["newsletters", "regions", "topics"], {"format": "html"}),
        reverse("newsletter:subscribe"): (["newsletters"], {"email": "reader@example.org", "consent": "on"}),
        reverse("comments:post", args=[article.pk]): (
            ["parent"],
            {"name": "Li Wei", "email": "li@example.org", "body": "A reply.", "website": ""},
        ),
    }

    @HYPOTHESIS
    @given(url=st.sampled_from(sorted(forms)), values=st.lists(numeric, min_size=1, max_size=3))
    @example(url=reverse("newsletter:preferences_unsubscribe", args=[token]), values=["²"])
    @example(url=reverse("newsletter:preferences_resubscribe", args=[token]), values=["²"])
    @example(url=reverse("comments:post", args=[article.pk]), values=["٣"])
    @example(url=reverse("comments:post", args=[article.pk]), values=[str(parent.pk)])
    def check(url, values):
        names, fixed = forms[url]
        data = {**fixed, **{name: [] for name in names}}
        for i, value in enumerate(values):
            data[names[i % len(names)]].append(value)  # several values of one field: a list of ids
        if url.startswith("/comments/"):
            data["timestamp"] = spam.form_timestamp(article_id=article.pk)

        def run():
            response = reader.post(url, data)
            assert_safe(response, repr((url, data)))
            assert response.status_code in (200, 302, 400, 404), (url, data, response.status_code)

        _run(run)

    check()
