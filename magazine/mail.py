"""What every mail the site sends takes from SITE_URL: its domain, for Message-IDs and the
default sender and unsubscribe addresses.

Django names a message after the machine (``DNS_NAME``, the host name of whichever worker sent
it); mail from the site names the site instead, so replies and threading point at the site's
own domain whichever machine the task ran on.
"""

from __future__ import annotations

from email.utils import formataddr, make_msgid
from urllib.parse import urlsplit

from django.conf import settings


def site_domain() -> str:
    """The host of SITE_URL ("www.example.com"), in ASCII (IDNA) form."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def message_id() -> str:
    """A fresh Message-ID in the site's domain: ``<…@www.example.com>``."""
    return make_msgid(domain=site_domain())


def comments_from_email() -> str:
    """The sender of comment mail: COMMENTS_FROM_EMAIL, or "SITE_NAME <comments@site domain>"."""
    return settings.COMMENTS_FROM_EMAIL or formataddr((settings.SITE_NAME, f"comments@{site_domain()}"))


def articles_from_email() -> str:
    """The sender of newsroom mail to staff: ARTICLES_FROM_EMAIL, or "SITE_NAME <newsroom@site domain>"."""
    return settings.ARTICLES_FROM_EMAIL or formataddr((settings.SITE_NAME, f"newsroom@{site_domain()}"))


def newsletter_unsubscribe_email() -> str:
    """Where a mailto: unsubscribe goes: NEWSLETTER_UNSUBSCRIBE_EMAIL, or unsubscribe@site domain."""
    return settings.NEWSLETTER_UNSUBSCRIBE_EMAIL or f"unsubscribe@{site_domain()}"
