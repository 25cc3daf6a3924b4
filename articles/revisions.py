"""Article revisions (django-simple-history) as staff read them: what changed, old → new.

Every save of an article keeps a revision (``Article.history``); the admin's history page
lists them with the user, the time and the fields that changed, long texts as a line diff.
Restoring a revision brings back its words, address and placement, its bylines, tags and
READ MORE links; whether and when the article is published, and whether it is featured, stay
as they are now (those are changed on the article itself, by the people allowed to), so
restoring can never publish anything.

A revision keeps the article's bylines (authors in order), tags and READ MORE links in its
``relations``: filled from the database when the revision is made (``record_relations``, on
simple-history's ``pre_create_historical_record``), and again once the admin has saved the
inlines (``services.article_save_related_done``).

The same history explains an edit conflict (``edit_conflict``): who saved the article since
the editor opened it, when, and what they changed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format

# Fields a restore leaves as they are now: the publishing state is decided on its own.
KEPT_ON_RESTORE = ("status", "published_at", "featured", "comments_open", "created_by")
# Bookkeeping, never shown as a change nor restored: the version only ever moves on.
NOT_SHOWN = {"version"}
# What a revision keeps beyond the article's own fields, with the label staff read.
RELATIONS = {"authors": "Authors (byline order)", "tags": "Tags", "read_more": "READ MORE links"}
# Fields shown as a line diff rather than as two whole values.
LONG_TEXT = {"body", "standfirst"}


@dataclass
class FieldChange:
    name: str
    label: str
    old: str = ""
    new: str = ""
    lines: list[tuple[str, str]] = field(default_factory=list)  # (kind, text): kind is del/add/same/gap

    @property
    def is_long(self) -> bool:
        return bool(self.lines)


def _display(model_field, value) -> str:
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "j M Y, H:i")
    return str(value)


def line_diff(old: str, new: str, *, context: int = 1) -> list[tuple[str, str]]:
    """The changed lines of a text with a line of context, as (kind, text) pairs."""
    lines = []
    diff = difflib.unified_diff((old or "").splitlines(), (new or "").splitlines(), lineterm="", n=context)
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            if lines:  # between two changed passages, not before the first
                lines.append(("gap", "…"))
        elif line.startswith("-"):
            lines.append(("del", line[1:]))
        elif line.startswith("+"):
            lines.append(("add", line[1:]))
        else:
            lines.append(("same", line[1:]))
    return lines


def relations_of(article_id) -> dict:
    """The article's bylines, tags and READ MORE links as stored now, in their order."""
    from taggit.models import TaggedItem

    from articles.models import ArticleAuthor, ReadMoreLink

    return {
        "authors": [
            [pk, name]
            for pk, name in ArticleAuthor.objects.filter(article_id=article_id)
            .order_by("sort_order", "id")
            .values_list("author_id", "author__name")
        ],
        "tags": sorted(
            TaggedItem.objects.filter(
                content_type__app_label="articles", content_type__model="article", object_id=article_id
            ).values_list("tag__name", flat=True),
            key=str.lower,
        ),
        "read_more": [
            [pk, title]
            for pk, title in ReadMoreLink.objects.filter(article_id=article_id)
            .order_by("sort_order", "id")
            .values_list("target_id", "target__title")
        ],
    }


def record_relations(sender, *, instance, history_instance, **kwargs) -> None:
    """simple-history's ``pre_create_historical_record``: a new revision keeps the relations too."""
    if instance.pk is not None:
        history_instance.relations = relations_of(instance.pk)


def _relation_changes(old_record, new_record) -> list[FieldChange]:
    old, new = getattr(old_record, "relations", None), getattr(new_record, "relations", None)
    if old is None or new is None:  # a revision from before relations were kept: nothing to compare
        return []
    found = []
    for name, label in RELATIONS.items():
        before, after = old.get(name) or [], new.get(name) or []
        if before == after:
            continue
        shown = [_relation_display(before), _relation_display(after)]
        found.append(FieldChange(name=name, label=label, old=shown[0], new=shown[1]))
    return found


def _relation_display(items) -> str:
    names = [item[1] if isinstance(item, list | tuple) else item for item in items]
    return ", ".join(str(name) for name in names) or "—"


