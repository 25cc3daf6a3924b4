"""Every reader page type is valid HTML by the Nu HTML Checker (vnu.jar, the W3C's checker).

The checker is slow to start (Java), so the pages are rendered first and checked in one run.
It is the npm package ``vnu-jar`` (pinned below) installed outside the repository; `.ci/run`
installs it. Where Java or the jar is missing the test skips saying how to get them, except
under CI=true, where it fails.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.template import loader
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.renditions import create_renditions
from articles.tests.factories import (
    ArticleFactory,
    AuthorFactory,
    ImageFactory,
    RegionFactory,
    TopicFactory,
)
from comments import tokens as comment_tokens
from comments.tests.factories import CommentFactory, reply_to
from magazine.tests.factories import EditionFactory
from newsletter import tokens as newsletter_tokens
from newsletter.models import Newsletter, Send, SendArticle
from newsletter.tests.factories import NewsletterFactory, SendFactory, SubscriberFactory
from tests.tools import need

pytestmark = pytest.mark.django_db

VNU_VERSION = "26.9.27"
VNU_HOME = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "magazine" / f"vnu-jar-{VNU_VERSION}"
VNU_INSTALL = f"npm install --ignore-scripts --no-save --prefix {VNU_HOME} vnu-jar@{VNU_VERSION}"


def vnu_jar() -> Path:
    """The checker's jar: VNU_JAR if set, else the pinned npm package in the user's cache."""
    jar = Path(os.environ.get("VNU_JAR") or VNU_HOME / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar")
    if jar.is_file():
        return jar
    message = f"the Nu HTML Checker is not installed at {jar}: `{VNU_INSTALL}` to run this test"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message + " (CI=true: this test may not be skipped)")
    pytest.skip(message)


def check_html(files: list[Path]) -> list[str]:
    """Every error the checker reports in ``files``, one line each: file:line: message."""
    java = need("java", "apt-get install default-jre-headless")
    jar = vnu_jar()
    run = subprocess.run(
        [java, "-Xss4m", "-jar", str(jar), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    assert run.returncode == (1 if messages else 0), run.stderr[-2000:]
    return [
        f"{Path(m.get('url', '?')).name}:{m.get('lastLine', '?')}: {m.get('message')} "
        f"[{' '.join(m.get('extract', '').split())[:120]}]"
        for m in messages
    ]


def reader_pages(client: Client) -> dict[str, tuple[str, int]]:
    """A magazine with every kind of content, and the address of each page type to check."""
    shanghai = RegionFactory(slug="shanghai", name="Shanghai")
    beijing = RegionFactory(slug="beijing", name="Beijing")
    food = TopicFactory(slug="food", name="Food & Drink")
    news = TopicFactory(slug="news", name="News")
    writer, photographer = AuthorFactory(slug="li-wei", name="Li Wei"), AuthorFactory(name="Zhang Min")
    now = timezone.now()
    pictures = [ImageFactory(alt_text="Steam over a basket of dumplings"), ImageFactory(alt_text="The Bund at dusk")]
    for picture in pictures:
        create_renditions(picture)
    stories = [
        ArticleFactory(
            region=shanghai if n % 2 else beijing,
            topic=food if n % 3 else news,
            title=f"Dumplings & noodles on the Bund, story {n}",
            published_at=now - timedelta(hours=n + 1, microseconds=123456),
            hero_image=pictures[n % 2] if n < 6 else None,
            authors=[writer] if n % 2 else [writer, photographer],
            tags=["nightlife", "dumplings"],
        )
        for n in range(8)
    ]
    article = ArticleFactory(
        region=shanghai,
        topic=food,
        title="Where to eat xiaolongbao in Jing'an",
        slug="xiaolongbao",
        body="First paragraph.\n\nSecond paragraph.\n\nThird paragraph.\n\nFourth paragraph.",
        hero_image=pictures[0],
        authors=[writer, photographer],
        tags=["dumplings"],
        read_more=stories[:2],
    )
    illustrated = ArticleFactory(
        region=shanghai,
        topic=food,
        title="A night at the Yuyuan lantern fair",
        body=(
            f"The lanterns go up at dusk.\n\n[image {pictures[1].pk} \"Lanterns over the zigzag bridge\"]\n\n"
            "[pull quote] Come after nine, when the crowds thin. — Chen Jie, stallholder\n\n"
            f"[gallery {pictures[0].pk} {pictures[1].pk}]\n\n"
            "[embed https://www.youtube.com/watch?v=dQw4w9WgXcQ \"The fair in two minutes\"]\n\n"
            "[embed https://www.openstreetmap.org/?mlat=31.2272&mlon=121.4921 \"Where the fair is\"]"
        ),
    )
    first = CommentFactory(article=article, body="Go early: the queue is long by noon.")
    reply = reply_to(first, body="Agreed, and the crab ones are worth it.")
    edition = EditionFactory()
    # The data migration's newsletter, unless a transactional test before this one flushed it.
    weekly = Newsletter.objects.order_by("pk").first() or NewsletterFactory(name="Weekly", slug="weekly")
    subscriber = SubscriberFactory(lists=[weekly])
    pending = SubscriberFactory(pending=True, lists=[weekly])
    send = SendFactory(newsletter=weekly, subject="Lanterns and dumplings", intro="Hello readers.\n\nHere is the week.")
    SendArticle.objects.create(send=send, article=stories[0], sort_order=0)
    Send.objects.filter(pk=send.pk).update(status=Send.Status.SENT, started_at=now - timedelta(microseconds=654321))

    def comment_link(name, purpose, comment):
        token = comment_tokens.make_token(purpose=purpose, comment_id=comment.pk, email=comment.email)
        return reverse(f"comments:{name}", args=[token])

    preferences = newsletter_tokens.preferences_token(subscriber)
    return {
        "home": ("/", 200),
        "article": (article.get_absolute_url(), 200),
        "article-plain": (stories[5].get_absolute_url(), 200),
        "article-media": (illustrated.get_absolute_url(), 200),
        "region": (reverse("articles:region", args=["shanghai"]), 200),
        "region-topic": (reverse("articles:region_topic", args=["shanghai", "food"]), 200),
        "topic": (reverse("articles:topic", args=["food"]), 200),
        "author": (reverse("articles:author", args=["li-wei"]), 200),
        "tag": (reverse("articles:tag", args=["dumplings"]), 200),
        "search-results": (reverse("search") + "?q=dumplings", 200),
        "search-nothing": (reverse("search") + "?q=zzyzx", 200),
        "search-form": (reverse("search"), 200),
        "archive": (reverse("edition_archive"), 200),
        "edition": (edition.get_absolute_url(), 200),
        "newsletter-signup": (reverse("newsletter:signup"), 200),
        "newsletter-detail": (reverse("newsletter:detail", args=[weekly.slug]), 200),
        "newsletter-inbox": (reverse("newsletter:check_inbox"), 200),
        "newsletter-confirm": (reverse("newsletter:confirm", args=[newsletter_tokens.confirm_token(pending)]), 200),
        "newsletter-preferences": (reverse("newsletter:preferences", args=[preferences]), 200),
        "newsletter-unsubscribe": (
            reverse("newsletter:unsubscribe", args=[newsletter_tokens.unsubscribe_token(subscriber, weekly.pk)]),
            200,
        ),
        "newsletter-bad-link": (reverse("newsletter:preferences", args=["not-a-token"]), 400),
        "newsletter-issue": (reverse("newsletter:issue_web", args=[send.web_id]), 200),
        "comment-confirm": (comment_link("confirm", comment_tokens.CONFIRM, reply), 200),
        "comment-delete": (comment_link("delete", comment_tokens.DELETE, first), 200),
        "comment-unsubscribe": (comment_link("unsubscribe", comment_tokens.UNSUBSCRIBE, first), 200),
        "comment-bad-link": (reverse("comments:confirm", args=["not-a-token"]), 400),
        "not-found": ("/no/such/page/", 404),
        "admin-login": (reverse("admin:login"), 200),
    }


def test_every_page_type_passes_the_nu_html_checker(client, tmp_path, settings):
    settings.PAGE_CACHE_ENABLED = False
    need("java", "apt-get install default-jre-headless")
    vnu_jar()
    files = []
    for name, (url, status) in reader_pages(client).items():
        response = client.get(url)
        assert response.status_code == status, (name, url, response.status_code)
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(path)
    # Forms sent back with a mistake show their errors.
    for name, url, data in [
        ("comment-form-errors", reverse("comments:post", args=[Article.objects.get(slug="xiaolongbao").pk]), {}),
        ("newsletter-form-errors", reverse("newsletter:subscribe"), {"email": "not an address"}),
    ]:
        response = client.post(url, data)
        assert response.status_code in {200, 400}, (name, response.status_code)
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(path)
    media = (tmp_path / "article-media.html").read_text()
    assert media.count("body-figure") >= 3 and media.count('class="embed') >= 2 and "pull-quote" in media
    # The server error page, rendered as Django's handler renders it: without a request.
    path = tmp_path / "server-error.html"
    path.write_text(loader.get_template("500.html").render())
    files.append(path)
    errors = check_html(files)
    assert errors == [], "\n".join(errors)
