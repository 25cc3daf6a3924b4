"""Building newsletter mails: a text part, an HTML part, personal links, RFC 2369 / 8058
unsubscribe headers and a Message-ID in the site's domain.

The HTML part is a table layout written with one stylesheet (templates/newsletter/email/base.html)
whose rules are moved onto the elements' style attributes by css-inline before the mail leaves:
Gmail, Outlook and most webmail programs drop or ignore a <style> block. An issue is laid out
and inlined once, with markers where each subscriber's own links go; each mail then only swaps
its links in (``IssueMail``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import quote

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles.models import Article
from magazine.mail import message_id, newsletter_unsubscribe_email
from newsletter import tokens
from newsletter.models import Newsletter, Send, Subscriber


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def absolute_media(url: str) -> str:
    """A storage URL as a mail needs it: ``/media/…`` on the site, or the CDN's own address."""
    if url.startswith("//"):
        return f"https:{url}"
    if url.startswith("/"):
        return absolute(url)
    return url


# Keep media queries (in the head, for the clients that read them); never fetch a stylesheet.
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    """The mail's <style> rules written onto every element they select."""
    return _INLINER.inline(html)


# A worker sends an issue in many batches; the layout of one issue (and of each digest's set of
# articles) is the same in all of them, so its inlined form is kept for the next batch.
@lru_cache(maxsize=16)
def _inline_layout(html: str) -> str:
    return inline_css(html)

# The column of the 600 px layout, less its padding: the width every hero image is shown at.
MAIL_IMAGE_WIDTH = 560


def mail_image(image) -> dict | None:
    """The hero image as mail programs can show it, or None when it has no JPEG rendition yet.

    JPEG because Outlook and older clients cannot show WebP; the narrowest rendition at least as
    wide as the column, so it stays sharp when a phone scales it down. Width and height are the
    size it is shown at, so the layout does not jump while (or if never) images load.
    """
    if image is None:
        return None
    jpegs = image.sources("jpeg")
    if not jpegs:
        return None
    picked = next((s for s in jpegs if s["width"] >= MAIL_IMAGE_WIDTH), jpegs[-1])
    width = min(MAIL_IMAGE_WIDTH, picked["width"])
    height = max(1, round(picked["height"] * width / picked["width"]))
    return {"src": absolute_media(picked["url"]), "width": width, "height": height, "alt": image.alt_text}


def _common_context() -> dict:
    site_url = settings.SITE_URL
    return {
        "site_name": settings.SITE_NAME,
        "site_url": site_url,
        "site_url_display": site_url.split("://", 1)[-1],
        "language_code": settings.LANGUAGE_CODE,
    }


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
        **_common_context(),
        "newsletters": newsletters,
        "confirm_url": confirm_url(subscriber),
        "max_age_days": settings.NEWSLETTER_CONFIRM_MAX_AGE // 86400,
    }
    return _message(
        subject=f"Please confirm your subscription to {settings.SITE_NAME}",
        to=subscriber.email,
        from_email=settings.DEFAULT_FROM_EMAIL,
        text=render_to_string("newsletter/email/confirm.txt", context),
        html=inline_css(render_to_string("newsletter/email/confirm.html", context)),
    )


def welcome_message(*, subscriber: Subscriber, newsletters: Sequence[Newsletter]) -> EmailMultiAlternatives:
    """Sent once the address is confirmed: what it will get, how often, and its own links."""
    context = {
        **_common_context(),
        "newsletters": newsletters,
        "preferences_url": preferences_url(subscriber),
        "unsubscribe_url": unsubscribe_url(subscriber),
    }
    return _message(
        subject=f"Welcome to {settings.SITE_NAME}: you are subscribed",
        to=subscriber.email,
        from_email=settings.DEFAULT_FROM_EMAIL,
        text=render_to_string("newsletter/email/welcome.txt", context),
        html=inline_css(render_to_string("newsletter/email/welcome.html", context)),
    )


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


