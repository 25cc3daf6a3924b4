"""Who may do what to an article. The admin and the services both ask here."""

from __future__ import annotations

from articles.models import Article

PUBLISH_PERMISSION = "articles.publish_article"


def can_publish(user) -> bool:
    return bool(user and user.is_active and user.has_perm(PUBLISH_PERMISSION))


def can_edit_article(user, article: Article | None) -> bool:
    """Editors edit everything; writers edit their own articles until they are published."""
    if not (user and user.is_active and user.has_perm("articles.change_article")):
        return False
    if article is None or can_publish(user):
        return True
    return article.created_by_id == user.pk and article.status != Article.Status.PUBLISHED


def can_view_article_preview(user, article: Article) -> bool:
    if not (user and user.is_active and user.is_staff):
        return False
    return can_publish(user) or user.has_perm("articles.view_article")


def allowed_statuses(user) -> list[str]:
    if can_publish(user):
        return [choice for choice, _ in Article.Status.choices]
    return [Article.Status.DRAFT, Article.Status.IN_REVIEW]
