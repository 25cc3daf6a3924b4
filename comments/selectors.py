"""Reads for comments: is an article open for comments, and its thread, page by page."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from comments.models import Comment, CommentFlag, CommentPolicy, KnownCommenter, normalise_email

State = Comment.State
HIDDEN = [State.SPAM, State.REMOVED]
THREAD_FIELDS = ["id", "article_id", "parent_id", "root_id", "depth", "name", "body_html", "state", "created_at",
                 "removed_by_author"]


def comments_close_at(*, article, policy: CommentPolicy | None = None) -> datetime | None:
    policy = policy or CommentPolicy.load()
    days = policy.effective_close_after_days
    if not days or article.published_at is None:
        return None
    return article.published_at + timedelta(days=days)


def comments_are_open(*, article, policy: CommentPolicy | None = None, now: datetime | None = None) -> bool:
    """Open when the site allows comments, the article does, it is live and not past its closing day."""
    policy = policy or CommentPolicy.load()
    now = now or timezone.now()
    if not (policy.enabled and article.comments_open and article.is_live):
        return False
    closes = comments_close_at(article=article, policy=policy)
    return closes is None or now < closes


def is_known_commenter(*, email: str) -> bool:
    """The address was confirmed by its owner or approved by a moderator."""
    return KnownCommenter.objects.filter(email=normalise_email(email)).exists()


def is_returning_commenter(*, email: str) -> bool:
    """A moderator has approved a comment from this address before: under "hold only
    first-time commenters" its owner's comments are published at once, once proven."""
    return KnownCommenter.objects.filter(email=normalise_email(email), reason=KnownCommenter.Reason.APPROVED).exists()


def publishes_when_proven(*, email: str, policy: CommentPolicy) -> bool:
    """Whether the policy publishes a comment at once when its author has proved the address."""
    if policy.mode == CommentPolicy.Mode.PUBLISH:
        return True
    if policy.mode == CommentPolicy.Mode.HOLD_FIRST:
        return is_returning_commenter(email=email)
    return False


class ConfirmOutcome(StrEnum):
    """What confirming the address does to a comment, as the mail and the confirm page tell it."""

    PUBLISHED = "published"  # already shown; confirming proves the address, nothing more
    PUBLISHES = "publishes"  # held, and confirming publishes it
    HELD_FIRST_TIME = "held_first_time"  # a moderator reads a new commenter's comments first
    HELD_ALL = "held_all"  # a moderator reads every comment first
    HIDDEN = "hidden"  # spam or removed: not shown, confirming changes nothing about that


def confirm_outcome(*, comment: Comment, policy: CommentPolicy | None = None) -> ConfirmOutcome:
    if comment.state == State.APPROVED:
        return ConfirmOutcome.PUBLISHED
    if comment.state != State.PENDING:
        return ConfirmOutcome.HIDDEN
    policy = policy or CommentPolicy.load()
    if publishes_when_proven(email=comment.email, policy=policy):
        return ConfirmOutcome.PUBLISHES
    if policy.mode == CommentPolicy.Mode.HOLD_ALL:
        return ConfirmOutcome.HELD_ALL
    return ConfirmOutcome.HELD_FIRST_TIME


@dataclass
class ThreadNode:
    comment: Comment
    children: list[ThreadNode] = field(default_factory=list)
    own_pending: bool = False

    @property
    def placeholder(self) -> bool:
        """Hidden by a moderator or deleted by its author, but shown empty to keep its replies."""
        return self.comment.state != State.APPROVED and not self.own_pending

    @property
    def display_depth(self) -> int:
        return min(self.comment.depth, settings.COMMENTS_MAX_DEPTH)

    @property
    def shown_children(self) -> list[ThreadNode]:
        return self.children[: settings.COMMENTS_REPLIES_SHOWN]

    @property
    def more_children(self) -> list[ThreadNode]:
        return self.children[settings.COMMENTS_REPLIES_SHOWN :]


@dataclass
class ThreadPage:
    roots: list[ThreadNode]
    number: int
    num_pages: int
    total_threads: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1


