import time

import pytest
from django.core import signing

from newsletter import selectors, tokens
from newsletter.tests.factories import SubscriberFactory

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
