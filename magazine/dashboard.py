"""Reads for the admin's index: the newsroom's work waiting for the person signed in.

Each block is there only for people whose permissions allow the work it lists (writers: their
drafts, sent-back notes and scheduled stories; editors: stories in review, the schedule for the
next 14 days and what went live lately; moderators: comments waiting; newsletter managers:
sends in progress). Each block costs a fixed number of queries however much work waits: the
first few rows, and a count only when there are more rows than it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from articles import permissions
from articles.models import Article, ArticleNote
from comments.models import Comment
from newsletter.models import Send
from newsletter.selectors import sends_with_progress

LIST_LIMIT = 5
CALENDAR_DAYS = 14
# The calendar shows every scheduled story up to this many; beyond it, a link to the full list.
CALENDAR_LIMIT = 60
RECENT_DAYS = 7
# The large text columns of an article are never shown on the index.
ARTICLE_DEFERRED = ("body", "body_html", "body_blocks", "standfirst")


@dataclass(frozen=True)
class Block:
    """The first rows of a list and how many there are in all."""

    items: list
    count: int

    @property
    def more(self) -> int:
        return self.count - len(self.items)


@dataclass(frozen=True)
class CalendarDay:
    day: date
    articles: list[Article]


@dataclass(frozen=True)
class Calendar:
    days: list[CalendarDay]
    count: int
    shown: int

    @property
    def more(self) -> int:
        return self.count - self.shown


@dataclass(frozen=True)
class Dashboard:
    my_drafts: Block | None = None
    sent_back: Block | None = None
    my_scheduled: Block | None = None
    in_review: Block | None = None
    calendar: Calendar | None = None
    recently_published: Block | None = None
    comments_waiting: Block | None = None
    sends_in_progress: Block | None = None

    @property
    def writes(self) -> bool:
        return self.my_drafts is not None

    @property
    def edits(self) -> bool:
        return self.in_review is not None

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) is not None for name in self.__dataclass_fields__)


def _block(queryset: QuerySet, *, limit: int = LIST_LIMIT) -> Block:
    """The first ``limit`` rows, and the total, counted only when there are more than that."""
    items = list(queryset[: limit + 1])
    if len(items) <= limit:
        return Block(items=items, count=len(items))
    return Block(items=items[:limit], count=queryset.order_by().count())


def _articles() -> QuerySet:
    return Article.objects.defer(*ARTICLE_DEFERRED)


def my_drafts(*, user) -> Block:
    """The person's own drafts, last edited first."""
    return _block(_articles().filter(created_by=user, status=Article.Status.DRAFT).order_by("-updated_at", "-id"))


def sent_back_notes(*, user) -> Block:
    """The latest "sent back" note on each of the person's drafts that an editor returned."""
    latest = (
        ArticleNote.objects.filter(article=OuterRef("article"), kind=ArticleNote.Kind.SENT_BACK)
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    notes = (
        ArticleNote.objects.filter(
            kind=ArticleNote.Kind.SENT_BACK,
            article__created_by=user,
            article__status=Article.Status.DRAFT,
            pk=Subquery(latest),
        )
        .select_related("article", "created_by")
        .defer(*(f"article__{name}" for name in ARTICLE_DEFERRED))
        .order_by("-created_at", "-id")
    )
    return _block(notes)


def my_scheduled(*, user, now: datetime) -> Block:
    """The person's own stories that are scheduled, soonest first."""
    return _block(
        _articles()
        .filter(created_by=user, status=Article.Status.PUBLISHED, published_at__gt=now)
        .order_by("published_at", "id")
    )


def in_review() -> Block:
    """Stories waiting for an editor, the longest waiting first."""
    return _block(
        _articles().filter(status=Article.Status.IN_REVIEW).select_related("created_by").order_by("updated_at", "id")
    )


def schedule_calendar(*, now: datetime, days: int = CALENDAR_DAYS, limit: int = CALENDAR_LIMIT) -> Calendar:
    """One row per day, today first, with the stories scheduled that day (site time zone)."""
    today = timezone.localtime(now).date()
    end = timezone.make_aware(datetime.combine(today + timedelta(days=days), time.min))
    scheduled = (
        _articles()
        .filter(status=Article.Status.PUBLISHED, published_at__gt=now, published_at__lt=end)
        .order_by("published_at", "id")
    )
    block = _block(scheduled, limit=limit)
    by_day: dict[date, list[Article]] = {today + timedelta(days=n): [] for n in range(days)}
    for article in block.items:
        by_day[timezone.localtime(article.published_at).date()].append(article)
    return Calendar(
        days=[CalendarDay(day=day, articles=articles) for day, articles in by_day.items()],
        count=block.count,
        shown=len(block.items),
    )


def recently_published(*, now: datetime, days: int = RECENT_DAYS) -> Block:
    """Stories that went live in the last ``days`` days, newest first."""
    return _block(
        _articles().published(now=now).filter(published_at__gte=now - timedelta(days=days)).order_by("-published_at", "-id")
    )


def comments_waiting() -> Block:
    """Comments waiting for a moderator, the oldest first."""
    pending = (
        Comment.objects.pending()
        .select_related("article")
        .defer(*(f"article__{name}" for name in ARTICLE_DEFERRED))
        .order_by("created_at", "id")
    )
    return _block(pending)


def sends_in_progress() -> Block:
    """Newsletter issues being sent, with their queued, sent, failed and skipped counts."""
    return _block(sends_with_progress().filter(status=Send.Status.SENDING).order_by("started_at", "id"))


def newsroom_dashboard(*, user, now: datetime | None = None) -> Dashboard:
    """Every block the person may see, in at most two queries a block."""
    now = now or timezone.now()
    blocks = {}
    if user.is_active and user.has_perm("articles.change_article"):
        blocks |= {
            "my_drafts": my_drafts(user=user),
            "sent_back": sent_back_notes(user=user),
            "my_scheduled": my_scheduled(user=user, now=now),
        }
    if permissions.can_publish(user):
        blocks |= {
            "in_review": in_review(),
            "calendar": schedule_calendar(now=now),
            "recently_published": recently_published(now=now),
        }
    if user.is_active and user.has_perm("comments.moderate_comment"):
        blocks["comments_waiting"] = comments_waiting()
    if user.is_active and user.has_perm("newsletter.view_send"):
        blocks["sends_in_progress"] = sends_in_progress()
    return Dashboard(**blocks)
