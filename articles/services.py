"""Writes to articles and their side effects (cache versions, image renditions)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles import permissions, revisions, search, slugs
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleNote,
    ArticleRedirect,
    Author,
    Image,
    ReadMoreLink,
    Region,
    Rendition,
    Topic,
)
from magazine import outbox
from magazine.cache import bump_versions
from magazine.storage import delete_stored_files


def _bump_for(*articles: Article) -> None:
    """New versions for everything a page may show of these articles (see magazine/pagecache.py):
    the article, its region and the regions around it, its topic, its authors, and the
    "in case you missed it" block when it is featured."""
    pairs = {("articles", "all")}
    region_ids = {article.region_id for article in articles if article.region_id}
    for article in articles:
        pairs.add(("topic", article.topic_id))
        pairs.add(("article", article.pk))
        if article.featured:
            pairs.add(("featured", "all"))
    parents = Region.objects.filter(pk__in=region_ids).values_list("parent_id", "parent__parent_id")
    region_ids |= {pk for pair in parents for pk in pair if pk}
    pairs |= {("region", pk) for pk in region_ids}
    author_ids = ArticleAuthor.objects.filter(article__in=[a.pk for a in articles if a.pk]).values_list(
        "author_id", flat=True
    )
    pairs |= {("author", pk) for pk in author_ids}
    bump_versions(*sorted(pairs, key=str))


def _stored(article: Article) -> Article | None:
    """The article as the database holds it, or None if it is new."""
    if article.pk is None:
        return None
    return Article.objects.select_related("region").filter(pk=article.pk).first()


def _address(article: Article | None) -> tuple[str, str] | None:
    """The path and slug readers may know the article by: set once it has a publish time."""
    if article is None or article.published_at is None:
        return None
    return article.get_absolute_url(), article.slug


def _keep_old_address(article: Article, *, old: tuple[str, str] | None) -> None:
    """When the article's address moved, the old one redirects to it; its new one never does.

    Deleting any redirect from the new address is what keeps an article that returns to an
    earlier slug, region or date (or a new article taking a freed address) out of a loop.
    """
    new = _address(article)
    if new is None or new == old:
        return
    ArticleRedirect.objects.filter(old_path=new[0]).delete()
    if old is not None and old[0] != new[0]:
        ArticleRedirect.objects.update_or_create(old_path=old[0], defaults={"article": article, "old_slug": old[1]})


class ArticleEditConflict(ValidationError):
    """The article was saved by someone else after this copy of it was read: nothing was stored."""

    def __init__(self, *, article_id: int, version: int):
        self.article_id, self.version = article_id, version
        super().__init__(
            "Someone else saved this article after you opened it; nothing of yours was saved.", code="edit_conflict"
        )


def _take_version(article: Article, *, expected: int | None = None) -> None:
    """Move the stored version on by one and give ``article`` the new number.

    With ``expected`` (the version the caller's copy was read at), the row changes only if it
    still has that version: an ``UPDATE … WHERE version = expected``, so of two saves of the same
    version exactly one wins, on any database. The caller's transaction holds the row until it
    commits.
    """
    rows = Article.objects.filter(pk=article.pk)
    if expected is not None:
        rows = rows.filter(version=expected)
    if not rows.update(version=F("version") + 1):
        raise ArticleEditConflict(article_id=article.pk, version=expected)
    article.version = rows.model.objects.filter(pk=article.pk).values_list("version", flat=True).get()


def article_save(*, article: Article, by, previous: Article | None = None) -> Article:
    """Save an article written in the admin, enforcing who may set which field.

    ``previous`` is the stored version; it is read from the database when not given, so a
    caller cannot skip the checks by leaving it out or by passing the edited object itself.
    ``article.version`` is the version the edited copy was read at (the admin form sends it
    back): if the article was saved since, ``ArticleEditConflict`` is raised and nothing is
    stored; otherwise the save moves the version on by one.
    """
    if previous is None or previous is article:
        previous = _stored(article)
    permissions.check_article_save(by, article=article, previous=previous)
    if previous is None and article.created_by_id is None:
        article.created_by = by
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    slug_fill(instance=article, source="title")
    article.full_clean()
    article._history_user = by
    with transaction.atomic():
        if previous is not None:
            _take_version(article, expected=article.version)
        article.save()
    _keep_old_address(article, old=_address(previous))
    _tell_the_newsroom(article, previous=previous, by=by)
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
    old = _address(article)
    previous = _stored(article)
    if at is not None:
        article.published_at = at
    elif article.status != Article.Status.PUBLISHED or article.published_at is None:
        article.published_at = timezone.now()
    article.status = Article.Status.PUBLISHED
    article.full_clean()
    article._history_user = by
    with transaction.atomic():
        _take_version(article)
        article.save(update_fields=["status", "published_at", "updated_at", "version"])
    _keep_old_address(article, old=old)
    _tell_the_newsroom(article, previous=previous, by=by)
    transaction.on_commit(lambda: _bump_for(article))
    # The search document keeps a copy of the publish time for counting matches.
    transaction.on_commit(lambda: search.index_articles([article.pk]))
    return article


def article_unpublish(*, article: Article, by) -> Article:
    if not permissions.can_publish(by):
        raise PermissionDenied("Only editors can unpublish articles.")
    article.status = Article.Status.DRAFT
    article._history_user = by
    with transaction.atomic():
        _take_version(article)
        article.save(update_fields=["status", "updated_at", "version"])
    transaction.on_commit(lambda: _bump_for(article))
    # The search document keeps a copy of the publish state for counting matches.
    transaction.on_commit(lambda: search.index_articles([article.pk]))
    return article


def article_submit_for_review(*, article: Article, by) -> Article:
    if not permissions.can_edit_article(by, article):
        raise PermissionDenied("You may not edit this article.")
    if article.status != Article.Status.DRAFT:
        return article
    previous = _stored(article)
    article.status = Article.Status.IN_REVIEW
    article._history_user = by
    with transaction.atomic():
        _take_version(article)
        article.save(update_fields=["status", "updated_at", "version"])
    _tell_the_newsroom(article, previous=previous, by=by)
    return article


def _tell_the_newsroom(article: Article, *, previous: Article | None, by) -> None:
    """Promise the workflow's mails for this change, in the caller's transaction.

    A story that enters review mails the editors; one that becomes published (or whose
    scheduled time moves) mails its writer when it goes live. A mail is promised only for a
    change of state, so saving an article that stays in review or stays live mails nobody.
    """
    from articles import tasks

    was = previous.status if previous is not None else None
    if article.status == Article.Status.IN_REVIEW and was != Article.Status.IN_REVIEW:
        stamp = article.updated_at.isoformat()
        outbox.promise(tasks.send_review_request, article.pk, by.pk, key=f"article-review:{article.pk}:{stamp}")
    if article.status == Article.Status.PUBLISHED and article.published_at is not None:
        newly = was != Article.Status.PUBLISHED
        rescheduled = (
            previous is not None
            and previous.is_scheduled
            and previous.published_at != article.published_at
        )
        if newly or rescheduled:
            when = article.published_at.isoformat()
            # Run when the article goes live: at once, or at its scheduled time. The task checks
            # the article still goes live at that time, so an unpublished or moved one mails nobody.
            outbox.promise(
                tasks.send_published_notice,
                article.pk,
                when,
                by.pk,
                key=f"article-published:{article.pk}:{when}",
                run_after=max(article.published_at, timezone.now()),
            )


def article_send_back(*, article: Article, by, note: str) -> ArticleNote:
    """An editor returns a story in review to its writer as a draft, with a note saying why.

    The note is kept on the article (the writer sees it on the article's admin page) and
    mailed to the writer.
    """
    if not permissions.can_publish(by):
        raise PermissionDenied("Only editors can send stories back to their writers.")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say what the writer should change: the note is what they will read."})
    from articles import tasks

    with transaction.atomic():
        stored = Article.objects.select_for_update().filter(pk=article.pk).first()
        if stored is None or stored.status != Article.Status.IN_REVIEW:
            raise ValidationError("Only a story in review can be sent back; this one is no longer in review.")
        stored.status = Article.Status.DRAFT
        stored._history_user = by
        _take_version(stored)
        stored.save(update_fields=["status", "updated_at", "version"])
        sent_back = ArticleNote(article=stored, kind=ArticleNote.Kind.SENT_BACK, text=note, created_by=by)
        sent_back.full_clean()
        sent_back.save()
        outbox.promise(tasks.send_sent_back_notice, sent_back.pk, key=f"article-sent-back:{sent_back.pk}")
    article.status, article.version = stored.status, stored.version
    return sent_back


def article_note_add(*, article: Article, by, text: str) -> ArticleNote:
    """An internal note on an article, for the newsroom only."""
    if not permissions.can_edit_article(by, _stored(article)):
        raise PermissionDenied("You may only add notes to articles you may edit.")
    note = ArticleNote(article=article, kind=ArticleNote.Kind.INTERNAL, text=(text or "").strip(), created_by=by)
    note.full_clean()
    note.save()
    return note


def article_set_featured(*, article: Article, by, featured: bool = True) -> Article:
    if not permissions.can_publish(by):
        raise PermissionDenied("Only editors can feature articles.")
    article.featured = featured
    article._history_user = by
    with transaction.atomic():
        _take_version(article)
        article.save(update_fields=["featured", "updated_at", "version"])
    transaction.on_commit(lambda: _bump_for(article))
    return article


def slug_fill(*, instance: Article | Author | Region | Topic, source: str) -> None:
    """An empty slug is made from ``source`` (a title or name; Chinese becomes pinyin).

    Raises ``ValidationError`` on the slug when the text makes none (emoji or punctuation alone).
    """
    if not slugs.fill_slug(instance, source=source):
        raise ValidationError(
            {"slug": f"No web address can be made from “{getattr(instance, source)}”: give the slug yourself."}
        )


def taxonomy_term_save(*, term: Region | Topic, changed: Iterable[str] = ()) -> Region | Topic:
    """Save a region or topic (its slug made from the name when empty), then tell the pages."""
    slug_fill(instance=term, source="name")
    term.save()
    taxonomy_changed(term=term, changed=changed)
    return term


def taxonomy_changed(*, term: Region | Topic, changed: Iterable[str] = ()) -> None:
    """Menus and every page that names the term show its new name; search finds a region's
    stories by its new Chinese name (``changed``: the names of the fields that changed)."""
    namespace = "region" if isinstance(term, Region) else "topic"
    transaction.on_commit(lambda: bump_versions(("taxonomy", "all"), (namespace, term.pk), ("articles", "all")))
    if isinstance(term, Region) and "name_zh" in changed:
        transaction.on_commit(lambda: search.index_region_articles(term.pk))


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
    from articles.tasks import make_renditions

    with transaction.atomic():
        image.save()
        outbox.promise(make_renditions, image.pk)

    def after_commit():
        for rendition in stale:
            rendition.file.delete(save=False)
        # Pages showing the picture (as a hero or inside a body) show its new caption, alt text or file.
        bump_versions(("image", image.pk))

    transaction.on_commit(after_commit)
    return image


def image_delete(*, images, by=None) -> int:
    """Delete library images; pages that showed them (as a hero or inside a body) refresh.

    A writer may delete only pictures they may change (``permissions.can_change_image``).
    Returns how many were deleted.
    """
    images = list(images)
    if by is not None:
        refused = [image for image in images if not permissions.can_change_image(by, image)]
        if refused:
            raise PermissionDenied(
                "This picture is used by a published article or by someone else's article; ask an editor to delete it."
            )
    pks = [image.pk for image in images]
    files = [image.file for image in images if image.file]
    files += [rendition.file for rendition in Rendition.objects.filter(image__in=pks) if rendition.file]
    with transaction.atomic():
        Image.objects.filter(pk__in=pks).delete()

    def after_commit():
        # The files go once the rows are gone for good (on the disk or in the bucket alike).
        delete_stored_files(files)
        bump_versions(*(("image", pk) for pk in pks))

    transaction.on_commit(after_commit)
    return len(pks)


def article_save_related_done(*, article: Article) -> None:
    """Bylines, tags and read-more links changed: the revision just made keeps them as saved,
    and pages showing the article must refresh."""
    latest = Article.history.filter(id=article.pk).order_by("-history_date", "-history_id").first()
    if latest is not None:
        Article.history.filter(history_id=latest.history_id).update(relations=revisions.relations_of(article.pk))
    transaction.on_commit(lambda: _bump_for(article))
    transaction.on_commit(lambda: search.index_articles([article.pk]))


def article_restore_relations(*, article: Article, relations: dict | None) -> None:
    """Give the article the bylines, tags and READ MORE links a revision kept (the restore form
    shows and sends the same tags). Authors and linked articles deleted since are left out."""
    if relations is None:
        return
    article.tags.set(relations.get("tags") or [], clear=True)
    author_ids = [pk for pk, _name in relations.get("authors") or []]
    living = set(Author.objects.filter(pk__in=author_ids).values_list("pk", flat=True))
    if living:  # an article keeps at least one author
        ArticleAuthor.objects.filter(article=article).delete()
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=article, author_id=pk, sort_order=order)
            for order, pk in enumerate(pk for pk in author_ids if pk in living)
        )
    target_ids = [pk for pk, _title in relations.get("read_more") or [] if pk != article.pk]
    living = set(Article.objects.filter(pk__in=target_ids).values_list("pk", flat=True))
    ReadMoreLink.objects.filter(article=article).delete()
    ReadMoreLink.objects.bulk_create(
        ReadMoreLink(article=article, target_id=pk, sort_order=order)
        for order, pk in enumerate(pk for pk in target_ids if pk in living)
    )


def author_save(*, author: Author) -> Author:
    """Save an author; a new name reaches the search documents of every article in their byline."""
    stored_name = Author.objects.filter(pk=author.pk).values_list("name", flat=True).first() if author.pk else None
    slug_fill(instance=author, source="name")
    author.save()
    transaction.on_commit(lambda: bump_versions(("author", author.pk)))
    if stored_name is not None and stored_name != author.name:
        transaction.on_commit(lambda: search.index_author_articles(author.pk))
    return author


def article_share_recorded(*, article_id: int, network: str) -> int:
    """A reader shared the article on ``network``: add one to its share count, return the count.

    The increment happens in the database (``F() + 1``), so simultaneous shares all count.
    """
    from articles.sharing import NETWORKS

    if network not in NETWORKS:
        raise ValueError(f"Unknown network {network!r}; expected one of: {', '.join(NETWORKS)}.")
    Article.objects.filter(pk=article_id).update(share_count=F("share_count") + 1)
    transaction.on_commit(lambda: bump_versions(("article", article_id)))
    return Article.objects.filter(pk=article_id).values_list("share_count", flat=True).first() or 0


PAGE_VIEWS_FOLD_LOCK = "pv:fold:lock"
PAGE_VIEWS_FOLD_CHUNK = 500


def page_views_fold(*, today=None) -> int:
    """Add the page views counted in the cache to ``ArticleViewDay``; return how many were added.

    One fold runs at a time (a lock in the cache). Per chunk of articles: read the stored rows,
    then one bulk upsert with the sums, in a transaction; only after it commits are the folded
    numbers taken off the cache counters, so a failed fold loses nothing and a view counted
    meanwhile waits for the next fold. Views of articles deleted since are dropped.
    """
    from django.core.cache import cache

    from articles import page_views
    from articles.models import ArticleViewDay

    if not cache.add(PAGE_VIEWS_FOLD_LOCK, 1, timeout=600):
        return 0
    try:
        counts = page_views.pending(page_views.fold_days(today))
        ids = sorted({article_id for article_id, _ in counts})
        folded = 0
        for start in range(0, len(ids), PAGE_VIEWS_FOLD_CHUNK):
            chunk = set(ids[start : start + PAGE_VIEWS_FOLD_CHUNK])
            batch = {key: views for key, views in counts.items() if key[0] in chunk}
            with transaction.atomic():
                live_ids = set(Article.objects.filter(pk__in=chunk).values_list("pk", flat=True))
                stored = {
                    (row.article_id, row.day): row.views
                    for row in ArticleViewDay.objects.select_for_update().filter(
                        article_id__in=chunk, day__in={day for _, day in batch}
                    )
                }
                rows = [
                    ArticleViewDay(article_id=article_id, day=day, views=stored.get((article_id, day), 0) + views)
                    for (article_id, day), views in sorted(batch.items())
                    if article_id in live_ids
                ]
                ArticleViewDay.objects.bulk_create(
                    rows, update_conflicts=True, unique_fields=["article", "day"], update_fields=["views"]
                )
            page_views.take(batch)
            folded += sum(views for (article_id, _), views in batch.items() if article_id in live_ids)
        if folded:
            bump_versions(("most_read", "all"))
        return folded
    finally:
        cache.delete(PAGE_VIEWS_FOLD_LOCK)
