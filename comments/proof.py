"""Proof, kept in the reader's browser, that they own a commenter's email address.

Typing an address into the comment form proves nothing: anyone can type anyone's. A reader
proves an address by pressing the button behind the confirmation link mailed to it; the browser
that pressed it gets a signed, long-lived, HttpOnly cookie. The cookie names each proven address
only by a keyed hash (HMAC with the site's secret key), so whoever reads it learns nothing
about the address, and nobody without the key can make or alter one. A comment counts as from a
returning commenter only when its address is known *and* the request carries this proof for
that same address (see ``comments.services``).
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from comments.models import normalise_email

COOKIE_NAME = "commenter"
SALT = "comments.commenter-proof"
MAX_AGE = int(timedelta(days=365).total_seconds())
MAX_ADDRESSES = 5  # a shared family computer, or one reader with a work and a home address
_KEY = re.compile(r"[0-9a-f]{32}")


def address_key(email: str) -> str:
    """The keyed hash that stands for an address in the cookie."""
    return salted_hmac(f"{SALT}.address", normalise_email(email), algorithm="sha256").hexdigest()[:32]


def proven_keys(request) -> list[str]:
    """The address keys this browser has proven; empty when the cookie is missing, forged,
    altered or older than ``MAX_AGE``."""
    value = request.get_signed_cookie(COOKIE_NAME, default="", salt=SALT, max_age=MAX_AGE)
    return [key for key in value.split(".") if _KEY.fullmatch(key)][:MAX_ADDRESSES]


def proves(request, *, email: str) -> bool:
    """Whether this request carries proof that ``email`` belongs to the reader."""
    if not normalise_email(email):
        return False
    wanted = address_key(email)
    return any(constant_time_compare(key, wanted) for key in proven_keys(request))


def remember(response, request, *, email: str) -> None:
    """Give the browser proof of ``email`` (newest first, keeping what it proved before), or
    renew it for another ``MAX_AGE``.

    Only the confirmation page's POST may add an address; posting a comment only renews proof
    the browser already had. A response that sets this cookie is never stored by the page cache
    (it refuses every response with a cookie).
    """
    new = address_key(email)
    keys = [new, *(key for key in proven_keys(request) if key != new)][:MAX_ADDRESSES]
    response.set_signed_cookie(
        COOKIE_NAME,
        ".".join(keys),
        salt=SALT,
        max_age=MAX_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )
