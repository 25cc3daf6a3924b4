"""Comment mails (comments/tasks.py) come from the comments sender, not the newsletter's, and
carry a Message-ID in the site's domain."""

import email
import email.policy
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.tests.factories import ArticleFactory, UserFactory
from comments import services
from comments.tests.factories import CommentFactory, reply_to
from comments.tests.helpers import form_data, post_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://www.city-mag.example"
    settings.SITE_NAME = "City Magazine"
    settings.COMMENTS_FROM_EMAIL = ""
    settings.DEFAULT_FROM_EMAIL = "City Magazine <newsletter@city-mag.example>"
    return settings


def on_the_wire(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


def _assert_site_message_id(sent):
    assert re.fullmatch(r"<[^@<>\s]+@www\.city-mag\.example>", sent["Message-ID"]), sent["Message-ID"]


def test_comment_confirmation_comes_from_the_comments_address(client, site, policy, mailoutbox, django_capture_on_commit_callbacks):
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(post_url(article), form_data(article))

    assert [m.to for m in mailoutbox] == [["li.wei@example.com"]]
    sent = on_the_wire(mailoutbox[0])
    assert sent["From"] == "City Magazine <comments@www.city-mag.example>"
    _assert_site_message_id(sent)


def test_comments_sender_is_configurable(client, site, policy, mailoutbox, django_capture_on_commit_callbacks):
    site.COMMENTS_FROM_EMAIL = "Letters desk <letters@city-mag.example>"
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(post_url(article), form_data(article))
    assert on_the_wire(mailoutbox[0])["From"] == "Letters desk <letters@city-mag.example>"


def test_reply_notification_and_moderation_digest_come_from_the_comments_address(
    site, policy, mailoutbox, django_capture_on_commit_callbacks
):
    moderator = UserFactory(groups=["Moderator"])
    parent = CommentFactory(email="asker@example.com", notify_replies=True, confirmed_at=timezone.now())
    reply = reply_to(parent, pending=True, email="answer@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_approve(comment=reply, by=moderator)
    policy.digest_recipients.add(UserFactory(email="chief@example.com"))
    CommentFactory(pending=True)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_moderation_digest", stdout=open("/dev/null", "w"))

    assert [m.to for m in mailoutbox] == [["asker@example.com"], ["chief@example.com"]]
    sent = [on_the_wire(message) for message in mailoutbox]
    for one in sent:
        assert one["From"] == "City Magazine <comments@www.city-mag.example>"
        _assert_site_message_id(one)
    assert sent[0]["Message-ID"] != sent[1]["Message-ID"]
    assert str(sent[0]["List-Unsubscribe"]).strip().startswith("<https://www.city-mag.example/comments/unsubscribe/")
