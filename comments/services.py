"""Writes to comments and their side effects: counts, cache versions, emails."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.models import Article
from comments import spam
from comments.models import Comment, CommentFlag, CommentPolicy, KnownCommenter, body_fingerprint, normalise_email
from comments.selectors import comments_are_open, publishes_when_proven
from comments.text import clean_text
from magazine import outbox
from magazine.cache import bump_versions

MODERATE_PERMISSION = "comments.moderate_comment"
State = Comment.State


def client_ip(request) -> str | None:
    """The reader's address. Behind a proxy, the proxy must put it in REMOTE_ADDR."""
    value = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def can_moderate(user) -> bool:
    return bool(user and user.is_active and user.has_perm(MODERATE_PERMISSION))


def article_counts_refresh(*, article_ids) -> None:
    """Recompute the approved-comment count of each touched article in one UPDATE."""
    ids = sorted({int(i) for i in article_ids})
    if not ids:
        return
    approved = (
        Comment.objects.filter(article=OuterRef("pk"), state=State.APPROVED)
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Article.objects.filter(pk__in=ids).update(comment_count=Coalesce(Subquery(approved), Value(0)))
    transaction.on_commit(lambda: _pages_showing_counts_changed(ids))


def _pages_showing_counts_changed(article_ids) -> None:
    """The articles' pages, and the region and topic pages whose cards show their counts."""
    pairs = {("article", i) for i in article_ids}
    for region_id, topic_id in Article.objects.filter(pk__in=article_ids).values_list("region_id", "topic_id"):
        pairs |= {("region", region_id), ("topic", topic_id)}
    bump_versions(*sorted(pairs, key=str))


@dataclass
class PostResult:
    comment: Comment
    duplicate: bool = False
    mode: str = CommentPolicy.Mode.HOLD_FIRST  # the policy the comment was judged under
    address_proven: bool = False

    @property
    def published(self) -> bool:
        return self.comment.state == State.APPROVED


def _initial_state(*, verdict: spam.Verdict, email: str, policy: CommentPolicy, address_proven: bool) -> str:
    if verdict.is_spam:
        return State.SPAM
    if policy.mode == CommentPolicy.Mode.PUBLISH:
        return State.APPROVED
    # A known address typed into the form proves nothing: its owner must have proved it.
    if address_proven and publishes_when_proven(email=email, policy=policy):
        return State.APPROVED
    return State.PENDING


def comment_post(
    *,
    article: Article,
    parent: Comment | None,
    name: str,
    email: str,
    body: str,
    notify_replies: bool = False,
    ip: str | None = None,
    user_agent: str = "",
    honeypot: str = "",
    form_timestamp: str = "",
    address_proven: bool = False,
    now: datetime | None = None,
) -> PostResult:
    """Check and store a reader's comment; raise ``spam.Refused`` with a message for the reader.

    ``address_proven``: the request carries proof that the email is the poster's
    (``comments.proof``); without it a returning commenter's address is held like a first-timer's.
    Spam is stored, never dropped, so a moderator can rescue a false positive. Sending the same
    text twice to the same article returns the first comment instead of a second copy.
    """
    policy = CommentPolicy.load()
    now = now or timezone.now()
    if not comments_are_open(article=article, policy=policy, now=now):
        raise spam.Refused("Comments on this article are closed. Your text is kept below.")
    if parent is not None and (parent.article_id != article.pk or parent.state != State.APPROVED):
        raise spam.Refused("The comment you replied to is no longer shown. Your text is kept below.")
    if parent is not None and parent.depth >= settings.COMMENTS_MAX_DEPTH:
        # Threads stop nesting at the deepest level: a reply there joins its parent's replies.
        parent = Comment.objects.get(pk=parent.parent_id)
    spam.check_form_timestamp(form_timestamp, article_id=article.pk)
    spam.check_links(body)
    email = email.strip()
    name = clean_text(name, multiline=False)
    body = clean_text(body)
    comment = Comment(
        article=article,
        parent=parent,
        root=(parent.root or parent) if parent else None,
        depth=(parent.depth + 1) if parent else 0,
        name=name,
        email=email,
        body=body,
        notify_replies=notify_replies,
        ip=ip,
        user_agent=(user_agent or "")[:300],
    )
    comment.full_clean()
    comment.body_hash = body_fingerprint(comment.body)
    duplicate = (
        Comment.objects.filter(
            article=article, email__iexact=email, body_hash=comment.body_hash, state__in=[State.PENDING, State.APPROVED]
        )
        .order_by("-created_at")
        .first()
    )
    if duplicate is not None:
        return PostResult(comment=duplicate, duplicate=True, mode=policy.mode, address_proven=address_proven)
    spam.check_post_rate(ip=ip, email=email)
    verdict = spam.judge(
        article_id=article.pk,
        name=name,
        email=email,
        body=body,
        body_hash=comment.body_hash,
        ip=ip,
        honeypot=honeypot,
    )
    comment.state = _initial_state(verdict=verdict, email=email, policy=policy, address_proven=address_proven)
    if address_proven:
        # This browser proved the address: the comment is as good as confirmed (reply mails may go to it).
        comment.confirmed_at = now
    comment.spam_reasons = "; ".join(verdict.reasons)[:300]
    with transaction.atomic():
        comment.save()
        if comment.state == State.APPROVED:
            article_counts_refresh(article_ids=[article.pk])
            _after_approval([comment])
        if comment.state != State.SPAM:
            from comments.tasks import send_comment_confirmation

            # Promised with the comment itself: the receipt goes out even if the queue is down.
            outbox.promise(send_comment_confirmation, comment.pk, key=f"comment-confirmation:{comment.pk}")
    return PostResult(comment=comment, mode=policy.mode, address_proven=address_proven)


def _authors_known(comments: list[Comment]) -> None:
    """A moderator approved these comments: their addresses become returning commenters'
    (an address known only as confirmed is upgraded). Comments published without a moderator
    (under "publish at once", or by a returning commenter) make nobody known."""
    emails = {normalise_email(c.email) for c in comments if c.email}
    if emails:
        KnownCommenter.objects.bulk_create(
            [KnownCommenter(email=e, reason=KnownCommenter.Reason.APPROVED) for e in sorted(emails)],
            update_conflicts=True,
            unique_fields=["email"],
            update_fields=["reason"],
        )


def _after_approval(comments: list[Comment]) -> None:
    """Approved comments tell the authors they replied to."""
    reply_ids = [c.pk for c in comments if c.parent_id and c.reply_notified_at is None]
    if reply_ids:
        from comments.tasks import send_reply_notification

        # Promised in the approval's transaction, once per reply however often it is approved.
        for reply_id in reply_ids:
            outbox.promise(send_reply_notification, reply_id, key=f"reply-notification:{reply_id}")


def comment_confirm(*, comment: Comment, now: datetime | None = None) -> Comment:
    """The commenter proved the email is theirs (the view then gives their browser the proof).

    A held comment is published only where the policy publishes a proven commenter's comment:
    under "publish at once", and under "hold only first-time commenters" when a moderator has
    approved a comment from this address before. A first-timer's comment stays for the
    moderator, who sees every first-time commenter's first comment; "hold every comment" holds.
    """
    now = now or timezone.now()
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.confirmed_at is None:
            comment.confirmed_at = now
            comment.save(update_fields=["confirmed_at"])
        KnownCommenter.objects.get_or_create(
            email=normalise_email(comment.email), defaults={"reason": KnownCommenter.Reason.CONFIRMED}
        )
        policy = CommentPolicy.load()
        if comment.state == State.PENDING and publishes_when_proven(email=comment.email, policy=policy):
            comment.state = State.APPROVED
            comment.save(update_fields=["state"])
            article_counts_refresh(article_ids=[comment.article_id])
            _after_approval([comment])
    return comment


def comment_delete_by_author(*, comment: Comment) -> None:
    """Delete a comment at its author's request. A comment that has replies leaves an empty
    placeholder (no name, email, text or address) so the replies keep their place."""
    with transaction.atomic():
        article_id = comment.article_id
        if Comment.objects.filter(parent=comment).exists():
            Comment.objects.filter(pk=comment.pk).update(
                name="",
                email="",
                body="",
                body_html="",
                body_hash="",
                ip=None,
                user_agent="",
                notify_replies=False,
                state=State.REMOVED,
                removed_by_author=True,
            )
        else:
            comment.delete()
        article_counts_refresh(article_ids=[article_id])


def comment_unsubscribe(*, comment: Comment) -> Comment:
    if comment.notify_replies:
        comment.notify_replies = False
        comment.save(update_fields=["notify_replies"])
    return comment


# --- Moderation.

APPROVE, SPAM, REMOVE, RESTORE = "approve", "spam", "remove", "restore"
_TRANSITIONS = {
    APPROVE: ({State.PENDING, State.SPAM, State.REMOVED}, State.APPROVED),
    SPAM: ({State.PENDING, State.APPROVED, State.REMOVED}, State.SPAM),
    REMOVE: ({State.PENDING, State.APPROVED, State.SPAM}, State.REMOVED),
    RESTORE: ({State.SPAM, State.REMOVED}, State.APPROVED),
}


@dataclass
class ModerationReport:
    changed: int = 0
    unchanged: int = 0


def comments_moderate(*, comments, action: str, by) -> ModerationReport:
    """Move comments to the state ``action`` leads to; counts are recomputed once per article.

    Comments already in that state, and comments their authors deleted, are left as they are
    and reported as unchanged.
    """
    if not can_moderate(by):
        raise PermissionDenied("You may not moderate comments.")
    allowed_from, target = _TRANSITIONS[action]
    ids = comments.values("pk") if hasattr(comments, "values") else [c.pk for c in comments]
    now = timezone.now()
    with transaction.atomic():
        rows = list(Comment.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        moving = [c for c in rows if c.state in allowed_from and not c.removed_by_author]
        report = ModerationReport(changed=len(moving), unchanged=len(rows) - len(moving))
        if not moving:
            return report
        Comment.objects.filter(pk__in=[c.pk for c in moving]).update(state=target, moderated_at=now, moderated_by=by)
        for c in moving:
            c.state = target
        article_counts_refresh(article_ids={c.article_id for c in moving})
        if target == State.APPROVED:
            _authors_known(moving)
            _after_approval(moving)
    return report


def comment_approve(*, comment: Comment, by) -> ModerationReport:
    return comments_moderate(comments=[comment], action=APPROVE, by=by)


def comment_mark_spam(*, comment: Comment, by) -> ModerationReport:
    return comments_moderate(comments=[comment], action=SPAM, by=by)


def comment_remove(*, comment: Comment, by) -> ModerationReport:
    return comments_moderate(comments=[comment], action=REMOVE, by=by)


def comment_restore(*, comment: Comment, by) -> ModerationReport:
    return comments_moderate(comments=[comment], action=RESTORE, by=by)


def comments_delete(*, comments, by) -> int:
    """Delete comments for good (admin); the counts of their articles follow."""
    if not (by and by.is_active and by.has_perm("comments.delete_comment")):
        raise PermissionDenied("You may not delete comments.")
    with transaction.atomic():
        ids = [c.pk for c in comments]
        article_ids = set(Comment.objects.filter(pk__in=ids).values_list("article_id", flat=True))
        deleted, _ = Comment.objects.filter(pk__in=ids).delete()
        article_counts_refresh(article_ids=article_ids)
    return deleted


def comment_edit(*, comment: Comment, by) -> Comment:
    """A moderator corrected the text of a comment (e.g. removed a phone number)."""
    if not can_moderate(by):
        raise PermissionDenied("You may not moderate comments.")
    comment.full_clean()
    comment.save()
    article_id = comment.article_id
    transaction.on_commit(lambda: bump_versions(("article", article_id)))
    return comment


# --- Flags.

@dataclass
class FlagResult:
    created: bool


def comment_flag(*, comment: Comment, fingerprint: str, ip: str | None, reason: str, note: str = "") -> FlagResult:
    """A reader reports a comment for ``reason`` (a ``CommentFlag.Reason``), with an optional
    note: one flag per reader, a few flags per hour per address."""
    if reason not in CommentFlag.Reason.values:
        raise ValueError(f"Unknown report reason {reason!r}; expected one of: {', '.join(CommentFlag.Reason.values)}.")
    if comment.state != State.APPROVED:
        raise spam.Refused("This comment is no longer shown.")
    if CommentFlag.objects.filter(comment=comment, fingerprint=fingerprint).exists():
        return FlagResult(created=False)
    if not spam.check_flag_rate(ip=ip):
        raise spam.Refused("You have reported many comments in a short time. Please try again later.")
    try:
        with transaction.atomic():
            CommentFlag.objects.create(comment=comment, fingerprint=fingerprint, reason=reason, note=note)
            Comment.objects.filter(pk=comment.pk).update(flag_count=F("flag_count") + 1)
    except IntegrityError:
        return FlagResult(created=False)
    return FlagResult(created=True)


# --- Staff settings.

def policy_save(*, policy: CommentPolicy) -> CommentPolicy:
    policy.pk = 1
    policy.full_clean()
    policy.save()
    transaction.on_commit(lambda: bump_versions(("comments_policy", "all")))
    return policy


def blocked_terms_changed() -> None:
    transaction.on_commit(lambda: bump_versions(("comments_blocked", "all")))
