"""Links in newsletter mails: one purpose per kind of link, each with its own lifetime.

A token names the subscriber and a fingerprint of the address, so a link keeps working only
for the address it was sent to. Both are sealed (``magazine.sealed``): a reader of the link
learns neither the subscriber's id nor anything about the address. Tokens carry no state:
what a token may still do is decided by the subscriber's state when it is used (a confirmed
subscriber's confirmation link is "used").

Links mailed before tokens were sealed are Django signed values (readable, though not
forgeable); they are still accepted until they expire under the same lifetimes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from magazine import sealed

CONFIRM = "newsletter.confirm"
PREFERENCES = "newsletter.preferences"
UNSUBSCRIBE = "newsletter.unsubscribe"


class TokenError(Exception):
    """A link that cannot be used; ``reason`` is "expired", "invalid" or "unknown"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TokenData:
    subscriber_id: int
    fingerprint: str
    newsletter_id: int | None = None


def fingerprint(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def _make(purpose: str, subscriber, newsletter_id: int | None = None) -> str:
    payload = {"s": subscriber.pk, "f": fingerprint(subscriber.email)}
    if newsletter_id is not None:
        payload["n"] = newsletter_id
    return sealed.seal(payload, purpose=purpose)


def _payload(purpose: str, token: str, max_age: int):
    if sealed.looks_sealed(token):
        try:
            return sealed.unseal(token, purpose=purpose, max_age=max_age)
        except sealed.Expired:
            raise TokenError("expired") from None
        except sealed.Invalid:
            raise TokenError("invalid") from None
    # A link mailed before tokens were sealed: the purpose was the signing salt.
    try:
        return signing.loads(token, salt=purpose, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenError("expired") from None
    except (signing.BadSignature, ValueError):
        raise TokenError("invalid") from None


def _read(purpose: str, token: str, max_age: int) -> TokenData:
    payload = _payload(purpose, token, max_age)
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        raise TokenError("invalid")
    newsletter_id = payload.get("n")
    return TokenData(
        subscriber_id=payload["s"],
        fingerprint=str(payload.get("f", "")),
        newsletter_id=newsletter_id if isinstance(newsletter_id, int) else None,
    )


def confirm_token(subscriber) -> str:
    return _make(CONFIRM, subscriber)


def preferences_token(subscriber) -> str:
    return _make(PREFERENCES, subscriber)


def unsubscribe_token(subscriber, newsletter_id: int | None = None) -> str:
    return _make(UNSUBSCRIBE, subscriber, newsletter_id)


def read_confirm_token(token: str) -> TokenData:
    return _read(CONFIRM, token, settings.NEWSLETTER_CONFIRM_MAX_AGE)


def read_preferences_token(token: str) -> TokenData:
    return _read(PREFERENCES, token, settings.NEWSLETTER_LINK_MAX_AGE)


def read_unsubscribe_token(token: str) -> TokenData:
    return _read(UNSUBSCRIBE, token, settings.NEWSLETTER_LINK_MAX_AGE)
