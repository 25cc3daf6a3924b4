"""Who may do what to an article. The admin and the services both ask here.

Writers (``articles.change_article`` without ``articles.publish_article``) write their own
articles and send them for review; editors (``articles.publish_article``) publish, schedule,
unpublish and feature anything. The one rule for a save is ``check_article_save``: the admin
form runs it to show a clear error next to the field, and ``services.article_save`` runs it
again so no other caller can skip it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from articles.models import Article, Image

PUBLISH_PERMISSION = "articles.publish_article"


class ArticleSaveRefused(PermissionDenied):
    """A save the user may not make; ``field`` names the form field at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


def _active(user) -> bool:
    return bool(user and user.is_active)


def can_publish(user) -> bool:
    return _active(user) and user.has_perm(PUBLISH_PERMISSION)


def can_edit_article(user, article: Article | None) -> bool:
    """Editors edit everything; writers edit their own articles until they are published.

    ``article`` is the article as it is stored, never an unsaved copy with the user's changes.
    ``None`` asks about articles in general (the admin's changelist).
    """
    if not (_active(user) and user.has_perm("articles.change_article")):
        return False
    if article is None or can_publish(user):
        return True
    return article.created_by_id == user.pk and article.status != Article.Status.PUBLISHED


def can_delete_article(user, article: Article | None) -> bool:
    """Deleting follows editing: editors delete anything, writers only their unpublished own."""
    if not (_active(user) and user.has_perm("articles.delete_article")):
        return False
    return can_edit_article(user, article)


def can_change_image(user, image: Image) -> bool:
    """Editors change any image; writers only those no article outside their reach shows.

    Replacing a picture changes every article that uses it, so a writer may not swap a
    picture that a published article or another writer's draft shows, as its hero or in its body.
    """
    if not (_active(user) and user.has_perm("articles.change_image")):
        return False
    if can_publish(user):
        return True
    from articles.selectors import articles_showing_image

    mine_unpublished = Q(created_by_id=user.pk) & ~Q(status=Article.Status.PUBLISHED)
    return not articles_showing_image(image, exclude=mine_unpublished)


def can_view_article_preview(user, article: Article) -> bool:
    if not (_active(user) and user.is_staff):
        return False
    return can_publish(user) or user.has_perm("articles.view_article")


def allowed_statuses(user) -> list[str]:
    if can_publish(user):
        return [choice for choice, _ in Article.Status.choices]
    return [Article.Status.DRAFT, Article.Status.IN_REVIEW]


def check_article_save(user, *, article: Article, previous: Article | None) -> None:
    """Raise ``ArticleSaveRefused`` unless ``user`` may store ``article`` as it now stands.

    ``previous`` is the stored version (``None`` for a new article); comparing with it is what
    stops a writer from publishing, featuring, scheduling or handing an article to someone else
    by sending fields the form does not show.
    """
    if previous is None:
        if not (_active(user) and user.has_perm("articles.add_article")):
            raise ArticleSaveRefused("You may not add articles.")
    elif not can_edit_article(user, previous):
        if previous.status == Article.Status.PUBLISHED and previous.created_by_id == getattr(user, "pk", None):
            raise ArticleSaveRefused("This article is published; only an editor can change it now.")
        raise ArticleSaveRefused("You may only edit your own articles, and only until they are published.")
    if can_publish(user):
        return
    if article.status not in allowed_statuses(user):
        raise ArticleSaveRefused(
            "Only editors can publish articles. Save it as a draft, or choose “In review” to send it to an editor.",
            field="status",
        )
    if article.featured != (previous.featured if previous else False):
        raise ArticleSaveRefused("Only editors can feature articles.", field="featured")
    if article.published_at != (previous.published_at if previous else None):
        raise ArticleSaveRefused("Only editors can set the publishing time.", field="published_at")
    if previous is not None and article.created_by_id != previous.created_by_id:
        raise ArticleSaveRefused("Only editors can change who created an article.")
    if previous is None and article.created_by_id not in {None, user.pk}:
        raise ArticleSaveRefused("Only editors can add articles on someone else's behalf.")