def _preheader(send: Send, intro_paragraphs: list[str]) -> str:
    """The line mail programs show after the subject in the inbox list."""
    first = intro_paragraphs[0] if intro_paragraphs else ""
    return " ".join(first.split())[:140]


def issue_context(*, send: Send, articles: Sequence[Article]) -> dict:
    """What an issue's layout shows, the same for every subscriber who gets these articles."""
    intro = paragraphs(send.intro)
    return {
        **_common_context(),
        "send": send,
        "newsletter": send.newsletter,
        "intro_paragraphs": intro,
        "preheader": _preheader(send, intro),
        "issue_date": send.started_at or send.scheduled_for or timezone.now(),
        "articles": [
            {
                "title": article.title,
                "standfirst": article.standfirst,
                "url": absolute(article.get_absolute_url()),
                "region": article.region.name,
                "topic": article.topic.name,
                "image": mail_image(article.hero_image),
            }
            for article in articles
        ],
        "web_url": web_version_url(send),
    }


class IssueMail:
    """The mail of one send, laid out once per set of articles and addressed to each subscriber.

    The layout is rendered with markers in place of the subscriber's own links, its CSS inlined,
    and kept (a manual issue has one set of articles, a digest one per distinct choice of regions
    and topics); each mail only swaps its links in. So a batch of a thousand mails inlines once.
    """

    # Random per process, so no text an editor types can be taken for a marker.
    _marker = f"personal-link-{secrets.token_hex(8)}"
    PREFERENCES = f"{_marker}-preferences"
    UNSUBSCRIBE = f"{_marker}-unsubscribe"

    def __init__(self, *, send: Send, test: bool = False):
        self.send = send
        self.test = test
        self._layouts: dict[tuple, dict] = {}

    def _layout(self, articles: Sequence[Article], *, html: bool) -> dict:
        key = tuple(article.pk for article in articles)
        layout = self._layouts.setdefault(key, {})
        if "text" not in layout:
            context = {
                **issue_context(send=self.send, articles=articles),
                "preferences_url": self.PREFERENCES,
                "unsubscribe_url": self.UNSUBSCRIBE,
            }
            layout["context"] = context
            layout["text"] = render_to_string("newsletter/email/issue.txt", context)
        if html and "html" not in layout:
            layout["html"] = _inline_layout(render_to_string("newsletter/email/issue.html", layout["context"]))
        return layout

    @classmethod
    def _personal(cls, layout: str, *, preferences: str, unsubscribe: str) -> str:
        return layout.replace(cls.PREFERENCES, preferences).replace(cls.UNSUBSCRIBE, unsubscribe)

    def message(
        self, *, subscriber: Subscriber, articles: Sequence[Article], connection=None
    ) -> EmailMultiAlternatives:
        """This subscriber's mail; plain-text subscribers get the text part only."""
        wants_html = subscriber.format != Subscriber.Format.TEXT
        layout = self._layout(articles, html=wants_html)
        unsubscribe, unsubscribe_by_mail = unsubscribe_links(subscriber, self.send.newsletter)
        preferences = preferences_url(subscriber)
        text = self._personal(layout["text"], preferences=preferences, unsubscribe=unsubscribe)
        html = None
        if wants_html:
            html = self._personal(layout["html"], preferences=escape(preferences), unsubscribe=escape(unsubscribe))
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>, <{unsubscribe_by_mail}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": _list_id(self.send.newsletter),
            "Precedence": "bulk",
        }
        subject = f"[TEST] {self.send.subject}" if self.test else self.send.subject
        return _message(
            subject=subject,
            to=subscriber.email,
            from_email=self.send.newsletter.from_email,
            text=text,
            html=html,
            headers=headers,
            connection=connection,
        )


def issue_message(
    *, send: Send, subscriber: Subscriber, articles: Sequence[Article], connection=None, test: bool = False
) -> EmailMultiAlternatives:
    """The mail of one send for one subscriber (a preview, a test, a single resend)."""
    return IssueMail(send=send, test=test).message(subscriber=subscriber, articles=articles, connection=connection)
