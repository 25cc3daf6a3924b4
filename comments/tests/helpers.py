"""Small helpers shared by the comment tests."""

import re

from django.core import mail

from comments import spam


def form_data(article, **overrides):
    data = {
        "name": "Li Wei",
        "email": "li.wei@example.com",
        "body": "A fine piece about the new metro line.",
        "timestamp": spam.form_timestamp(article_id=article.pk),
        "website": "",
        "parent": "",
    }
    data.update(overrides)
    return data


def post_url(article):
    return f"/comments/post/{article.pk}/"


def links_in_last_mail(to: str) -> dict[str, str]:
    """The confirm/delete/unsubscribe paths in the newest email sent to ``to``."""
    message = [m for m in mail.outbox if to in m.to][-1]
    found = {}
    for kind in ("confirm", "delete", "unsubscribe"):
        match = re.search(rf"https?://[^/\s]+(/comments/{kind}/[^\s]+/)", message.body)
        if match:
            found[kind] = match.group(1)
    return found
