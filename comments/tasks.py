"""Comment emails, sent in the background: confirmation, reply notification, moderation digest."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from comments import tokens
from comments.models import Comment, CommentPolicy
from comments.selectors import moderation_digest
from magazine.mail import comments_from_email, message_id


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _link(name: str, purpose: str, comment: Comment) -> str:
    token = tokens.make_token(purpose=purpose, comment_id=comment.pk, email=comment.email)
    return _absolute(reverse(f"comments:{name}", args=[token]))


def _send(*, subject: str, to: list[str], template: str, context: dict, headers: dict | None = None) -> int:
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    text = render_to_string(f"comments/email/{template}.txt", context)
    html = render_to_string(f"comments/email/{template}.html", context)
    # Comment mail has its own sender, not the newsletter's, and a Message-ID in the site's domain.
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=comments_from_email(),
        to=to,
        headers={"Message-ID": message_id(), **(headers or {})},
    )
    message.attach_alternative(html, "text/html")
    return message.send()


@task()
def send_comment_confirmation(comment_id: int) -> int:
    """The commenter's receipt: a link to confirm the comment, and one to delete it later."""
    comment = Comment.objects.select_related("article__region").filter(pk=comment_id).first()
    if comment is None or not comment.email or comment.state == Comment.State.SPAM:
        return 0
    return _send(
        subject=f"Your comment on “{comment.article.title}”",
        to=[comment.email],
        template="confirm",
        context={
            "comment": comment,
            "article_url": _absolute(comment.article.get_absolute_url()),
            "confirm_url": _link("confirm", tokens.CONFIRM, comment),
            "delete_url": _link("delete", tokens.DELETE, comment),
            "needs_confirmation": comment.confirmed_at is None,
        },
    )


@task()
def send_reply_notification(reply_id: int) -> int:
    """Tell the author of the parent comment about an approved reply, once."""
    reply = Comment.objects.select_related("parent", "article__region").filter(pk=reply_id).first()
    if reply is None or reply.parent is None or reply.state != Comment.State.APPROVED:
        return 0
    parent = reply.parent
    if not (parent.notify_replies and parent.email and parent.state == Comment.State.APPROVED):
        return 0
    if parent.email.strip().lower() == reply.email.strip().lower():
        return 0
    # Only a comment whose address was proved for it (its confirmation link, or posted from a
    # browser holding the proof) gets reply mail: typing someone's address signs nobody up.
    if parent.confirmed_at is None:
        return 0
    if reply.reply_notified_at is not None:
        return 0
    unsubscribe_url = _link("unsubscribe", tokens.UNSUBSCRIBE, parent)
    # Marked after the mail is accepted: a worker killed in between sends it again (once), never
    # loses it. The outbox promises it once per reply, so two workers never both send it.
    sent = _send(
        subject=f"{reply.name} replied to your comment on “{reply.article.title}”",
        to=[parent.email],
        template="reply",
        context={
            "reply": reply,
            "parent": parent,
            "reply_url": _absolute(reply.get_absolute_url()),
            "unsubscribe_url": unsubscribe_url,
        },
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>"},
    )
    Comment.objects.filter(pk=reply.pk, reply_notified_at__isnull=True).update(reply_notified_at=timezone.now())
    return sent


@task()
def send_moderation_digest() -> int:
    """The daily list of comments waiting for a moderator, to the staff the policy names."""
    digest = moderation_digest()
    if not digest["count"]:
        return 0
    policy = CommentPolicy.objects.filter(pk=1).first()
    if policy is None:
        return 0
    recipients = sorted({u.email for u in policy.digest_recipients.filter(is_active=True, is_staff=True) if u.email})
    if not recipients:
        return 0
    queue_url = _absolute(reverse("admin:comments_comment_changelist") + "?state__exact=pending")
    sent = 0
    for address in recipients:
        sent += _send(
            subject=f"{digest['count']} comment{'s' if digest['count'] != 1 else ''} awaiting moderation",
            to=[address],
            template="digest",
            context={**digest, "queue_url": queue_url, "site_url": settings.SITE_URL},
        )
    return sent
