"""Signed links in comment emails: confirm, delete, and stop reply notifications.

Each purpose has its own salt, so a confirm link cannot be replayed as a delete link. The
token carries the comment id and a fingerprint of its email, so a link stops working when the
comment it was made for is gone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner

CONFIRM = "confirm"
DELETE = "delete"
UNSUBSCRIBE = "unsubscribe"


def _max_age(purpose: str) -> int | None:
    return {
        CONFIRM: settings.COMMENTS_CONFIRM_MAX_AGE,
        DELETE: settings.COMMENTS_DELETE_MAX_AGE,
        UNSUBSCRIBE: None,
    }[purpose]


def _signer(purpose: str) -> TimestampSigner:
    return TimestampSigner(salt=f"comments.{purpose}")


def _email_tag(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:12]


def make_token(*, purpose: str, comment_id: int, email: str) -> str:
    return _signer(purpose).sign_object({"c": comment_id, "e": _email_tag(email)})


class TokenError(Exception):
    """The link cannot be used; ``reason`` is "expired" or "invalid"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TokenData:
    comment_id: int
    email_tag: str

    def matches(self, email: str) -> bool:
        return self.email_tag == _email_tag(email)


def read_token(token: str, *, purpose: str) -> TokenData:
    try:
        data = _signer(purpose).unsign_object(token, max_age=_max_age(purpose))
    except SignatureExpired:
        raise TokenError("expired") from None
    except (BadSignature, ValueError, TypeError):
        raise TokenError("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("e"), str):
        raise TokenError("invalid")
    return TokenData(comment_id=data["c"], email_tag=data["e"])
