"""Article revisions (django-simple-history) as staff read them: what changed, old → new.

Every save of an article keeps a revision (``Article.history``); the admin's history page
lists them with the user, the time and the fields that changed, long texts as a line diff.
Restoring a revision brings back its words, address and placement; whether and when the
article is published, and whether it is featured, stay as they are now (those are changed
on the article itself, by the people allowed to), so restoring can never publish anything.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format

# Fields a restore leaves as they are now: the publishing state is decided on its own.
KEPT_ON_RESTORE = ("status", "published_at", "featured", "comments_open", "created_by")
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


def changes_between(old_record, new_record, *, fields=None) -> list[FieldChange]:
    """What changed from ``old_record`` to ``new_record`` (two revisions of one article)."""
    from articles.models import Article

    delta = new_record.diff_against(old_record, foreign_keys_are_objs=True)
    found = []
    for change in delta.changes:
        if fields is not None and change.field not in fields:
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
    return sorted(found, key=lambda item: order.index(item.name) if item.name in order else len(order))


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
    ) - {"id"}


def keep_publishing_state(instance, stored) -> None:
    """Before a revision is offered for restoring: keep the stored article's publishing state."""
    for name in KEPT_ON_RESTORE:
        attname = instance._meta.get_field(name).attname
        setattr(instance, attname, getattr(stored, attname))


def restore_reason(record) -> str:
    when = date_format(timezone.localtime(record.history_date), "j M Y, H:i")
    return f"Restored the revision of {when}"[:100]
