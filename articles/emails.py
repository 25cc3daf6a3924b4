"""Newsroom mail to staff: a story to review, a story sent back, a story published.

Built and sent by the tasks in ``articles/tasks.py``; the sender is ARTICLES_FROM_EMAIL
(magazine/mail.py) and links point at the admin under SITE_URL.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from articles.models import Article
from magazine.mail import articles_from_email, message_id


def when_display(moment: datetime) -> str:
    """A time as the newsroom reads it: in the site's time zone, e.g. "Tuesday 8 December 2026, 09:30 (Asia/Shanghai)"."""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'l j F Y, H:i')} ({timezone.get_current_timezone_name()})"


def admin_url(article: Article) -> str:
    return f"{settings.SITE_URL}{reverse('admin:articles_article_change', args=[article.pk])}"


def review_queue_url() -> str:
    return f"{settings.SITE_URL}{reverse('admin:articles_article_changelist')}?visibility=review"


def send(*, subject: str, to: list[str], template: str, context: dict) -> int:
    if not to:
        return 0
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    message = EmailMessage(
        subject=subject,
        body=render_to_string(f"articles/email/{template}.txt", context),
        from_email=articles_from_email(),
        to=to,
        headers={"Message-ID": message_id()},
    )
    return message.send()
