"""The admin index as each role sees it: the newsroom's blocks, their links, and nothing more."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import services as article_services
from articles.models import Article
from articles.tests.factories import ArticleFactory, UserFactory
from comments.tests.factories import CommentFactory
from newsletter.models import Delivery, Send
from newsletter.tests.factories import SendFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

BLOCK_IDS = {
    "newsroom-drafts",
    "newsroom-sent-back",
    "newsroom-my-scheduled",
    "newsroom-review",
    "newsroom-calendar",
    "newsroom-recent",
    "newsroom-comments",
    "newsroom-sends",
}


def block_ids(page: str) -> set[str]:
    return set(re.findall(r'<section class="[^"]*newsroom-block[^"]*" id="([^"]+)"', page))


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


@pytest.fixture
def newsroom():
    """A writer and an editor with a little of every kind of work."""
    writer = UserFactory(username="wen", groups=["Writer"])
    editor = UserFactory(username="ed", groups=["Editor"])
    work = {
        "writer": writer,
        "editor": editor,
        "draft": ArticleFactory(draft=True, created_by=writer, title="Tea houses <b>of</b> the old town"),
        "returned": ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None, created_by=writer, title="Ferry timetable"),
        "review": ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None, created_by=writer, title="Night markets"),
        "scheduled": ArticleFactory(
            created_by=writer, published_at=timezone.now() + timedelta(days=3), title="Lantern festival"
        ),
        "live": ArticleFactory(published_at=timezone.now() - timedelta(hours=2), title="New metro line opens"),
        "comment": CommentFactory(pending=True, body="Is the ferry still running?"),
        "send": SendFactory(status=Send.Status.SENDING, started_at=timezone.now(), subject="The week in the city"),
    }
    article_services.article_send_back(article=work["returned"], by=editor, note="Check the Sunday times.")
    for n, state in enumerate(["sent", "sent", "queued"]):
        Delivery.objects.create(send=work["send"], subscriber=SubscriberFactory(email=f"r{n}@example.com"), state=state)
    return work


def index(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def test_writer_sees_their_drafts_sent_back_notes_and_scheduled_stories(client, newsroom):
    page = index(client, newsroom["writer"])

    assert block_ids(page) == {"newsroom-drafts", "newsroom-sent-back", "newsroom-my-scheduled"}
    assert change_url(newsroom["draft"]) in page
    assert "Tea houses &lt;b&gt;of&lt;/b&gt; the old town" in page
    assert change_url(newsroom["returned"]) in page
    assert "Check the Sunday times." in page
    assert change_url(newsroom["scheduled"]) in page
    assert "?visibility=draft&amp;mine=yes" in page
    # Nothing of the editors', moderators' or newsletter managers' work.
    assert change_url(newsroom["review"]) not in page
    assert "Is the ferry still running?" not in page
    assert "The week in the city" not in page


def test_editor_sees_review_calendar_and_recently_published(client, newsroom):
    page = index(client, newsroom["editor"])

    assert {"newsroom-review", "newsroom-calendar", "newsroom-recent", "newsroom-comments"} <= block_ids(page)
    assert "newsroom-sends" not in block_ids(page)
    assert change_url(newsroom["review"]) in page
    assert reverse("admin:articles_article_changelist") + "?visibility=review" in page
    assert change_url(newsroom["live"]) in page
    calendar = page.split('id="newsroom-calendar"')[1].split("</section>")[0]
    assert calendar.count("<tr") == 14
    assert change_url(newsroom["scheduled"]) in calendar
    local = timezone.localtime(newsroom["scheduled"].published_at)
    assert local.strftime("%H:%M") in calendar
    assert "Times in Asia/Shanghai" in calendar


def test_moderator_sees_only_the_comments_waiting(client, newsroom):
    page = index(client, UserFactory(username="mo", groups=["Moderator"]))

    assert block_ids(page) == {"newsroom-comments"}
    assert reverse("admin:comments_comment_change", args=[newsroom["comment"].pk]) in page
    assert reverse("admin:comments_comment_changelist") + "?state__exact=pending" in page


def test_newsletter_manager_sees_sends_in_progress_with_their_counts(client, newsroom):
    page = index(client, UserFactory(username="nm", groups=["Newsletter manager"]))

    assert block_ids(page) == {"newsroom-sends"}
    assert reverse("admin:newsletter_send_change", args=[newsroom["send"].pk]) in page
    assert "2 sent, 1 queued" in page


def test_superuser_sees_every_block_and_the_sections_still_follow(client, newsroom):
    page = index(client, UserFactory(username="chief", is_superuser=True))

    assert block_ids(page) == BLOCK_IDS
    assert reverse("admin:articles_article_changelist") in page
    assert "Recent actions" in page


def test_staff_without_a_role_get_the_plain_index(client):
    page = index(client, UserFactory(username="plain"))

    assert 'id="newsroom"' not in page
    assert block_ids(page) == set()


def test_the_index_has_no_inline_style_or_script(client, newsroom):
    page = index(client, UserFactory(username="chief", is_superuser=True))

    assert "style=" not in page
    assert "<style" not in page
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []


@pytest.mark.parametrize("n", [1, 10])
def test_editor_index_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries, n):
    editor = UserFactory(username="ed", groups=["Editor"])
    now = timezone.now()
    for i in range(n):
        ArticleFactory(draft=True, created_by=editor)
        ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None, created_by=editor)
        ArticleFactory(created_by=editor, published_at=now + timedelta(days=i % 13, hours=1))
        ArticleFactory(published_at=now - timedelta(hours=i + 1))
        CommentFactory(pending=True)
    client.force_login(editor)

    # Session, user, permissions (2) and recent actions; then seven blocks: a page of rows each
    # and, only where there are more rows than that, a count.
    with django_assert_max_num_queries(5 + 7 + 7):
        response = client.get(reverse("admin:index"))

    assert response.status_code == 200


def test_every_link_of_the_dashboard_opens_its_page(client, newsroom):
    page = index(client, UserFactory(username="chief", is_superuser=True))
    newsroom_html = page.split('id="newsroom"')[1].split('class="newsroom-apps"')[0]
    links = set(re.findall(r'href="([^"]+)"', newsroom_html))

    assert len(links) >= 10
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        # A filter the changelist does not know sends it back with ?e=1; every link here is known.
        assert response.status_code == 200, link
        assert "e=1" not in response.request["QUERY_STRING"], link
