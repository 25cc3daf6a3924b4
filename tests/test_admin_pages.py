"""Every admin page opens on the demo magazine: list, search, add, change, history and delete.

The demo is loaded the way `make run` loads it, plus one object of each kind the demo does
not make. Staff pages must never answer
with a server error, whatever they are asked for.
"""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from articles.models import Article
from articles.tests.factories import UserFactory
from comments.tests.factories import BlockedTermFactory, CommentFactory
from magazine.tests.factories import EditionFactory
from newsletter.tests.factories import NewsletterFactory, SendFactory

pytestmark = pytest.mark.django_db


def admin_urls():
    for model in admin.site._registry:
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        changelist = reverse(f"admin:{info}_changelist")
        yield changelist
        yield changelist + "?q=%27%22%3Cb%3E%20%F0%9F%8D%9C"  # quotes, a tag, an emoji
        yield changelist + "?o=1.2.-3&p=999&nonsense=1"
        yield reverse(f"admin:{info}_add")
        # Unmanaged models (django-rq's queue dashboard, with REDIS_URL) have no table to read.
        obj = model._default_manager.order_by("pk").first() if model._meta.managed else None
        if obj is None:
            continue
        for view in ("change", "history", "delete"):
            try:
                yield reverse(f"admin:{info}_{view}", args=[obj.pk])
            except NoReverseMatch:
                pass


def test_every_admin_page_opens_on_the_demo_magazine(client):
    call_command("seed_demo", articles=12, images=2, verbosity=0)
    NewsletterFactory()  # the demo's subscribers join the default list, or this one without it
    call_command("newsletter_demo_subscribers", count=5, verbosity=0)
    CommentFactory()
    BlockedTermFactory()
    EditionFactory()
    SendFactory()
    client.force_login(UserFactory(username="chief", is_staff=True, is_superuser=True))

    answers = {url: client.get(url).status_code for url in admin_urls()}

    failed = {url: status for url, status in answers.items() if status not in (200, 302, 403)}
    assert not failed, failed
    assert len(answers) > 100  # every registered model was visited
    # Demo articles come with their first revision, so staff can compare and restore at once.
    first_article = Article.objects.order_by("pk").first()
    history = client.get(reverse("admin:articles_article_history", args=[first_article.pk])).content.decode()
    assert "Demo content loaded" in history
