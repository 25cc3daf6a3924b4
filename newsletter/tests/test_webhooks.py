import base64
import json

import pytest
from django.urls import reverse

from newsletter.models import Delivery, Subscriber
from newsletter.tests.factories import SendFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

HARD_BOUNCE = {
    "RecordType": "Bounce",
    "ID": 4323372036854775807,
    "Type": "HardBounce",
    "TypeCode": 1,
    "Name": "Hard bounce",
    "Tag": "",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "ServerID": 23,
    "MessageStream": "broadcast",
    "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
    "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    "Email": "Gone@Example.org",
    "From": "newsletter@example.com",
    "BouncedAt": "2026-02-11T10:00:00Z",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": True,
    "Subject": "7 Days in China",
}

COMPLAINT = {
    "RecordType": "SpamComplaint",
    "ID": 42,
    "Type": "SpamComplaint",
    "TypeCode": 512,
    "MessageID": "00000000-0000-0000-0000-000000000000",
    "Description": "The subscriber explicitly marked this message as spam.",
    "Details": "Test spam complaint details",
    "Email": "angry@example.org",
    "From": "newsletter@example.com",
    "BouncedAt": "2026-02-11T10:00:00Z",
    "Subject": "7 Days in China",
}


@pytest.fixture
def secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "postmark:s3cret"}
    return "Basic " + base64.b64encode(b"postmark:s3cret").decode()


def post(client, payload, auth=None):
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(reverse("newsletter:postmark_tracking"), json.dumps(payload), content_type="application/json", **headers)


def test_hard_bounce_marks_the_subscriber_and_skips_queued_mail(client, secret, weekly):
    subscriber = SubscriberFactory(email="gone@example.org", lists=[weekly])
    send = SendFactory(newsletter=weekly)
    Delivery.objects.create(send=send, subscriber=subscriber)
    assert post(client, HARD_BOUNCE, secret).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.BOUNCED
    assert "HardBounce" in subscriber.suppressed_reason and "mailbox not found" in subscriber.suppressed_reason
    assert Delivery.objects.get().state == Delivery.State.SKIPPED


def test_spam_complaint_marks_complained(client, secret, weekly):
    subscriber = SubscriberFactory(email="angry@example.org", lists=[weekly])
    post(client, COMPLAINT, secret)
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.COMPLAINED
    assert subscriber.events.filter(kind="complained").exists()


def test_soft_bounce_does_not_suppress(client, secret, weekly):
    subscriber = SubscriberFactory(email="gone@example.org", lists=[weekly])
    post(client, HARD_BOUNCE | {"Type": "SoftBounce", "TypeCode": 4096}, secret)
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE


def test_webhook_without_the_secret_is_refused(client, secret, weekly):
    subscriber = SubscriberFactory(email="gone@example.org", lists=[weekly])
    assert post(client, HARD_BOUNCE).status_code == 400
    assert post(client, HARD_BOUNCE, "Basic " + base64.b64encode(b"postmark:wrong").decode()).status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE


def test_webhook_is_off_until_a_secret_is_configured(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    assert post(client, HARD_BOUNCE).status_code == 404


def test_bounce_for_an_unknown_address_is_accepted_and_ignored(client, secret):
    assert post(client, HARD_BOUNCE | {"Email": "stranger@example.org"}, secret).status_code == 200
    assert not Subscriber.objects.exists()
