"""What a browser would POST to the article admin: the form, its inlines' management forms."""

from __future__ import annotations

from django.urls import reverse

from articles.models import Article

ADMIN_PASSWORD = "correct-horse-battery"


def changelist_url() -> str:
    return reverse("admin:articles_article_changelist")


def add_url() -> str:
    return reverse("admin:articles_article_add")


def change_url(article: Article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def delete_url(article: Article) -> str:
    return reverse("admin:articles_article_delete", args=[article.pk])


def _inline(prefix: str, rows: list[dict], initial: int) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = "" if value is None else str(value)
    return data


def article_post_data(article: Article | None = None, *, authors=None, read_more=None, notes=(), **fields) -> dict:
    """The admin form as a browser submits it, filled from ``article`` and ``fields``.

    ``authors`` (Author objects) replaces the bylines; by default an existing article keeps
    its own. ``published_at`` may be a datetime (sent as the split date and time inputs).
    ``notes`` are the texts of new newsroom notes; the stored ones are sent back unchanged.
    """
    values = {}
    if article is not None:
        values = {
            "title": article.title,
            "slug": article.slug,
            "standfirst": article.standfirst,
            "body": article.body,
            "region": article.region_id,
            "topic": article.topic_id,
            "tags": ", ".join(t.name for t in article.tags.all()),
            "status": article.status,
            "featured": article.featured,
            "comments_open": article.comments_open,
            "published_at": article.published_at,
            "seo_title": article.seo_title,
            "seo_description": article.seo_description,
            "hero_image": article.hero_image_id or "",
            "version": article.version,
        }
    else:
        values = {"tags": "", "status": Article.Status.DRAFT, "comments_open": True, "seo_title": "", "seo_description": ""}
    values.update(fields)

    data = {}
    for key, value in values.items():
        if key in {"featured", "comments_open"}:
            if value:
                data[key] = "on"
        elif key == "published_at":
            if value:
                from django.utils import timezone

                local = timezone.localtime(value)
                data["published_at_0"] = local.strftime("%Y-%m-%d")
                data["published_at_1"] = local.strftime("%H:%M:%S")
            else:
                data["published_at_0"] = data["published_at_1"] = ""
        elif hasattr(value, "pk"):
            data[key] = str(value.pk)
        else:
            data[key] = "" if value is None else str(value)

    existing_bylines = list(article.bylines.all()) if article is not None else []
    if authors is None:
        rows = [
            {"id": b.pk, "article": article.pk, "author": b.author_id, "sort_order": b.sort_order}
            for b in existing_bylines
        ]
        data.update(_inline("bylines", rows, len(existing_bylines)))
    else:
        rows = [
            {"id": b.pk, "article": article.pk, "author": b.author_id, "sort_order": b.sort_order, "DELETE": "on"}
            for b in existing_bylines
        ]
        rows += [
            {"id": "", "article": article.pk if article else "", "author": a.pk, "sort_order": i}
            for i, a in enumerate(authors)
        ]
        data.update(_inline("bylines", rows, len(existing_bylines)))

    existing_links = list(article.read_more_links.all()) if article is not None else []
    if read_more is None:
        rows = [
            {"id": link.pk, "article": article.pk, "target": link.target_id, "sort_order": link.sort_order}
            for link in existing_links
        ]
    else:
        rows = [
            {"id": link.pk, "article": article.pk, "target": link.target_id, "sort_order": link.sort_order, "DELETE": "on"}
            for link in existing_links
        ]
        rows += [
            {"id": "", "article": article.pk if article else "", "target": t.pk, "sort_order": i}
            for i, t in enumerate(read_more)
        ]
    data.update(_inline("read_more_links", rows, len(existing_links)))

    existing_notes = list(article.notes.all()) if article is not None else []
    rows = [{"id": note.pk, "article": article.pk} for note in existing_notes]
    rows += [{"id": "", "article": article.pk if article else "", "text": text} for text in notes]
    data.update(_inline("notes", rows, len(existing_notes)))
    data["_save"] = "Save"
    return data


def action_post_data(action: str, *articles: Article) -> dict:
    return {"action": action, "_selected_action": [str(a.pk) for a in articles], "index": "0"}
