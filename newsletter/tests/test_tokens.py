import base64
import binascii
import contextlib
import hashlib
import re
import struct
import time
import zlib

import pytest
from django.core import signing
from django.urls import reverse

from newsletter import selectors, tokens
from newsletter.models import Subscription
from newsletter.tests.factories import NewsletterFactory, SubscriberFactory

pytestmark = pytest.mark.django_db


def test_confirm_token_round_trips_to_the_subscriber():
    subscriber = SubscriberFactory()
    data = tokens.read_confirm_token(tokens.confirm_token(subscriber))
    assert selectors.subscriber_for_token(data=data) == subscriber


def test_token_of_one_purpose_is_refused_for_another():
    subscriber = SubscriberFactory()
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_unsubscribe_token(tokens.preferences_token(subscriber))
    assert error.value.reason == "invalid"


def test_tampered_token_is_invalid():
    token = tokens.preferences_token(SubscriberFactory())
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_preferences_token(tampered)
    assert error.value.reason == "invalid"


def test_confirm_token_expires_after_max_age(settings):
    settings.NEWSLETTER_CONFIRM_MAX_AGE = 1
    token = tokens.confirm_token(SubscriberFactory())
    time.sleep(2.1)
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_confirm_token(token)
    assert error.value.reason == "expired"


def test_token_of_deleted_subscriber_is_unknown():
    subscriber = SubscriberFactory()
    data = tokens.read_preferences_token(tokens.preferences_token(subscriber))
    subscriber.delete()
    with pytest.raises(tokens.TokenError) as error:
        selectors.subscriber_for_token(data=data)
    assert error.value.reason == "unknown"


def test_token_stops_working_when_the_address_changes():
    subscriber = SubscriberFactory(email="old@example.org")
    data = tokens.read_preferences_token(tokens.preferences_token(subscriber))
    subscriber.email = "new@example.org"
    subscriber.save()
    with pytest.raises(tokens.TokenError):
        selectors.subscriber_for_token(data=data)


def test_signed_payload_without_subscriber_id_is_invalid():
    forged = signing.dumps({"x": 1}, salt=tokens.PREFERENCES)
    with pytest.raises(tokens.TokenError):
        tokens.read_preferences_token(forged)


def test_unsubscribe_token_carries_the_list():
    subscriber = SubscriberFactory()
    data = tokens.read_unsubscribe_token(tokens.unsubscribe_token(subscriber, 42))
    assert data.newsletter_id == 42


# --- sealed tokens: nothing in a link can be read, and old signed links still work


def legacy_token(purpose, subscriber, newsletter_id=None, *, age=0):
    """A link as mailed before tokens were sealed (the old algorithm), made ``age`` seconds ago."""
    payload = {"s": subscriber.pk, "f": tokens.fingerprint(subscriber.email)}
    if newsletter_id is not None:
        payload["n"] = newsletter_id

    class Signer(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - age)

    return Signer(salt=purpose).sign_object(payload, compress=True)


def decodings(token: str) -> list[bytes]:
    """Everything a reader gets by base64-decoding each segment of the token (and inflating it)."""
    found = []
    for segment in re.split(r"[:.]", token):
        for text in (segment, segment[:-1], segment[:-2]):  # whichever length base64 accepts
            try:
                raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            except (binascii.Error, ValueError):
                continue
            found.append(raw)
            with contextlib.suppress(zlib.error):
                found.append(zlib.decompress(raw))
    return found


def readable_traces(email: str, *ids: int) -> list[bytes]:
    digest = hashlib.sha256(email.strip().lower().encode()).digest()
    traces = [email.encode(), email.lower().encode(), digest.hex()[:8].encode(), digest[:4], b'"s":', b'"f":', b'"n":']
    for number in ids:
        traces += [str(number).encode(), *(struct.pack(f, number) for f in (">I", "<I", ">Q", "<Q"))]
    return traces


@pytest.mark.parametrize("make", [tokens.confirm_token, tokens.preferences_token, lambda s: tokens.unsubscribe_token(s, 424242)])
def test_new_token_holds_nothing_a_reader_can_decode(make):
    subscriber = SubscriberFactory(id=987654321, email="Private.Reader@example.org")
    token = make(subscriber)
    assert ":" not in token and token != make(subscriber)  # sealed with a fresh nonce each time
    blobs = decodings(token)
    assert blobs
    for blob in blobs:
        for trace in readable_traces(subscriber.email, subscriber.pk, 424242):
            assert trace not in blob, (trace, blob)