def changes_between(old_record, new_record, *, fields=None, relations=True) -> list[FieldChange]:
    """What changed from ``old_record`` to ``new_record`` (two revisions of one article)."""
    from articles.models import Article

    delta = new_record.diff_against(old_record, foreign_keys_are_objs=True)
    found = []
    for change in delta.changes:
        if change.field in NOT_SHOWN or (fields is not None and change.field not in fields):
            continue
        model_field = Article._meta.get_field(change.field)
        item = FieldChange(name=change.field, label=str(model_field.verbose_name).capitalize())
        if change.field in LONG_TEXT:
            item.lines = line_diff(change.old, change.new)
        else:
            item.old, item.new = _display(model_field, change.old), _display(model_field, change.new)
            if item.old == item.new:
                continue  # e.g. a publish time that lost its microseconds in a form: nothing to see
        found.append(item)
    order = [f.name for f in Article._meta.fields]
    found.sort(key=lambda item: order.index(item.name) if item.name in order else len(order))
    return found + (_relation_changes(old_record, new_record) if relations else [])


def annotate_changes(records, *, before=None) -> None:
    """Give each revision (newest first) ``revision_changes``: what it changed from the one before.

    ``before`` is the revision just older than the last of ``records`` (on the next page of the
    history), if there is one; the very first revision of an article has no changes to show.
    """
    records = list(records)
    if not records:  # e.g. an article loaded in bulk, which has no revision until its next save
        return
    for newer, older in zip(records, [*records[1:], before], strict=True):
        newer.revision_changes = changes_between(older, newer) if older is not None else []


def restorable_fields():
    from articles.models import Article

    return {f.name for f in Article.history.model._meta.fields if f.name in {g.name for g in Article._meta.fields}} - set(
        KEPT_ON_RESTORE
    ) - {"id"} - NOT_SHOWN


def keep_publishing_state(instance, stored) -> None:
    """Before a revision is offered for restoring: keep the stored article's publishing state."""
    for name in KEPT_ON_RESTORE:
        attname = instance._meta.get_field(name).attname
        setattr(instance, attname, getattr(stored, attname))
    # The restore is a new save of the article as it is now: it must not meet an edit conflict.
    instance.version = stored.version


def restore_reason(record) -> str:
    when = date_format(timezone.localtime(record.history_date), "j M Y, H:i")
    return f"Restored the revision of {when}"[:100]


def restore_relations_initial(record) -> dict:
    """Initial values for the restore form: the tags the revision kept (bylines and links are
    restored by ``services.article_restore_relations``)."""
    from taggit.models import Tag

    if record.relations is None:
        return {}
    # taggit's form field reads tags, not names; unsaved ones are enough to show and compare.
    return {"tags": [Tag(name=name) for name in record.relations["tags"]]}


@dataclass
class EditConflict:
    """Someone saved the article after this editor opened it: who, when, and what changed."""

    saved_by: str
    saved_at: str
    changes: list[FieldChange]
    saves: int

    @property
    def message(self) -> str:
        others = f" (and {self.saves - 1} more save{'s' if self.saves > 2 else ''} before)" if self.saves > 1 else ""
        return f"Not saved: {self.saved_by} saved this article at {self.saved_at}{others}, after you opened it."


def _who(record) -> str:
    user = record.history_user if record is not None else None
    if user is None:
        return "someone"
    return user.get_full_name() or user.get_username()


def edit_conflict(*, article_id: int, version: int | None) -> EditConflict | None:
    """The conflict an editor meets who opened the article at ``version``, or None if there is none."""
    from articles.models import Article

    stored_version = Article.objects.filter(pk=article_id).values_list("version", flat=True).first()
    if stored_version is None or version == stored_version:
        return None
    history = Article.history.filter(id=article_id).select_related("history_user").order_by("-history_date", "-history_id")
    latest = history.first()
    meanwhile = history.filter(version__gt=version or 0).count() if version is not None else 0
    base = history.filter(version__lte=version).first() if version is not None else None
    changes = changes_between(base, latest) if base is not None and latest is not None else []
    when = date_format(timezone.localtime(latest.history_date), "j M Y, H:i") if latest is not None else "an unknown time"
    return EditConflict(saved_by=_who(latest), saved_at=when, changes=changes, saves=max(meanwhile, 1))
