"""Every public POST is rate-limited: past its limit a reader gets a clear refusal (429, or the
form again with the reason and what they typed), nothing changes, and other readers are not
affected. Admin sign-in is covered by tests/test_admin_lockout.py (django-axes)."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from articles.tests.factories import ArticleFactory, RegionFactory
from comments import tokens as comment_tokens
from comments.models import Comment, CommentFlag
from comments.tests.factories import CommentFactory
from comments.tests.helpers import form_data, post_url
from magazine import ratelimit
from newsletter import tokens as newsletter_tokens
from newsletter.models import Newsletter, Subscriber
from newsletter.tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db

READER = "198.51.100.30"
OTHER_READER = "203.0.113.31"


@pytest.fixture(autouse=True)
def _quick_forms(settings):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@dataclass
class Endpoint:
    """``setup()`` makes the data and returns (url, POST data for attempt n); ``limit(settings, n)``
    sets the endpoint's limit to n; ``refused(response)`` checks the answer past the limit."""

    setup: Callable
    limit: Callable
    refused: Callable
    changed: Callable = lambda: None  # what the refused request must not have changed


def _limit(purpose):
    def set_limit(settings, n):
        settings.RATE_LIMITS = {purpose: (n, 600)}

    return set_limit


def _shared_page(response):
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert int(response["Retry-After"]) == 600


def _comment_link(purpose):
    def setup():
        comment = CommentFactory(state=Comment.State.PENDING, email="writer@example.com")
        token = comment_tokens.make_token(purpose=purpose, comment_id=comment.pk, email=comment.email)
        return f"/comments/{purpose}/{token}/", lambda n: {}

    return setup


def _newsletter():
    newsletter, _ = Newsletter.objects.get_or_create(
        slug="7-days-in-china", defaults={"name": "7 Days in China", "is_default": True}
    )
    return newsletter


def _subscriber(**kwargs):
    return SubscriberFactory(lists=[_newsletter()], **kwargs)


def _comment_post_setup():
    article = ArticleFactory()
    return post_url(article), lambda n: form_data(article, email=f"r{n}@example.com", body=f"My typed text {n}")


def _comment_post_refused(response):
    html = response.content.decode()
    assert response.status_code == 400
    assert "Too many comments from your connection" in html
    assert "My typed text" in html


def _flag_setup():
    comments = CommentFactory.create_batch(4)
    urls = [f"/comments/{c.pk}/flag/" for c in comments]
    return urls, lambda n: {"reason": "spam"}


def _flag_refused(response):
    assert response.status_code == 302
    assert CommentFlag.objects.count() == 2


def _signup_setup():
    _newsletter()
    return reverse("newsletter:subscribe"), lambda n: {"email": f"typed{n}@example.org", "consent": "on"}


def _signup_refused(response):
    html = response.content.decode()
    assert response.status_code == 429
    assert "Please wait a few minutes and sign up again" in html
    assert 'value="typed2@example.org"' in html  # what the reader typed stays in the form


def _preferences_setup():
    RegionFactory(name="Shanghai", slug="shanghai-prefs")
    subscriber = _subscriber()
    url = reverse("newsletter:preferences", args=[newsletter_tokens.preferences_token(subscriber)])
    return url, lambda n: {"newsletters": [_newsletter().pk], "format": "text"}


def _preferences_refused(response):
    html = response.content.decode()
    assert response.status_code == 429
    assert "Please wait a few minutes and save again" in html
    assert 'value="text"' in html and "checked" in html


def _token_setup(view, token_function, **subscriber_kwargs):
    def setup():
        subscriber = _subscriber(**subscriber_kwargs)
        return reverse(view, args=[token_function(subscriber)]), lambda n: {}

    return setup


def _share_setup():
    article = ArticleFactory()
    return reverse("articles:share", args=[article.pk]), lambda n: {"network": "weibo"}


def _share_refused(response):
    assert response.status_code == 429
    assert "Please wait" in response.json()["error"]


ENDPOINTS = {
    "comment post": Endpoint(
        _comment_post_setup,
        lambda settings, n: setattr(settings, "COMMENTS_RATE_LIMIT_IP", (n, 600)),
        _comment_post_refused,
    ),
    "comment flag": Endpoint(
        _flag_setup,
        lambda settings, n: setattr(settings, "COMMENTS_FLAG_RATE_LIMIT", (n, 3600)),
        _flag_refused,
    ),
    "comment confirm": Endpoint(_comment_link("confirm"), _limit("comments-link"), _shared_page),
    "comment delete": Endpoint(_comment_link("delete"), _limit("comments-link"), _shared_page),
    "comment unsubscribe": Endpoint(_comment_link("unsubscribe"), _limit("comments-link"), _shared_page),
    "newsletter sign-up": Endpoint(_signup_setup, _limit("newsletter-signup"), _signup_refused),
    "newsletter confirm": Endpoint(
        _token_setup("newsletter:confirm", newsletter_tokens.confirm_token, pending=True),
        _limit("newsletter-link"),
        _shared_page,
    ),
    "newsletter preferences": Endpoint(_preferences_setup, _limit("newsletter-link"), _preferences_refused),
    "newsletter preferences unsubscribe": Endpoint(
        _token_setup("newsletter:preferences_unsubscribe", newsletter_tokens.preferences_token),
        _limit("newsletter-link"),
        _shared_page,
    ),
    "newsletter preferences resubscribe": Endpoint(
        _token_setup("newsletter:preferences_resubscribe", newsletter_tokens.preferences_token),
        _limit("newsletter-link"),
        _shared_page,
    ),
    "newsletter delete my data": Endpoint(
        _token_setup("newsletter:preferences_delete", newsletter_tokens.preferences_token),
        _limit("newsletter-link"),
        _shared_page,
    ),
    "newsletter unsubscribe (one-click)": Endpoint(
        _token_setup("newsletter:unsubscribe", newsletter_tokens.unsubscribe_token),
        _limit("newsletter-unsubscribe"),
        _shared_page,
    ),
    "share counter": Endpoint(_share_setup, _limit("share"), _share_refused),
}


