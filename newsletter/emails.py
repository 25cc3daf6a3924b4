"""Building newsletter mails: a text part, an HTML part, personal links, RFC 2369 / 8058
unsubscribe headers and a Message-ID in the site's domain."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from articles.models import Article
from magazine.mail import message_id, newsletter_unsubscribe_email
from newsletter import tokens
from newsletter.models import Newsletter, Send, Subscriber


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def web_version_url(send: Send) -> str:
    """The issue's public page ("view in browser"); it answers once the issue is sent."""
    return absolute(reverse("newsletter:issue_web", args=[send.web_id]))


def confirm_url(subscriber: Subscriber) -> str:
    return absolute(reverse("newsletter:confirm", args=[tokens.confirm_token(subscriber)]))


def preferences_url(subscriber: Subscriber) -> str:
    return absolute(reverse("newsletter:preferences", args=[tokens.preferences_token(subscriber)]))


def unsubscribe_url(subscriber: Subscriber, newsletter: Newsletter | None = None) -> str:
    token = tokens.unsubscribe_token(subscriber, newsletter.pk if newsletter else None)
    return absolute(reverse("newsletter:unsubscribe", args=[token]))


# The subject of a mailto: unsubscribe: "unsubscribe TOKEN"; newsletter/webhooks.py reads it back.
UNSUBSCRIBE_SUBJECT = "unsubscribe"


def unsubscribe_mailto(token: str) -> str:
    subject = quote(f"{UNSUBSCRIBE_SUBJECT} {token}", safe="")
    return f"mailto:{newsletter_unsubscribe_email()}?subject={subject}"


def unsubscribe_links(subscriber: Subscriber, newsletter: Newsletter | None = None) -> tuple[str, str]:
    """The one-click https link (RFC 8058) and the mailto: (RFC 2369), with one token."""
    token = tokens.unsubscribe_token(subscriber, newsletter.pk if newsletter else None)
    return absolute(reverse("newsletter:unsubscribe", args=[token])), unsubscribe_mailto(token)


def _list_id(newsletter: Newsletter) -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    return f"{newsletter.name} <{newsletter.slug}.{host}>"


def _message(*, subject, to, from_email, text, html, headers=None, connection=None) -> EmailMultiAlternatives:
    headers = {"Message-ID": message_id(), **(headers or {})}
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=from_email, to=[to], headers=headers, connection=connection
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    return message


def confirmation_message(*, subscriber: Subscriber, newsletters: Sequence[Newsletter]) -> EmailMultiAlternatives:
    context = {
        "site_name": settings.SITE_NAME,
        "newsletters": newsletters,
        "confirm_url": confirm_url(subscriber),
        "max_age_days": settings.NEWSLETTER_CONFIRM_MAX_AGE // 86400,
    }
    return _message(
        subject=f"Please confirm your subscription to {settings.SITE_NAME}",
        to=subscriber.email,
        from_email=settings.DEFAULT_FROM_EMAIL,
        text=render_to_string("newsletter/email/confirm.txt", context),
        html=render_to_string("newsletter/email/confirm.html", context),
    )


def welcome_message(*, subscriber: Subscriber, newsletters: Sequence[Newsletter]) -> EmailMultiAlternatives:
    """Sent once the address is confirmed: what it will get, how often, and its own links."""
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "newsletters": newsletters,
        "preferences_url": preferences_url(subscriber),
        "unsubscribe_url": unsubscribe_url(subscriber),
    }
    return _message(
        subject=f"Welcome to {settings.SITE_NAME}: you are subscribed",
        to=subscriber.email,
        from_email=settings.DEFAULT_FROM_EMAIL,
        text=render_to_string("newsletter/email/welcome.txt", context),
        html=render_to_string("newsletter/email/welcome.html", context),
    )


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


def issue_context(*, send: Send, subscriber: Subscriber, articles: Sequence[Article]) -> dict:
    unsubscribe, unsubscribe_by_mail = unsubscribe_links(subscriber, send.newsletter)
    return {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "send": send,
        "newsletter": send.newsletter,
        "subscriber": subscriber,
        "intro_paragraphs": paragraphs(send.intro),
        "articles": [
            {
                "title": article.title,
                "standfirst": article.standfirst,
                "url": absolute(article.get_absolute_url()),
                "region": article.region.name,
                "topic": article.topic.name,
            }
            for article in articles
        ],
        "web_url": web_version_url(send),
        "preferences_url": preferences_url(subscriber),
        "unsubscribe_url": unsubscribe,
        "unsubscribe_mailto": unsubscribe_by_mail,
    }


def issue_message(
    *, send: Send, subscriber: Subscriber, articles: Sequence[Article], connection=None, test: bool = False
) -> EmailMultiAlternatives:
    """The mail of one send for one subscriber; plain-text subscribers get the text part only."""
    context = issue_context(send=send, subscriber=subscriber, articles=articles)
    text = render_to_string("newsletter/email/issue.txt", context)
    wants_html = subscriber.format != Subscriber.Format.TEXT
    html = render_to_string("newsletter/email/issue.html", context) if wants_html else None
    headers = {
        "List-Unsubscribe": f"<{context['unsubscribe_url']}>, <{context['unsubscribe_mailto']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": _list_id(send.newsletter),
        "Precedence": "bulk",
    }
    subject = f"[TEST] {send.subject}" if test else send.subject
    return _message(
        subject=subject,
        to=subscriber.email,
        from_email=send.newsletter.from_email,
        text=text,
        html=html,
        headers=headers,
        connection=connection,
    )
