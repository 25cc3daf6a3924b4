import email
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from articles.tests.factories import ArticleFactory
from newsletter import emails, sending, services, tasks
from newsletter.models import Delivery, Send, SendArticle, Subscriber
from newsletter.tests.factories import SendFactory, SubscriberFactory
from newsletter.tests.smtp_sink import Collector, smtp_sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue(weekly):
    send = SendFactory(newsletter=weekly, subject="This week")
    SendArticle.objects.create(send=send, article=ArticleFactory(title="Dumplings in Jing'an"), sort_order=0)
    return send


def start(send, capture):
    with capture(execute=True):
        services.send_start(send=send)
    send.refresh_from_db()
    return send


def test_send_delivers_once_to_every_active_subscriber_and_skips_the_rest(issue, weekly, mail_settings, django_capture_on_commit_callbacks):
    receivers = [SubscriberFactory(lists=[weekly]) for _ in range(5)]
    SubscriberFactory(lists=[weekly], state=Subscriber.State.UNSUBSCRIBED)
    SubscriberFactory(lists=[weekly], state=Subscriber.State.BOUNCED)
    SubscriberFactory(lists=[weekly], pending=True)
    SubscriberFactory()  # on no list
    send = start(issue, django_capture_on_commit_callbacks)
    assert send.status == Send.Status.SENT
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in receivers)
    assert Delivery.objects.filter(send=send, state=Delivery.State.SENT).count() == 5


def test_every_mail_has_text_and_html_parts_a_personal_link_and_one_click_headers(issue, weekly, mail_settings, django_capture_on_commit_callbacks):
    SubscriberFactory(email="one@example.org", lists=[weekly])
    start(issue, django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    assert "Dumplings in Jing'an" in message.body
    html = dict((mime, content) for content, mime in message.alternatives)["text/html"]
    assert "Dumplings in Jing'an" in html  # an apostrophe needs no escaping in text; css-inline writes it plain
    assert message.extra_headers["List-Unsubscribe"].startswith("<https://magazine.example/newsletter/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://magazine.example/newsletter/preferences/" in message.body


def test_plain_text_subscribers_get_no_html_part(issue, weekly, mail_settings, django_capture_on_commit_callbacks):
    SubscriberFactory(lists=[weekly], format="text")
    start(issue, django_capture_on_commit_callbacks)
    assert mail.outbox[0].alternatives == []


def test_killed_worker_leaves_a_lease_and_a_second_run_sends_each_remaining_mail_once(
    issue, weekly, mail_settings, settings, django_capture_on_commit_callbacks
):
    """Crash and resume: part of the send is delivered, a worker dies holding a batch, the rest follows."""
    settings.NEWSLETTER_BATCH_SIZE = 4
    subscribers = [SubscriberFactory(lists=[weekly]) for _ in range(12)]
    Send.objects.filter(pk=issue.pk).update(status=Send.Status.SENDING, started_at=timezone.now())
    sending.deliveries_create(send=issue)
    Send.objects.filter(pk=issue.pk).update(prepared_at=timezone.now())
    # A first worker delivers one batch completely.
    first = sending.claim_batch(send_id=issue.pk)
    sending.deliver_claimed(send=issue, claim=first)
    # A second worker claims a batch, gets one mail out and marked, then is killed.
    killed = sending.claim_batch(send_id=issue.pk)
    row = Delivery.objects.filter(claimed_by=killed).first()
    emails.issue_message(send=issue, subscriber=row.subscriber, articles=[]).send()
    sending._mark(row, killed, state=Delivery.State.SENT, sent_at=timezone.now(), attempts=1)
    assert len(mail.outbox) == 5
    # Its lease is still fresh: a restarted worker takes only the untouched batch.
    tasks.deliver_batch.call(issue.pk)
    assert len(mail.outbox) == 9
    assert Delivery.objects.filter(claimed_by=killed).count() == 3
    # Once the lease has expired the remaining three are sent, and nothing twice.
    Delivery.objects.filter(claimed_by=killed).update(claimed_at=timezone.now() - timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS + 1))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.resume_stalled_sends()
    counts = Counter(m.to[0] for m in mail.outbox)
    assert counts == Counter({s.email: 1 for s in subscribers})
    issue.refresh_from_db()
    assert issue.status == Send.Status.SENT


def test_failed_mail_is_retried_with_backoff_then_marked_failed(issue, weekly, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens there
    settings.NEWSLETTER_MAX_ATTEMPTS = 2
    SubscriberFactory(lists=[weekly])
    send = start(issue, django_capture_on_commit_callbacks)
    row = Delivery.objects.get(send=send)
    assert row.state == Delivery.State.QUEUED and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=settings.NEWSLETTER_RETRY_BASE_SECONDS - 5)
    assert send.status == Send.Status.SENDING
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    tasks.deliver_batch.call(send.pk)
    row.refresh_from_db()
    send.refresh_from_db()
    assert row.state == Delivery.State.FAILED and row.attempts == 2
    assert send.status == Send.Status.SENT
    assert services.send_retry_failed(send=send) == 1


def test_suppressed_while_queued_is_skipped(issue, weekly, mail_settings):
    subscriber = SubscriberFactory(email="b@example.org", lists=[weekly])
    Send.objects.filter(pk=issue.pk).update(status=Send.Status.SENDING)
    sending.deliveries_create(send=issue)
    services.subscriber_suppress(email="b@example.org", state="bounced", reason="hard bounce")
    assert Delivery.objects.get(subscriber=subscriber).state == Delivery.State.SKIPPED


def test_batch_goes_over_one_real_smtp_connection(issue, weekly, settings, django_capture_on_commit_callbacks):
    class CountingCollector(Collector):
        def __init__(self):
            super().__init__()
            self.sessions = 0

        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            self.sessions += 1
            session.host_name = hostname
            return responses

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.SITE_URL = "https://magazine.example"
    settings.NEWSLETTER_BATCH_SIZE = 50
    subscribers = [SubscriberFactory(lists=[weekly]) for _ in range(30)]
    with smtp_sink(CountingCollector()) as (sink, port):
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        start(issue, django_capture_on_commit_callbacks)
    assert sink.sessions == 1
    assert sorted(rcpt[0] for rcpt, _ in sink.messages) == sorted(s.email for s in subscribers)
    parsed = email.message_from_bytes(sink.messages[0][1])
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert {part.get_content_type() for part in parsed.walk()} >= {"text/plain", "text/html"}


def test_digest_command_sends_once_per_period(weekly, mail_settings, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    SubscriberFactory(lists=[weekly])
    ArticleFactory()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_digest", weekly.slug)
    assert Send.objects.filter(newsletter=weekly, kind=Send.Kind.DIGEST).count() == 1
    assert len(mail.outbox) == 1


def test_digest_command_explains_an_unknown_newsletter(db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No newsletter"):
        call_command("send_digest", "nope")


def test_scheduled_send_starts_when_due(issue, weekly, mail_settings, django_capture_on_commit_callbacks):
    SubscriberFactory(lists=[weekly])
    at = timezone.now() + timedelta(hours=1)
    services.send_schedule(send=issue, at=at)
    assert tasks.start_scheduled_send.call(issue.pk, (at - timedelta(minutes=5)).isoformat()) is False
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.start_scheduled_send.call(issue.pk, at.isoformat()) is True
    assert len(mail.outbox) == 1
