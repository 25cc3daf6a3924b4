"""The welcome mail after a subscription is confirmed: promised with the confirmation, once."""

import re

import pytest
from django.core import mail
from django.db import transaction

from magazine.models import OutboxTask
from newsletter import services, tasks
from newsletter.models import Subscriber
from newsletter.tests.factories import NewsletterFactory, SubscriberFactory
from newsletter.tests.test_views import confirm_link, post_signup

pytestmark = pytest.mark.django_db

WELCOME_TASK = "newsletter.tasks.send_welcome"


def _welcomes():
    return [m for m in mail.outbox if m.subject.startswith("Welcome to")]


def test_reader_who_confirms_gets_a_welcome_with_their_links(client, weekly, mail_settings, django_capture_on_commit_callbacks):
    weekly.cadence, weekly.description = "weekly on Wednesday", "The best of the week."
    weekly.save()
    with django_capture_on_commit_callbacks(execute=True):
        post_signup(client, "new@example.org")
    link = confirm_link(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
    [welcome] = _welcomes()
    assert welcome.to == ["new@example.org"] and welcome.from_email == mail_settings.DEFAULT_FROM_EMAIL
    assert re.fullmatch(r"<[^@>]+@magazine\.example>", welcome.extra_headers["Message-ID"])
    assert "7 Days in China (weekly on Wednesday)" in welcome.body and "The best of the week." in welcome.body
    preferences = re.search(r"https://magazine\.example/newsletter/preferences/[^\s]+/", welcome.body).group(0)
    assert "https://magazine.example/newsletter/unsubscribe/" in welcome.body
    [(html, mime)] = welcome.alternatives
    assert mime == "text/html" and f'href="{preferences}"' in html and "<strong>7 Days in China</strong>" in html
    assert client.get(preferences.removeprefix("https://magazine.example")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)  # "already confirmed": no second welcome
    assert len(_welcomes()) == 1


def test_welcome_is_promised_in_the_confirmation_transaction(weekly, mail_settings):
    subscriber = SubscriberFactory(pending=True, lists=[weekly])
    with pytest.raises(RuntimeError), transaction.atomic():
        services.subscription_confirm(subscriber=subscriber)
        assert OutboxTask.objects.filter(task_path=WELCOME_TASK).count() == 1
        raise RuntimeError("the confirmation failed after the promise")
    assert not OutboxTask.objects.filter(task_path=WELCOME_TASK).exists()
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.PENDING
    services.subscription_confirm(subscriber=subscriber)
    row = OutboxTask.objects.get(task_path=WELCOME_TASK)
    assert row.args == [subscriber.pk] and row.key.startswith(f"newsletter.welcome:{subscriber.pk}:")
    assert _welcomes() == []  # the row is on disk; a worker sends it after the commit


def test_suppressed_address_confirming_gets_no_welcome(weekly, mail_settings, django_capture_on_commit_callbacks):
    subscriber = SubscriberFactory(state=Subscriber.State.BOUNCED, lists=[weekly])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.subscription_confirm(subscriber=subscriber) is False
    assert _welcomes() == [] and not OutboxTask.objects.filter(task_path=WELCOME_TASK).exists()


def test_no_welcome_for_an_address_that_stopped_before_the_worker_ran(weekly, mail_settings):
    subscriber = SubscriberFactory(pending=True, lists=[weekly])
    services.subscription_confirm(subscriber=subscriber)
    services.subscriber_unsubscribe(subscriber=subscriber)
    assert tasks.send_welcome.call(subscriber.pk) is False
    assert tasks.send_welcome.call(subscriber.pk + 1000) is False
    assert _welcomes() == []


def test_welcome_names_only_the_lists_the_address_gets(weekly, mail_settings):
    closed = NewsletterFactory(name="Old list", is_active=False)
    other = NewsletterFactory(name="Shanghai this week")
    subscriber = SubscriberFactory(lists=[weekly, closed])
    SubscriberFactory(lists=[other])
    assert tasks.send_welcome.call(subscriber.pk) is True
    [welcome] = _welcomes()
    assert "7 Days in China" in welcome.body and "Old list" not in welcome.body and "Shanghai this week" not in welcome.body
