"""Writes to articles and their side effects (cache versions, image renditions)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from articles import permissions, search
from articles.models import Article, Author, Image, Region, Rendition, Topic
from magazine.cache import bump_versions


def _bump_for(*articles: Article) -> None:
    pairs = {("articles", "all")}
    for article in articles:
        pairs.add(("region", article.region_id))
        if article.region_id and getattr(article.region, "parent_id", None):
            pairs.add(("region", article.region.parent_id))
        pairs.add(("topic", article.topic_id))
        pairs.add(("article", article.pk))
    bump_versions(*sorted(pairs, key=str))


def _stored(article: Article) -> Article | None:
    """The article as the database holds it, or None if it is new."""
    if article.pk is None:
        return None
    return Article.objects.select_related("region").filter(pk=article.pk).first()


def article_save(*, article: Article, by, previous: Article | None = None) -> Article:
    """Save an article written in the admin, enforcing who may set which field.

    ``previous`` is the stored version; it is read from the database when not given, so a
    caller cannot skip the checks by leaving it out or by passing the edited object itself.
    """
    if previous is None or previous is article:
        previous = _stored(article)
    permissions.check_article_save(by, article=article, previous=previous)
    if previous is None and article.created_by_id is None:
        article.created_by = by
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    article.full_clean()
    article.save()
    # Both the old and the new region/topic pages show or showed the article.
    transaction.on_commit(lambda: _bump_for(*(a for a in (article, previous) if a is not None)))
    transaction.on_commit(lambda: search.index_articles([article.pk]))
    return article


def article_delete(*, article: Article, by) -> None:
    """Delete an article; the pages that listed it are refreshed."""
    stored = _stored(article) or article
    if not permissions.can_delete_article(by, stored):
        raise PermissionDenied("You may only delete your own articles, and only until they are published.")
    pk = stored.pk
    stored.delete()
    stored.pk = pk  # delete() clears it; the cache keys still need it.
    transaction.on_commit(lambda: _bump_for(stored))


def article_publish(*, article: Article, by, at: datetime | None = None) -> Article:
    """Publish now, or schedule for ``at``; an article already live keeps its publish time."""
    if not permissions.can_publish(by):
        raise PermissionDenied("Only editors can publish articles.")
    if at is not None:
        article.published_at = at
    elif article.status != Article.Status.PUBLISHED or article.published_at is None:
        article.published_at = timezone.now()
    article.status = Article.Status.PUBLISHED
    article.full_clean()
    article.save(update_fields=["status", "published_at", "updated_at"])
    transaction.on_commit(lambda: _bump_for(article))
    # Search reads the publish state when it runs; this only makes sure a document exists.
    transaction.on_commit(lambda: search.index_articles([article.pk]))
    return article


def article_unpublish(*, article: Article, by) -> Article:
    if not permissions.can_publish(by):
        raise PermissionDenied("Only editors can unpublish articles.")
    article.status = Article.Status.DRAFT
    article.save(update_fields=["status", "updated_at"])
    transaction.on_commit(lambda: _bump_for(article))
    return article


def article_submit_for_review(*, article: Article, by) -> Article:
    if not permissions.can_edit_article(by, article):
        raise PermissionDenied("You may not edit this article.")
    if article.status != Article.Status.DRAFT:
        return article
    article.status = Article.Status.IN_REVIEW
    article.save(update_fields=["status", "updated_at"])
    return article


def article_set_featured(*, article: Article, by, featured: bool = True) -> Article:
    if not permissions.can_publish(by):
        raise PermissionDenied("Only editors can feature articles.")
    article.featured = featured
    article.save(update_fields=["featured", "updated_at"])
    transaction.on_commit(lambda: _bump_for(article))
    return article


def taxonomy_changed(*, term: Region | Topic) -> None:
    """Menus and every page that names the term show its new name."""
    namespace = "region" if isinstance(term, Region) else "topic"
    transaction.on_commit(lambda: bump_versions(("taxonomy", "all"), (namespace, term.pk), ("articles", "all")))


def image_save(*, image: Image, by=None, file_replaced: bool = False) -> Image:
    """Save an uploaded image and make its renditions in the background.

    ``by`` is the staff user saving it (None for the site's own commands). When the file is
    replaced the old renditions go (rows now, files once the transaction commits) and new
    ones are made from the new file.
    """
    if by is not None and image.pk:
        stored = Image.objects.filter(pk=image.pk).first()
        if stored is not None and not permissions.can_change_image(by, stored):
            raise PermissionDenied(
                "This picture is used by a published article or by someone else's article; ask an editor to change it."
            )
    image.full_clean()
    stale = list(image.renditions.all()) if file_replaced and image.pk else []
    if stale:
        Rendition.objects.filter(pk__in=[r.pk for r in stale]).delete()
        image.rendition_summary = []
    image.save()

    def after_commit():
        from articles.tasks import make_renditions

        for rendition in stale:
            rendition.file.delete(save=False)
        make_renditions.enqueue(image.pk)

    transaction.on_commit(after_commit)
    return image


def article_save_related_done(*, article: Article) -> None:
    """Bylines, tags and read-more links changed: pages showing the article must refresh."""
    transaction.on_commit(lambda: _bump_for(article))
    transaction.on_commit(lambda: search.index_articles([article.pk]))


def author_save(*, author: Author) -> Author:
    """Save an author; a new name reaches the search documents of every article in their byline."""
    stored_name = Author.objects.filter(pk=author.pk).values_list("name", flat=True).first() if author.pk else None
    author.save()
    if stored_name is not None and stored_name != author.name:
        transaction.on_commit(lambda: search.index_author_articles(author.pk))
    return author
