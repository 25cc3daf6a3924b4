"""Headers of the mail built by newsletter/emails.py, as it leaves the site: List-Unsubscribe
with an https one-click link and a mailto: (RFC 2369 / 8058), and a Message-ID in the site's
domain rather than the sending machine's."""

import email
import email.policy
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from articles.tests.factories import ArticleFactory
from newsletter import emails, services
from newsletter.models import SendArticle
from newsletter.tests.factories import SendFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

SITE = "https://www.city-mag.example"


@pytest.fixture
def site(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = SITE
    settings.NEWSLETTER_UNSUBSCRIBE_EMAIL = ""
    return settings


def on_the_wire(message) -> email.message.EmailMessage:
    """The mail as an SMTP server receives it (headers folded, then read back)."""
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


def _sent_issue(weekly, capture, mailoutbox, **subscriber):
    SubscriberFactory(email="reader@example.org", lists=[weekly], **subscriber)
    send = SendFactory(newsletter=weekly, subject="This week")
    SendArticle.objects.create(send=send, article=ArticleFactory(), sort_order=0)
    with capture(execute=True):
        services.send_start(send=send)
    assert [m.to for m in mailoutbox] == [["reader@example.org"]]
    return on_the_wire(mailoutbox[0])


def _unsubscribe_links(header: str) -> tuple[str, str]:
    match = re.fullmatch(r"<(https://[^>]+)>,\s*<(mailto:[^>]+)>", str(header).strip())
    assert match, header
    return match.group(1), match.group(2)


def test_issue_offers_a_one_click_https_link_and_a_mailto_with_the_same_token(
    site, weekly, mailoutbox, django_capture_on_commit_callbacks
):
    sent = _sent_issue(weekly, django_capture_on_commit_callbacks, mailoutbox)

    https, mailto = _unsubscribe_links(sent["List-Unsubscribe"])
    assert https.startswith(f"{SITE}/newsletter/unsubscribe/")
    token = https.removeprefix(f"{SITE}/newsletter/unsubscribe/").rstrip("/")
    address = urlsplit(mailto)
    assert address.path == "unsubscribe@www.city-mag.example"
    assert parse_qs(address.query) == {"subject": [f"unsubscribe {token}"]}
    assert " " not in mailto  # the subject is percent-encoded
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_unsubscribe_address_is_configurable(site, weekly, mailoutbox, django_capture_on_commit_callbacks):
    site.NEWSLETTER_UNSUBSCRIBE_EMAIL = "leave@lists.city-mag.example"
    sent = _sent_issue(weekly, django_capture_on_commit_callbacks, mailoutbox)
    _, mailto = _unsubscribe_links(sent["List-Unsubscribe"])
    assert mailto.startswith("mailto:leave@lists.city-mag.example?subject=unsubscribe%20")


def test_plain_text_issue_has_the_same_headers(site, weekly, mailoutbox, django_capture_on_commit_callbacks):
    sent = _sent_issue(weekly, django_capture_on_commit_callbacks, mailoutbox, format="text")
    _unsubscribe_links(sent["List-Unsubscribe"])
    assert sent["Message-ID"].endswith("@www.city-mag.example>")


def test_issue_and_test_issue_have_message_ids_in_the_site_domain(
    site, weekly, mailoutbox, django_capture_on_commit_callbacks
):
    sent = _sent_issue(weekly, django_capture_on_commit_callbacks, mailoutbox)
    services.send_test(send=SendFactory(newsletter=weekly), to_email="editor@example.org")

    ids = [on_the_wire(message)["Message-ID"] for message in mailoutbox]
    assert ids[0] == sent["Message-ID"]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert all(re.fullmatch(r"<[^@<>\s]+@www\.city-mag\.example>", message_id) for message_id in ids), ids


def test_confirmation_mail_has_a_message_id_in_the_site_domain(site, weekly, mailoutbox):
    subscriber = SubscriberFactory(email="new@example.org", pending=True, lists=[weekly])
    emails.confirmation_message(subscriber=subscriber, newsletters=[weekly]).send()
    emails.confirmation_message(subscriber=subscriber, newsletters=[weekly]).send()

    first, second = (on_the_wire(message)["Message-ID"] for message in mailoutbox)
    assert first.endswith("@www.city-mag.example>")
    assert first != second