def test_links_in_mail_stay_short(mail_settings):
    from newsletter import emails

    mail_settings.SITE_URL = "https://www.citymagazine.example.com"
    subscriber = SubscriberFactory(id=987654321, email="a.rather.long.address.of.a.reader@subdomain.example.org")
    newsletter = NewsletterFactory(id=424242)
    for url in [emails.confirm_url(subscriber), emails.preferences_url(subscriber), emails.unsubscribe_url(subscriber, newsletter)]:
        assert len(url) < 200, url


@pytest.mark.parametrize("position", [0, 1, 20, 40, -2, -1])
def test_token_with_any_character_changed_is_invalid(position):
    token = tokens.preferences_token(SubscriberFactory())
    index = position % len(token)
    changed = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_preferences_token(changed)
    assert error.value.reason == "invalid"


@pytest.mark.parametrize("token", ["", "A", "AQ", "x" * 300, "Ae6hLE9DfTDzhy7lUv5AR9QB", "%00", "ÄÖÜ", "a b"])
def test_garbage_tokens_are_invalid(token):
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_unsubscribe_token(token)
    assert error.value.reason == "invalid"


def test_token_sealed_with_another_secret_is_invalid_and_a_rotated_secret_still_reads(settings):
    subscriber = SubscriberFactory()
    settings.SECRET_KEY = "an-old-secret-" + "x" * 40
    token = tokens.preferences_token(subscriber)
    settings.SECRET_KEY = "a-new-secret-" + "y" * 40
    with pytest.raises(tokens.TokenError):
        tokens.read_preferences_token(token)
    settings.SECRET_KEY_FALLBACKS = ["an-old-secret-" + "x" * 40]
    assert tokens.read_preferences_token(token).subscriber_id == subscriber.pk


def test_new_token_expires_under_the_same_lifetime(settings):
    token = tokens.preferences_token(SubscriberFactory())
    settings.NEWSLETTER_LINK_MAX_AGE = -1
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_preferences_token(token)
    assert error.value.reason == "expired"


def test_old_signed_token_still_works_until_it_expires(settings):
    subscriber = SubscriberFactory()
    data = tokens.read_unsubscribe_token(legacy_token(tokens.UNSUBSCRIBE, subscriber, 7, age=3600))
    assert (data.subscriber_id, data.newsletter_id) == (subscriber.pk, 7)
    assert selectors.subscriber_for_token(data=data) == subscriber
    settings.NEWSLETTER_CONFIRM_MAX_AGE = 3600
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_confirm_token(legacy_token(tokens.CONFIRM, subscriber, age=3601))
    assert error.value.reason == "expired"
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_confirm_token(legacy_token(tokens.PREFERENCES, subscriber))
    assert error.value.reason == "invalid"


def test_old_signed_links_still_open_their_pages_and_expired_ones_explain(client, weekly, settings):
    subscriber = SubscriberFactory(email="old.link@example.org", lists=[weekly])
    page = client.get(reverse("newsletter:preferences", args=[legacy_token(tokens.PREFERENCES, subscriber, age=86400)]))
    assert page.status_code == 200 and "old.link@example.org" in page.content.decode()

    unsubscribe = reverse("newsletter:unsubscribe", args=[legacy_token(tokens.UNSUBSCRIBE, subscriber, weekly.pk)])
    done = client.post(unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert Subscription.objects.get(subscriber=subscriber, newsletter=weekly).state == Subscription.State.UNSUBSCRIBED

    expired = legacy_token(tokens.PREFERENCES, subscriber, age=settings.NEWSLETTER_LINK_MAX_AGE + 60)
    response = client.get(reverse("newsletter:preferences", args=[expired]))
    assert response.status_code == 410 and "This link has expired" in response.content.decode()


def test_changed_sealed_unsubscribe_link_explains_and_changes_nothing(client, weekly):
    subscriber = SubscriberFactory(lists=[weekly])
    token = tokens.unsubscribe_token(subscriber, weekly.pk)
    changed = token[:30] + ("A" if token[30] != "A" else "B") + token[31:]
    response = client.post(reverse("newsletter:unsubscribe", args=[changed]), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400 and "This link does not work" in response.content.decode()
    assert Subscription.objects.get().state == Subscription.State.ACTIVE
