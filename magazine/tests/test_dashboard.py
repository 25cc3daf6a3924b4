"""The admin index's newsroom blocks: who sees which, what each lists, and a fixed query count."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from articles import services as article_services
from articles.models import Article
from articles.tests.factories import ArticleFactory, UserFactory
from comments.tests.factories import CommentFactory
from magazine import dashboard
from newsletter.models import Delivery, Send
from newsletter.tests.factories import SendFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

BLOCKS = ["my_drafts", "sent_back", "my_scheduled", "in_review", "calendar", "recently_published", "comments_waiting", "sends_in_progress"]


def shown(board) -> set[str]:
    return {name for name in BLOCKS if getattr(board, name) is not None}


@pytest.mark.parametrize(
    ("groups", "superuser", "expected"),
    [
        pytest.param(["Writer"], False, {"my_drafts", "sent_back", "my_scheduled"}, id="writer"),
        pytest.param(
            ["Editor"],
            False,
            # Editors write, and they may moderate too.
            {"my_drafts", "sent_back", "my_scheduled", "in_review", "calendar", "recently_published", "comments_waiting"},
            id="editor",
        ),
        pytest.param(["Moderator"], False, {"comments_waiting"}, id="moderator"),
        pytest.param(["Newsletter manager"], False, {"sends_in_progress"}, id="newsletter-manager"),
        pytest.param([], True, set(BLOCKS), id="superuser"),
        pytest.param([], False, set(), id="staff-without-groups"),
    ],
)
def test_each_role_gets_the_blocks_its_permissions_allow(groups, superuser, expected):
    user = UserFactory(groups=groups, is_superuser=superuser)

    assert shown(dashboard.newsroom_dashboard(user=user)) == expected


def test_an_inactive_account_gets_no_block():
    user = UserFactory(groups=["Editor"], is_active=False)

    assert dashboard.newsroom_dashboard(user=user).is_empty


def test_writer_blocks_hold_only_their_own_work():
    writer = UserFactory(username="wen", groups=["Writer"])
    other = UserFactory(username="other", groups=["Writer"])
    mine = ArticleFactory(draft=True, created_by=writer, title="My draft")
    ArticleFactory(draft=True, created_by=other, title="Someone else's draft")
    ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None, created_by=writer, title="Mine in review")
    soon = ArticleFactory(scheduled=True, created_by=writer, title="Mine, scheduled")
    ArticleFactory(scheduled=True, created_by=other, title="Theirs, scheduled")
    ArticleFactory(created_by=writer, title="Mine, live")

    board = dashboard.newsroom_dashboard(user=writer)

    assert board.my_drafts.items == [mine]
    assert board.my_drafts.count == 1
    assert board.my_scheduled.items == [soon]
    assert board.sent_back.items == []


def test_sent_back_lists_the_latest_note_of_each_returned_draft():
    writer = UserFactory(username="wen", groups=["Writer"])
    editor = UserFactory(username="ed", groups=["Editor"])
    article = ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None, created_by=writer)
    article_services.article_send_back(article=article, by=editor, note="Check the ferry times.")
    Article.objects.filter(pk=article.pk).update(status=Article.Status.IN_REVIEW)
    latest = article_services.article_send_back(article=article, by=editor, note="Still two names wrong.")
    # A returned story the writer sent in again is no longer waiting on them.
    again = ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None, created_by=writer)
    article_services.article_send_back(article=again, by=editor, note="Shorter, please.")
    Article.objects.filter(pk=again.pk).update(status=Article.Status.IN_REVIEW)

    block = dashboard.newsroom_dashboard(user=writer).sent_back

    assert block.items == [latest]
    assert block.count == 1


def test_in_review_lists_the_longest_waiting_first_with_the_total():
    editor = UserFactory(groups=["Editor"])
    waiting = [ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None) for _ in range(dashboard.LIST_LIMIT + 2)]
    for n, article in enumerate(waiting):
        Article.objects.filter(pk=article.pk).update(updated_at=timezone.now() - timedelta(hours=100 - n))

    block = dashboard.newsroom_dashboard(user=editor).in_review

    assert block.items == waiting[: dashboard.LIST_LIMIT]
    assert block.count == dashboard.LIST_LIMIT + 2
    assert block.more == 2


def test_calendar_has_one_row_a_day_for_14_days_in_the_site_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    editor = UserFactory(groups=["Editor"])
    tz = timezone.get_default_timezone()
    # 10:00 in Shanghai; a story at 23:30 Shanghai time is 15:30 UTC the same day.
    now = timezone.make_aware(datetime(2026, 12, 1, 10, 0), tz)
    late = ArticleFactory(published_at=timezone.make_aware(datetime(2026, 12, 1, 23, 30), tz), title="Late tonight")
    early = ArticleFactory(published_at=timezone.make_aware(datetime(2026, 12, 2, 0, 15), tz), title="Just after midnight")
    last = ArticleFactory(published_at=timezone.make_aware(datetime(2026, 12, 14, 23, 59), tz), title="Last day")
    ArticleFactory(published_at=timezone.make_aware(datetime(2026, 12, 15, 0, 0), tz), title="Day 15")
    ArticleFactory(published_at=now - timedelta(minutes=1), title="Already live")
    ArticleFactory(draft=True, title="A draft")

    with timezone.override(tz):
        calendar = dashboard.newsroom_dashboard(user=editor, now=now).calendar

    assert len(calendar.days) == 14
    assert calendar.days[0].day.isoformat() == "2026-12-01"
    assert calendar.days[-1].day.isoformat() == "2026-12-14"
    assert calendar.days[0].articles == [late]
    assert calendar.days[1].articles == [early]
    assert calendar.days[13].articles == [last]
    assert calendar.count == 3


def test_calendar_counts_what_it_does_not_show():
    editor = UserFactory(groups=["Editor"])
    now = timezone.now()
    for n in range(4):
        ArticleFactory(published_at=now + timedelta(hours=n + 1))

    calendar = dashboard.schedule_calendar(now=now, limit=3)

    assert sum(len(day.articles) for day in calendar.days) == 3
    assert calendar.count == 4
    assert calendar.more == 1
    assert not dashboard.newsroom_dashboard(user=editor, now=now).calendar.more


def test_recently_published_is_the_last_7_days_newest_first():
    editor = UserFactory(groups=["Editor"])
    now = timezone.now()
    newest = ArticleFactory(published_at=now - timedelta(hours=1))
    older = ArticleFactory(published_at=now - timedelta(days=6))
    ArticleFactory(published_at=now - timedelta(days=8))
    ArticleFactory(scheduled=True)

    block = dashboard.newsroom_dashboard(user=editor, now=now).recently_published

    assert block.items == [newest, older]


def test_comments_waiting_lists_pending_comments_oldest_first():
    moderator = UserFactory(groups=["Moderator"])
    first = CommentFactory(pending=True)
    second = CommentFactory(pending=True)
    CommentFactory()
    CommentFactory(spam=True)

    block = dashboard.newsroom_dashboard(user=moderator).comments_waiting

    assert block.items == [first, second]
    assert block.count == 2


def test_sends_in_progress_carry_their_sent_and_queued_counts():
    manager = UserFactory(groups=["Newsletter manager"])
    sending = SendFactory(status=Send.Status.SENDING, started_at=timezone.now())
    SendFactory(status=Send.Status.SENT)
    SendFactory(status=Send.Status.SCHEDULED)
    for n, state in enumerate(["sent", "sent", "sent", "queued", "failed"]):
        Delivery.objects.create(send=sending, subscriber=SubscriberFactory(email=f"r{n}@example.com"), state=state)

    block = dashboard.newsroom_dashboard(user=manager).sends_in_progress

    assert block.items == [sending]
    assert (block.items[0].n_sent, block.items[0].n_queued, block.items[0].n_failed) == (3, 1, 1)


def _fill(*, writer, editor, n):
    """``n`` of every kind of work the dashboard lists."""
    now = timezone.now()
    newsletter_send = None
    for i in range(n):
        ArticleFactory(draft=True, created_by=writer)
        returned = ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None, created_by=writer)
        article_services.article_send_back(article=returned, by=editor, note=f"Note {i}")
        ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None, created_by=writer)
        ArticleFactory(created_by=writer, published_at=now + timedelta(days=i % 13, hours=1))
        ArticleFactory(published_at=now - timedelta(hours=i + 1))
        CommentFactory(pending=True)
        newsletter_send = SendFactory(status=Send.Status.SENDING, started_at=now)
        Delivery.objects.create(send=newsletter_send, subscriber=SubscriberFactory(), state="queued")


@pytest.mark.parametrize("n", [1, 12])
def test_the_whole_dashboard_takes_a_fixed_number_of_queries(django_assert_max_num_queries, n):
    chief = UserFactory(is_superuser=True)
    editor = UserFactory(groups=["Editor"])
    _fill(writer=chief, editor=editor, n=n)

    # Eight blocks: a page of rows each, and a count only where there is more to count.
    with django_assert_max_num_queries(16):
        board = dashboard.newsroom_dashboard(user=chief)
        # Everything the template reads is loaded already.
        read = [str(article.created_by) for article in board.in_review.items]
        read += [f"{note.article.title} {note.created_by}" for note in board.sent_back.items]
        read += [comment.article.title for comment in board.comments_waiting.items]
        read += [send.newsletter.name for send in board.sends_in_progress.items]

    assert len(read) == 4 * min(n, dashboard.LIST_LIMIT)
    assert board.my_drafts.count == 2 * n  # returned stories are drafts again
    assert board.sends_in_progress.count == n
