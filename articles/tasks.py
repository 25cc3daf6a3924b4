from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django_tasks import task

from articles import emails, permissions
from articles.models import Article, ArticleNote, Image
from articles.renditions import create_renditions
from magazine.cache import bump_versions


@task()
def make_renditions(image_id: int) -> int:
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        return 0
    made = create_renditions(image)
    # Pages rendered before the renditions existed showed the original file: now the srcset.
    bump_versions(("image", image_id))
    return len(made)


@task()
def fold_page_views() -> int:
    """Add the page views counted in the cache to the daily counts (see articles/page_views.py)."""
    from articles.services import page_views_fold

    return page_views_fold()


@task()
def send_review_request(article_id: int, submitted_by_id: int | None) -> int:
    """Tell every editor that a story waits for review (if it still does), one mail each."""
    article = Article.objects.select_related("created_by").filter(pk=article_id).first()
    if article is None or article.status != Article.Status.IN_REVIEW:
        return 0
    submitter = get_user_model().objects.filter(pk=submitted_by_id).first()
    editors = (
        get_user_model()
        .objects.with_perm(permissions.PUBLISH_PERMISSION, is_active=True, backend="django.contrib.auth.backends.ModelBackend")
        .filter(is_staff=True)
        .exclude(email="")
        .exclude(pk=submitted_by_id)
        .order_by("pk")
    )
    waiting = Article.objects.filter(status=Article.Status.IN_REVIEW).count()
    sent = 0
    for address in dict.fromkeys(editor.email for editor in editors):
        sent += emails.send(
            subject=f"To review: “{article.title}”",
            to=[address],
            template="review_request",
            context={
                "article": article,
                "submitter": submitter,
                "waiting": waiting,
                "article_url": emails.admin_url(article),
                "queue_url": emails.review_queue_url(),
            },
        )
    return sent


@task()
def send_sent_back_notice(note_id: int) -> int:
    """Mail the writer the editor's note on the story sent back to them."""
    note = ArticleNote.objects.select_related("article__created_by", "created_by").filter(pk=note_id).first()
    if note is None or note.kind != ArticleNote.Kind.SENT_BACK:
        return 0
    writer = note.article.created_by
    if writer is None or not writer.is_active or not writer.email:
        return 0
    return emails.send(
        subject=f"Sent back to you: “{note.article.title}”",
        to=[writer.email],
        template="sent_back",
        context={"note": note, "article": note.article, "article_url": emails.admin_url(note.article)},
    )


@task()
def send_published_notice(article_id: int, published_at: str, published_by_id: int | None = None) -> int:
    """Tell the writer their story is live; promised to run at its publish time.

    ``published_at`` is the time it was to go live when the mail was promised: an article
    unpublished or moved to another time since then mails nobody (the move promised its own).
    """
    article = Article.objects.select_related("created_by", "region").filter(pk=article_id).first()
    if article is None or article.status != Article.Status.PUBLISHED or article.published_at is None:
        return 0
    if article.published_at != datetime.fromisoformat(published_at):
        return 0
    writer = article.created_by
    if writer is None or not writer.is_active or not writer.email or writer.pk == published_by_id:
        return 0
    return emails.send(
        subject=f"Published: “{article.title}”",
        to=[writer.email],
        template="published",
        context={
            "article": article,
            "when": emails.when_display(article.published_at),
            "public_url": f"{settings.SITE_URL}{article.get_absolute_url()}",
        },
    )
