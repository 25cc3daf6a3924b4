import time

import pytest
from django.core import signing

from articles.tests.factories import ArticleFactory
from comments import spam
from comments.models import BlockedTerm, Comment
from comments.tests.factories import BlockedTermFactory, CommentFactory
from comments.tests.helpers import form_data, post_url

pytestmark = pytest.mark.django_db


def test_form_submitted_too_fast_is_refused_with_message(client, settings):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 30
    article = ArticleFactory()
    response = client.post(post_url(article), form_data(article, body="Speedy text"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "quicker than anyone can read" in html
    assert "Speedy text" in html
    assert Comment.objects.count() == 0


def test_form_left_open_too_long_is_refused_with_message(client, settings):
    article = ArticleFactory()
    old = signing.TimestampSigner(salt=spam.FORM_SALT)
    stamp = old.sign(str(article.pk))
    settings.COMMENTS_FORM_MAX_AGE = -1
    response = client.post(post_url(article), form_data(article, timestamp=stamp, body="Slow text"))
    assert response.status_code == 400
    assert "form expired" in response.content.decode()
    assert "Slow text" in response.content.decode()


@pytest.mark.parametrize("stamp", ["", "nonsense", "1:abc:def", "x" * 300])
def test_missing_or_forged_timestamp_is_refused(client, stamp):
    article = ArticleFactory()
    response = client.post(post_url(article), form_data(article, timestamp=stamp))
    assert response.status_code == 400
    assert Comment.objects.count() == 0


def test_timestamp_of_another_article_is_refused(client):
    article, other = ArticleFactory.create_batch(2)
    response = client.post(post_url(article), form_data(article, timestamp=spam.form_timestamp(article_id=other.pk)))
    assert "belongs to another article" in response.content.decode()


def test_refused_form_gets_a_fresh_timestamp_so_sending_again_works(client, settings):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 1
    article = ArticleFactory()
    stamp = spam.form_timestamp(article_id=article.pk)
    client.post(post_url(article), form_data(article, timestamp=stamp))
    time.sleep(1.1)
    second = client.post(post_url(article), form_data(article, timestamp=stamp))
    assert second.status_code == 302


def test_honeypot_filled_is_stored_as_spam_not_dropped(client):
    article = ArticleFactory()
    response = client.post(post_url(article), form_data(article, website="http://spam.example"))
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.state == Comment.State.SPAM
    assert "honeypot" in comment.spam_reasons


def test_too_many_links_are_refused_with_message(client, settings):
    settings.COMMENTS_MAX_LINKS = 2
    article = ArticleFactory()
    body = "http://a.example http://b.example http://c.example"
    response = client.post(post_url(article), form_data(article, body=body))
    assert response.status_code == 400
    assert "3 links; at most 2" in response.content.decode()


def test_rate_limit_per_ip_refuses_with_message(client, settings):
    settings.COMMENTS_RATE_LIMIT_IP = (2, 600)
    article = ArticleFactory()
    for n in range(2):
        ok = client.post(post_url(article), form_data(article, email=f"r{n}@example.com", body=f"text {n}"))
        assert ok.status_code == 302
    refused = client.post(post_url(article), form_data(article, email="r9@example.com", body="text 9"))
    assert refused.status_code == 400
    assert "Too many comments from your connection" in refused.content.decode()
    assert Comment.objects.count() == 2


def test_rate_limit_per_email_refuses_with_message(client, settings):
    settings.COMMENTS_RATE_LIMIT_EMAIL = (1, 600)
    article = ArticleFactory()
    client.post(post_url(article), form_data(article, body="first"))
    other_ip = client.post(post_url(article), form_data(article, body="second"), REMOTE_ADDR="203.0.113.9")
    assert "Too many comments from this email address" in other_ip.content.decode()


def test_same_text_twice_from_same_reader_is_one_comment(client):
    article = ArticleFactory()
    client.post(post_url(article), form_data(article))
    again = client.post(post_url(article), form_data(article), follow=True)
    assert Comment.objects.count() == 1
    assert "already posted this comment" in again.content.decode()


def test_same_text_from_another_address_is_spam(client):
    CommentFactory(body="Visit my shop for deals today")
    article = ArticleFactory()
    client.post(post_url(article), form_data(article, body="visit my  shop for DEALS today"))
    comment = Comment.objects.latest("id")
    assert comment.state == Comment.State.SPAM
    assert "same text" in comment.spam_reasons


@pytest.mark.parametrize(
    ("kind", "value", "overrides"),
    [
        (BlockedTerm.Kind.WORD, "casino", {"body": "Best CASINO offers"}),
        (BlockedTerm.Kind.WORD, "casino", {"name": "Casino King"}),
        (BlockedTerm.Kind.WORD, "casino", {"body": "ca\u200bsino hidden with a zero-width space"}),
        (BlockedTerm.Kind.EMAIL, "bad@example.com", {"email": "Bad@Example.com"}),
        (BlockedTerm.Kind.EMAIL, "@spam.example", {"email": "anyone@spam.example"}),
        (BlockedTerm.Kind.IP, "203.0.113.0/24", {}),
        (BlockedTerm.Kind.IP, "203.0.113.50", {}),
    ],
)
def test_blocked_terms_send_comment_to_spam(client, kind, value, overrides):
    BlockedTermFactory(kind=kind, value=value)
    article = ArticleFactory()
    response = client.post(post_url(article), form_data(article, **overrides), REMOTE_ADDR="203.0.113.50")
    assert response.status_code == 302
    assert Comment.objects.get().state == Comment.State.SPAM


def test_unblocked_comment_is_not_spam(client):
    BlockedTermFactory(kind=BlockedTerm.Kind.IP, value="192.0.2.0/24")
    article = ArticleFactory()
    client.post(post_url(article), form_data(article), REMOTE_ADDR="203.0.113.50")
    assert Comment.objects.get().state != Comment.State.SPAM


def test_blocked_terms_are_validated():
    from django.core.exceptions import ValidationError

    for kind, value in [("ip", "not-an-ip"), ("email", "nope"), ("word", "")]:
        with pytest.raises(ValidationError):
            BlockedTerm(kind=kind, value=value).full_clean()
    term = BlockedTerm(kind="email", value=" @Spam.Example ")
    term.full_clean()
    assert term.value == "@spam.example"


def test_blocked_term_added_in_admin_applies_to_the_next_comment(admin_client, django_capture_on_commit_callbacks):
    article = ArticleFactory()
    before = spam.judge(
        article_id=article.pk, name="a", email="a@example.com", body="win the LOTTERY", body_hash="", ip=None, honeypot=""
    )
    assert not before.is_spam  # the (empty) list is now cached
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/comments/blockedterm/add/", {"kind": "word", "value": "lottery", "note": ""})
    after = spam.judge(
        article_id=article.pk, name="a", email="a@example.com", body="win the LOTTERY", body_hash="", ip=None, honeypot=""
    )
    assert after.reasons == ["blocked word: lottery"]