def _visible(own_ids) -> Q:
    approved_below = Exists(Comment.objects.filter(root_id=OuterRef("pk"), state=State.APPROVED))
    visible = Q(state=State.APPROVED) | (Q(state__in=HIDDEN) & approved_below)
    if own_ids:
        visible |= Q(pk__in=list(own_ids), state=State.PENDING)
    return visible


def article_thread(*, article, page: int = 1, own_ids=(), per_page: int | None = None) -> ThreadPage:
    """One page of top-level comments with all their replies, as a tree.

    At most three queries whatever the size of the discussion: the page of top-level
    comments, every reply under them (found through ``root``), and the number of threads when
    there is more than one page; none when the article has no approved comment. Comments a
    moderator hid stay in the tree as empty placeholders only while they hold up approved
    replies; the reader's own held comments (``own_ids``) are shown to them, marked as waiting.
    """
    per_page = per_page or settings.COMMENTS_PER_PAGE
    own_ids = {int(i) for i in own_ids}
    if not own_ids and article.comment_count == 0:
        # The count is kept current by every write: no approved comment, nothing to show.
        return ThreadPage(roots=[], number=1, num_pages=1, total_threads=0)
    top = Comment.objects.filter(article=article, parent__isnull=True).filter(_visible(own_ids))
    ordered = top.only(*THREAD_FIELDS).order_by("created_at", "id")
    page = max(1, page)
    roots = list(ordered[:per_page + 1]) if page == 1 else []
    if page == 1 and len(roots) <= per_page:
        total = len(roots)  # everything fits on the first page: no need to count
    else:
        total = top.count()
    num_pages = max(1, math.ceil(total / per_page))
    if page > 1:
        page = min(page, num_pages)
        roots = list(ordered[(page - 1) * per_page : page * per_page])
    else:
        roots = roots[:per_page]
    if not roots:
        return ThreadPage(roots=[], number=page, num_pages=num_pages, total_threads=total)
    below = list(
        Comment.objects.filter(root_id__in=[c.pk for c in roots])
        .filter(Q(state=State.APPROVED) | Q(state__in=HIDDEN) | Q(pk__in=list(own_ids), state=State.PENDING))
        .only(*THREAD_FIELDS)
        .order_by("created_at", "id")
    )
    nodes = {c.pk: ThreadNode(comment=c, own_pending=c.state == State.PENDING) for c in [*roots, *below]}
    for comment in below:
        parent = nodes.get(comment.parent_id)
        if parent is not None:
            parent.children.append(nodes[comment.pk])
    kept = [node for node in (nodes[c.pk] for c in roots) if _prune(node)]
    return ThreadPage(roots=kept, number=page, num_pages=num_pages, total_threads=total)


def _prune(node: ThreadNode) -> bool:
    """Drop hidden comments that hold up nothing; True if the node stays."""
    node.children = [child for child in node.children if _prune(child)]
    return not node.placeholder or bool(node.children)


def pending_count() -> int:
    return Comment.objects.pending().count()


def moderation_digest() -> dict:
    """What the daily digest lists: how many comments wait, and the oldest first."""
    pending = Comment.objects.pending().select_related("article").order_by("-flag_count", "created_at")
    return {"count": pending.count(), "comments": list(pending[:50])}


# --- Reader reports, as moderators read them.

def with_reports(comments):
    """``comments`` with their reader reports prefetched (one query for a whole page)."""
    from django.db.models import Prefetch

    return comments.prefetch_related(
        Prefetch("flags", queryset=CommentFlag.objects.only("pk", "comment_id", "reason", "note", "created_at"))
    )


def report_reasons(*, comment: Comment) -> list[tuple[str, int]]:
    """The reasons readers gave for reporting ``comment``, most given first, with their counts.

    Reads the reports prefetched by ``with_reports``; reports made before readers were asked
    for a reason count as "No reason given".
    """
    counts: dict[str, int] = {}
    for flag in comment.flags.all():
        label = flag.get_reason_display() if flag.reason else "No reason given"
        counts[label] = counts.get(label, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
