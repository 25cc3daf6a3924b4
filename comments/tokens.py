"""Links in comment emails: confirm, delete, and stop reply notifications.

Each purpose is sealed separately, so a confirm link cannot be replayed as a delete link. The
token carries the comment id and a fingerprint of its email, so a link stops working when the
comment it was made for is gone. Both are sealed (``magazine.sealed``): a reader of the link
learns neither.

Links mailed before tokens were sealed are Django signed values; they are still accepted under
the same lifetimes (unsubscribe links never expire, so that reader stays).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner

from magazine import sealed

CONFIRM = "confirm"
DELETE = "delete"
UNSUBSCRIBE = "unsubscribe"


def _max_age(purpose: str) -> int | None:
    return {
        CONFIRM: settings.COMMENTS_CONFIRM_MAX_AGE,
        DELETE: settings.COMMENTS_DELETE_MAX_AGE,
        UNSUBSCRIBE: None,
    }[purpose]


def _email_tag(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:12]


def make_token(*, purpose: str, comment_id: int, email: str) -> str:
    _max_age(purpose)  # an unknown purpose fails here, not when the link is used
    return sealed.seal({"c": comment_id, "e": _email_tag(email)}, purpose=f"comments.{purpose}")


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


def _payload(token: str, purpose: str):
    if sealed.looks_sealed(token):
        try:
            return sealed.unseal(token, purpose=f"comments.{purpose}", max_age=_max_age(purpose))
        except sealed.Expired:
            raise TokenError("expired") from None
        except sealed.Invalid:
            raise TokenError("invalid") from None
    # A link mailed before tokens were sealed: the purpose was the signing salt.
    try:
        return TimestampSigner(salt=f"comments.{purpose}").unsign_object(token, max_age=_max_age(purpose))
    except SignatureExpired:
        raise TokenError("expired") from None
    except (BadSignature, ValueError, TypeError):
        raise TokenError("invalid") from None


def read_token(token: str, *, purpose: str) -> TokenData:
    data = _payload(token, purpose)
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("e"), str):
        raise TokenError("invalid")
    return TokenData(comment_id=data["c"], email_tag=data["e"])
