"""The web version of an issue ("view in browser"): public once sent, at an opaque address."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from articles.tests.factories import ArticleFactory, RegionFactory
from magazine import pagecache
from newsletter import services
from newsletter.models import Send, SendArticle
from newsletter.tests.factories import SendFactory, SubscriberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_issue(weekly):
    send = SendFactory(newsletter=weekly, subject="Lanterns and dumplings", intro="Hello readers.\n\nThe festival is here.")
    SendArticle.objects.create(send=send, article=ArticleFactory(title="Lanterns over the river"), sort_order=0)
    SendArticle.objects.create(send=send, article=ArticleFactory(title="Where to eat dumplings"), sort_order=1)
    Send.objects.filter(pk=send.pk).update(status=Send.Status.SENT, started_at=timezone.now())
    send.refresh_from_db()
    return send


def web_url(send):
    return reverse("newsletter:issue_web", args=[send.web_id])


def test_sent_issue_shows_its_intro_and_articles_in_order(client, sent_issue, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):  # the footer's site pages included, every cache empty
        response = client.get(web_url(sent_issue))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Lanterns and dumplings" in html and "7 Days in China" in html
    assert "Hello readers." in html and "The festival is here." in html
    assert html.index("Lanterns over the river") < html.index("Where to eat dumplings")
    assert "Get 7 Days in China by mail" in html


def test_web_version_queries_do_not_grow_with_its_articles(client, sent_issue, django_assert_max_num_queries):
    for n in range(8):
        SendArticle.objects.create(send=sent_issue, article=ArticleFactory(region=RegionFactory()), sort_order=n + 2)
    with django_assert_max_num_queries(8):  # the footer's site pages included, every cache empty
        assert client.get(web_url(sent_issue)).status_code == 200


@pytest.mark.parametrize("status", [Send.Status.DRAFT, Send.Status.SCHEDULED, Send.Status.CANCELLED])
def test_issue_not_sent_is_not_public(client, sent_issue, status):
    Send.objects.filter(pk=sent_issue.pk).update(status=status)
    assert client.get(web_url(sent_issue)).status_code == 404


def test_issue_still_sending_is_public_for_the_readers_who_already_have_it(client, sent_issue):
    Send.objects.filter(pk=sent_issue.pk).update(status=Send.Status.SENDING)
    assert client.get(web_url(sent_issue)).status_code == 200


def test_address_is_opaque_not_the_issue_number(client, sent_issue, weekly):
    other = SendFactory(newsletter=weekly)
    assert sent_issue.web_id != other.web_id and len(sent_issue.web_id) >= 16
    for guess in [str(sent_issue.pk), "x" * 16, "nope", "²²"]:
        assert client.get(f"/newsletter/issues/{guess}/").status_code == 404


def test_web_version_answers_only_get(client, sent_issue):
    assert client.post(web_url(sent_issue)).status_code == 405


def test_digest_web_version_is_the_general_digest(client, weekly, mail_settings, django_capture_on_commit_callbacks):
    shanghai, beijing = RegionFactory(name="Shanghai"), RegionFactory(name="Beijing")
    # Within the digest's week whatever the factory's sequence has reached in this process.
    recent = timezone.now() - timedelta(hours=1)
    ArticleFactory(title="A Shanghai story", region=shanghai, published_at=recent)
    ArticleFactory(title="A Beijing story", region=beijing, published_at=recent)
    digest, _ = services.digest_create(newsletter=weekly)
    SubscriberFactory(lists=[weekly], regions=[shanghai])
    with django_capture_on_commit_callbacks(execute=True):
        services.send_start(send=digest)
    digest.refresh_from_db()
    assert digest.status == Send.Status.SENT
    [personal] = mail.outbox
    assert "A Shanghai story" in personal.body and "A Beijing story" not in personal.body
    html = client.get(web_url(digest)).content.decode()
    assert "A Shanghai story" in html and "A Beijing story" in html


def test_every_issue_mail_links_to_its_web_version(client, weekly, mail_settings, django_capture_on_commit_callbacks):
    draft = SendFactory(newsletter=weekly, subject="Next week")
    SendArticle.objects.create(send=draft, article=ArticleFactory(title="Night markets"))
    SubscriberFactory(lists=[weekly], format="text")
    SubscriberFactory(lists=[weekly])
    with django_capture_on_commit_callbacks(execute=True):
        services.send_start(send=draft)
    assert len(mail.outbox) == 2
    url = f"https://magazine.example/newsletter/issues/{draft.web_id}/"
    for message in mail.outbox:
        assert f"View in your browser: {url}" in message.body
    html = next(content for message in mail.outbox for content, mime in message.alternatives if mime == "text/html")
    assert re.search(rf'<a [^>]*href="{re.escape(url)}"[^>]*>View in your browser</a>', html)
    page = client.get(url.removeprefix("https://magazine.example"))
    assert page.status_code == 200 and "Night markets" in page.content.decode()


def test_web_version_is_left_out_of_the_page_cache():
    # It is not wired into the page cache's dependencies, so it must not be cached at all.
    assert "newsletter:issue_web" not in pagecache.CACHEABLE