def _post(client, url, data, n, ip=READER):
    target = url[n % len(url)] if isinstance(url, list) else url
    return client.post(target, data(n), REMOTE_ADDR=ip)


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_post_past_the_limit_is_refused_clearly_and_other_readers_are_not(client, settings, name):
    endpoint = ENDPOINTS[name]
    url, data = endpoint.setup()
    endpoint.limit(settings, 2)
    for n in range(2):
        allowed = _post(client, url, data, n)
        assert allowed.status_code != 429, (name, n)
        assert "Too many" not in allowed.content.decode()
    endpoint.refused(_post(client, url, data, 2))

    flags_before = CommentFlag.objects.count()
    other_reader = _post(Client(), url, data, 3, ip=OTHER_READER)
    if name == "newsletter unsubscribe (one-click)":
        assert other_reader.status_code == 429  # counted per link: the same link is still limited
    else:
        assert other_reader.status_code != 429
        assert "Too many" not in other_reader.content.decode()
    if name == "comment flag":
        assert CommentFlag.objects.count() == flags_before + 1


def test_one_click_unsubscribe_is_counted_per_link_not_per_address(client, settings):
    """RFC 8058 POSTs come from the mail provider's servers, many readers behind one address."""
    settings.RATE_LIMITS = {"newsletter-unsubscribe": (1, 600)}
    first, second = _subscriber(), _subscriber()
    body = {"List-Unsubscribe": "One-Click"}
    for subscriber in (first, second):
        url = reverse("newsletter:unsubscribe", args=[newsletter_tokens.unsubscribe_token(subscriber)])
        response = client.post(url, body, REMOTE_ADDR="192.0.2.10")
        assert response.status_code == 200
        assert response.content == b"Unsubscribed.\n"
    assert not Subscriber.objects.filter(subscriptions__state="active").exists()
    again = client.post(url, body, REMOTE_ADDR="192.0.2.10")
    assert again.status_code == 429


def test_refused_sign_up_sends_no_mail_and_stores_nothing(client, settings, mailoutbox):
    _newsletter()
    settings.RATE_LIMITS = {"newsletter-signup": (0, 600)}
    response = client.post(reverse("newsletter:subscribe"), {"email": "new@example.org", "consent": "on"})
    assert response.status_code == 429
    assert not Subscriber.objects.filter(email="new@example.org").exists()
    assert mailoutbox == []


def test_refused_delete_keeps_the_comment(client, settings):
    settings.RATE_LIMITS = {"comments-link": (0, 600)}
    comment = CommentFactory(email="keeper@example.com")
    token = comment_tokens.make_token(purpose=comment_tokens.DELETE, comment_id=comment.pk, email=comment.email)
    assert client.post(f"/comments/delete/{token}/").status_code == 429
    comment.refresh_from_db()
    assert not comment.removed_by_author


def test_pages_behind_limited_forms_are_never_counted(client, settings):
    settings.RATE_LIMITS = {"newsletter-link": (1, 600)}
    subscriber = _subscriber()
    url = reverse("newsletter:preferences", args=[newsletter_tokens.preferences_token(subscriber)])
    for _ in range(5):
        assert client.get(url).status_code == 200
    saved = client.post(url, {"newsletters": [_newsletter().pk], "format": "text"})
    assert saved.status_code == 302


# --- The counter itself.

def test_fixed_window_allows_exactly_the_limit_then_refuses():
    results = [ratelimit.hit("test:window", 3, 60) for _ in range(5)]
    assert results == [True, True, True, False, False]


def test_a_zero_limit_refuses_at_once():
    assert ratelimit.hit("test:zero", 0, 60) is False


def test_window_ends_and_counting_starts_again():
    from django.core.cache import cache

    assert [ratelimit.hit("test:again", 1, 60) for _ in range(2)] == [True, False]
    cache.clear()  # what the window's expiry does
    assert ratelimit.hit("test:again", 1, 60) is True


@pytest.mark.parametrize(
    ("remote_addr", "counted_as"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("", "unknown"),
        ("not an address", "unknown"),
        ("198.51.100.7, 10.0.0.1", "unknown"),
    ],
)
def test_client_is_counted_by_address_and_ipv6_by_its_64_network(rf, remote_addr, counted_as):
    request = rf.post("/", REMOTE_ADDR=remote_addr)
    assert ratelimit.client_key(request) == counted_as


def test_forwarded_for_header_sent_by_a_client_does_not_change_who_is_counted(client, settings):
    _newsletter()
    settings.RATE_LIMITS = {"newsletter-signup": (1, 600)}
    data = {"email": "a@example.org", "consent": "on"}
    client.post(reverse("newsletter:subscribe"), data, REMOTE_ADDR=READER, HTTP_X_FORWARDED_FOR="192.0.2.1")
    second = client.post(reverse("newsletter:subscribe"), data, REMOTE_ADDR=READER, HTTP_X_FORWARDED_FOR="192.0.2.2")
    assert second.status_code == 429
