import base64
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from newsletter import emails, tokens
from newsletter.models import Delivery, Subscriber, SubscriberEvent, Subscription
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


# --- Inbound: mail to the List-Unsubscribe mailto: address, as Postmark's inbound webhook posts it.


def inbound(*, to: str, subject: str, sender: str = "reader@example.org") -> dict:
    return {
        "FromName": "A Reader",
        "MessageStream": "inbound",
        "From": sender,
        "FromFull": {"Email": sender, "Name": "A Reader", "MailboxHash": ""},
        "To": to,
        "ToFull": [{"Email": to, "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": to,
        "Subject": subject,
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Wed, 9 Dec 2026 10:00:00 +0800",
        "TextBody": "",
        "HtmlBody": "",
        "StrippedTextReply": "",
        "Tag": "",
        "Headers": [
            {"Name": "Return-Path", "Value": f"<{sender}>"},
            {"Name": "X-Spam-Status", "Value": "No"},
        ],
        "Attachments": [],
    }


def post_inbound(client, payload, auth=None):
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(reverse("newsletter:postmark_inbound"), json.dumps(payload), content_type="application/json", **headers)


@pytest.fixture
def mail_site(mail_settings):
    mail_settings.NEWSLETTER_UNSUBSCRIBE_EMAIL = ""
    return mail_settings


def mailto_of_issue(subscriber, newsletter) -> tuple[str, str]:
    """The address and subject a mail program uses for the issue's List-Unsubscribe mailto:."""
    message = emails.issue_message(send=SendFactory(newsletter=newsletter), subscriber=subscriber, articles=[])
    mailto = re.search(r"<(mailto:[^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    address = urlsplit(mailto)
    return address.path, parse_qs(address.query)["subject"][0]


def _active_lists(subscriber) -> set[str]:
    return set(subscriber.subscriptions.filter(state=Subscription.State.ACTIVE).values_list("newsletter__slug", flat=True))


@pytest.mark.parametrize("prefix", ["", "Re: ", "Fwd: "])
def test_mail_to_the_unsubscribe_address_with_the_token_stops_that_list(client, secret, mail_site, weekly, city_list, prefix):
    subscriber = SubscriberFactory(email="reader@example.org", lists=[weekly, city_list])
    to, subject = mailto_of_issue(subscriber, weekly)
    assert to == "unsubscribe@magazine.example"

    assert post_inbound(client, inbound(to=to, subject=prefix + subject), secret).status_code == 200

    subscriber.refresh_from_db()
    assert _active_lists(subscriber) == {city_list.slug}
    assert subscriber.state == Subscriber.State.ACTIVE
    event = subscriber.events.get(kind=SubscriberEvent.Kind.UNSUBSCRIBED)
    assert event.detail["source"] == "mailto"
    assert event.detail["lists"] == [weekly.slug]


def test_mail_unsubscribe_from_the_only_list_unsubscribes_the_address(client, secret, mail_site, weekly):
    subscriber = SubscriberFactory(email="reader@example.org", lists=[weekly])
    to, subject = mailto_of_issue(subscriber, weekly)
    post_inbound(client, inbound(to=to.upper(), subject=subject), secret)
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.UNSUBSCRIBED


def test_mail_to_a_configured_unsubscribe_address_works(client, secret, mail_site, weekly):
    mail_site.NEWSLETTER_UNSUBSCRIBE_EMAIL = "leave@lists.magazine.example"
    subscriber = SubscriberFactory(email="reader@example.org", lists=[weekly])
    to, subject = mailto_of_issue(subscriber, weekly)
    assert to == "leave@lists.magazine.example"
    post_inbound(client, inbound(to=to, subject=subject), secret)
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.UNSUBSCRIBED


@pytest.mark.parametrize(
    "subject",
    [
        "unsubscribe",
        "unsubscribe not-a-token",
        "please take me off",
        "unsubscribe {tampered}",
        "unsubscribe {other_purpose}",
    ],
)
def test_inbound_mail_without_a_valid_token_is_accepted_and_changes_nothing(client, secret, mail_site, weekly, subject):
    subscriber = SubscriberFactory(email="reader@example.org", lists=[weekly])
    good = tokens.unsubscribe_token(subscriber, weekly.pk)
    subject = subject.format(tampered=good[:-3] + "xyz", other_purpose=tokens.preferences_token(subscriber))

    assert post_inbound(client, inbound(to="unsubscribe@magazine.example", subject=subject), secret).status_code == 200

    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE
    assert _active_lists(subscriber) == {weekly.slug}


def test_a_token_sent_to_another_address_of_the_site_is_ignored(client, secret, mail_site, weekly):
    subscriber = SubscriberFactory(email="reader@example.org", lists=[weekly])
    _, subject = mailto_of_issue(subscriber, weekly)
    post_inbound(client, inbound(to="letters@magazine.example", subject=subject), secret)
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE


def test_a_token_of_an_address_that_changed_since_is_ignored(client, secret, mail_site, weekly):
    subscriber = SubscriberFactory(email="reader@example.org", lists=[weekly])
    to, subject = mailto_of_issue(subscriber, weekly)
    Subscriber.objects.filter(pk=subscriber.pk).update(email="someone.else@example.org")
    post_inbound(client, inbound(to=to, subject=subject), secret)
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE


def test_inbound_webhook_needs_the_secret(client, secret, mail_site, weekly, settings):
    subscriber = SubscriberFactory(email="reader@example.org", lists=[weekly])
    to, subject = mailto_of_issue(subscriber, weekly)
    assert post_inbound(client, inbound(to=to, subject=subject)).status_code == 400
    assert post_inbound(client, inbound(to=to, subject=subject), "Basic " + base64.b64encode(b"postmark:wrong").decode()).status_code == 400
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    assert post_inbound(client, inbound(to=to, subject=subject)).status_code == 404
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE
