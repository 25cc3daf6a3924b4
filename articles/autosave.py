"""Autosave of the article form: a draft copy of what an editor types, kept per person and story.

The change (and add) form posts its text fields here while the editor types
(``static/articles/autosave.js``). A draft copy is an ``ArticleAutosave`` row and nothing else:
the article, its revisions, the search index and the page cache are never touched, so nothing
a reader sees changes until the editor saves the form.

Reopening the form offers the copy back (``autosave_offer``) when it is newer than the
article's last save and differs from it, with a diff against the article as it is stored now
and, when a colleague saved it after the copy was typed, who and when. Restoring puts the copy
into the form as it was opened now (its current version): the editor chose it with that diff in
front of them, so the save goes through; a colleague's save made after the form was opened is
still refused by the optimistic lock of ``services.article_save``.
A successful save of the article removes the person's copy (``article_autosave_clear``);
copies nobody came back for are pruned by the task workers' sweep after ``KEEP_DAYS``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from taggit.utils import parse_tags

from articles import permissions, revisions
from articles.models import Article, ArticleAutosave

# The fields of the article form that hold typed text, in the order the form shows them.
TEXT_FIELDS = ("title", "slug", "standfirst", "body", "tags", "seo_title", "seo_description")
# Drafts longer than the article form takes are still kept (the form then says what is too
# long); these limits only turn away what no editor types.
MAX_LENGTHS = {"body": 500_000, "standfirst": 20_000}
MAX_LENGTH = 5_000
KEEP_DAYS = 30

GONE_MESSAGE = "This article was deleted; your text is still in the form — copy it before leaving."
MISSING_MESSAGE = "There is no article with this number; your text is still in the form — copy it before leaving."


class ArticleGone(Exception):
    """The article the form belongs to is no longer there."""

    def __init__(self, message: str, *, deleted: bool):
        super().__init__(message)
        self.message = message
        self.deleted = deleted


class AutosaveForm(forms.Form):
    """What the article form's script posts: which story, the version it opened, the typed text."""

    article = forms.IntegerField(
        required=False,
        min_value=1,
        error_messages={"invalid": "The article is named by its number.", "min_value": "The article is named by its number."},
    )
    draft_key = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{8,40}$",
        required=False,
        error_messages={"invalid": "The draft key is 8 to 40 letters, digits, “-” or “_”."},
    )
    version = forms.IntegerField(
        required=False,
        min_value=1,
        error_messages={"invalid": "The version is a whole number.", "min_value": "The version is a whole number."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in TEXT_FIELDS:
            limit = MAX_LENGTHS.get(name, MAX_LENGTH)
            label = Article._meta.get_field(name).verbose_name if name != "tags" else "tags"
            self.fields[name] = forms.CharField(
                required=False,
                strip=False,
                max_length=limit,
                error_messages={"max_length": f"The {label} is too long to autosave (more than {limit:,} characters)."},
            )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("article") and not cleaned.get("draft_key") and not self.errors:
            raise ValidationError("Name the article, or the draft key of a new story.", code="no_story")
        return cleaned

    @property
    def typed(self) -> dict[str, str]:
        return {name: _normal(self.cleaned_data.get(name) or "") for name in TEXT_FIELDS}

    @property
    def message(self) -> str:
        return " ".join(message for messages in self.errors.values() for message in messages)


class AutosaveKeyForm(forms.Form):
    """The add form's draft key, sent back with the form when the new story is saved."""

    _autosave_key = forms.RegexField(regex=r"^[A-Za-z0-9_-]{8,40}$", required=False)


class AutosaveDiscardForm(forms.Form):
    autosave = forms.IntegerField(
        min_value=1,
        error_messages={
            "required": "Name the autosaved draft to discard.",
            "invalid": "The draft is named by its number.",
            "min_value": "The draft is named by its number.",
        },
    )


SUPERSEDED_MESSAGE = (
    "You saved this article since this form was opened, so this draft copy is not kept; "
    "copy your text before leaving."
)


@dataclass
class AutosaveResult:
    autosave: ArticleAutosave | None
    # The user's own save of the article came after the version this copy was typed against
    # (an autosave still on its way when they pressed Save): the copy is out of date, not kept.
    superseded: bool = False
    # Someone saved (or published) the article after this editor opened it.
    changed_since: revisions.EditConflict | None = None
    published_since: bool = False

    @property
    def saved_at_display(self) -> str:
        return date_format(timezone.localtime(self.autosave.saved_at), "H:i") if self.autosave else ""

    @property
    def warning(self) -> str:
        if self.superseded:
            return SUPERSEDED_MESSAGE
        if self.changed_since is None:
            return ""
        verb = "published" if self.published_since else "saved"
        return (
            f"This article changed since you opened it: {self.changed_since.saved_by} {verb} it at "
            f"{self.changed_since.saved_at}. Saving the form will be refused; copy your text first."
        )


@dataclass
class AutosaveOffer:
    autosave: ArticleAutosave
    changes: list[revisions.FieldChange] = field(default_factory=list)
    # Someone saved the article after the version this copy was typed against: who and when.
    changed_since: revisions.EditConflict | None = None

    @property
    def saved_at_display(self) -> str:
        saved = timezone.localtime(self.autosave.saved_at)
        today = timezone.localtime().date()
        return date_format(saved, "H:i" if saved.date() == today else "j M Y, H:i")

    @property
    def data(self) -> dict:
        """What the form's script needs to restore the copy (read from a json_script element)."""
        return {
            "id": self.autosave.pk,
            "fields": self.autosave.fields,
            "base_version": self.autosave.base_version,
            "draft_key": self.autosave.draft_key,
        }


def new_draft_key() -> str:
    return secrets.token_urlsafe(16)


def _normal(text: str) -> str:
    # Browsers send a textarea's line breaks as CRLF; the article stores LF (Article.clean).
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _article_or_gone(article_id: int) -> Article:
    # What the permission and version checks read; never the body, which may be long.
    article = Article.objects.only("id", "status", "created_by_id", "version").filter(pk=article_id).first()
    if article is not None:
        return article
    deleted = Article.history.filter(id=article_id, history_type="-").exists()
    raise ArticleGone(GONE_MESSAGE if deleted else MISSING_MESSAGE, deleted=deleted)


def _check_may_autosave(user, article: Article | None) -> None:
    if article is None:
        if not (user.is_active and user.is_staff and user.has_perm("articles.add_article")):
            raise PermissionDenied("You may not add articles, so this text is not autosaved.")
        return
    if permissions.can_edit_article(user, article):
        return
    if article.status == Article.Status.PUBLISHED and article.created_by_id == user.pk:
        raise PermissionDenied(
            "This article is published and only an editor can change it now, so your text is not autosaved; "
            "it is still in the form — copy it before leaving."
        )
    raise PermissionDenied("You may not change this article, so your text is not autosaved.")


def article_autosave(
    *, user, article_id: int | None, draft_key: str = "", base_version: int | None, typed: dict[str, str], now: datetime | None = None
) -> AutosaveResult:
    """Keep ``typed`` as ``user``'s draft copy of the article (or of the new story ``draft_key``).

    Raises ``ArticleGone`` when the article was deleted (or never was), ``PermissionDenied``
    when the user may not change it. An article saved by someone else since ``base_version``
    does not stop the copy being kept: the result says who changed it, so the editor can be
    told. A copy typed against a version the user has saved since is out of date and not kept.
    """
    now = now or timezone.now()
    article = _article_or_gone(article_id) if article_id else None
    _check_may_autosave(user, article)
    if article is not None and base_version is not None and base_version < article.version:
        own_save = Article.history.filter(id=article.pk, version=base_version + 1, history_user=user)
        if own_save.exists():
            return AutosaveResult(autosave=None, superseded=True)
    values = {name: _normal(typed.get(name, "")) for name in TEXT_FIELDS}
    autosave, _ = ArticleAutosave.objects.update_or_create(
        user=user,
        article=article,
        draft_key="" if article is not None else draft_key,
        defaults={"fields": values, "base_version": base_version if article is not None else None, "saved_at": now},
    )
    result = AutosaveResult(autosave=autosave)
    if article is not None and base_version is not None and base_version != article.version:
        result.changed_since = revisions.edit_conflict(article_id=article.pk, version=base_version)
        result.published_since = article.status == Article.Status.PUBLISHED and any(
            change.name == "status" for change in (result.changed_since.changes if result.changed_since else [])
        )
    return result


def keep_refused_save(*, user, article: Article, data) -> bool:
    """A save of ``article`` was refused (a colleague saved it first): keep the text of the refused
    form (``data``, the POST) as the user's draft copy, so reloading the article offers it back.
    Returns whether a copy was kept."""
    form = AutosaveForm({**{name: data.get(name, "") for name in TEXT_FIELDS}, "article": article.pk, "version": data.get("version") or None})
    if not form.is_valid():
        return False
    try:
        result = article_autosave(
            user=user, article_id=article.pk, base_version=form.cleaned_data["version"], typed=form.typed
        )
    except (ArticleGone, PermissionDenied):
        return False
    return result.autosave is not None


def article_autosave_discard(*, user, autosave_id: int) -> bool:
    """Delete one of ``user``'s draft copies; someone else's is never found."""
    return ArticleAutosave.objects.filter(pk=autosave_id, user=user).delete()[0] > 0


def article_autosave_clear(*, user, article: Article, draft_key: str = "") -> None:
    """The article was saved: ``user``'s copy of it (and of the new story it began as) is done with."""
    ArticleAutosave.objects.filter(user=user, article=article).delete()
    if draft_key:
        ArticleAutosave.objects.filter(user=user, article__isnull=True, draft_key=draft_key).delete()


def article_autosaves_prune(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Forget draft copies nobody came back to within ``KEEP_DAYS``."""
    before = (now or timezone.now()) - timedelta(days=KEEP_DAYS)
    old = ArticleAutosave.objects.filter(saved_at__lt=before).values_list("pk", flat=True)[:limit]
    return ArticleAutosave.objects.filter(pk__in=list(old)).delete()[0]


def posted_draft_key(data) -> str:
    """The add form's draft key from a posted form, or "" if it carries none (or a malformed one)."""
    form = AutosaveKeyForm(data)
    return (form.cleaned_data["_autosave_key"] if form.is_valid() else "") or ""


def autosave_form_context(*, user, article: Article | None, adding: bool, opening: bool, posted) -> dict:
    """What the article form's template needs: the add form's draft key, and on opening, the offer.

    A form shown again after a refused save keeps its draft key (it is posted back with the
    form) and offers nothing: what the editor typed is in it already.
    """
    if adding:
        enabled = user.has_perm("articles.add_article")
    else:
        enabled = article is not None and permissions.can_edit_article(user, article)
    if not enabled:  # a read-only page: nothing to type, nothing to restore
        return {"autosave_enabled": False}
    draft_key = (posted_draft_key(posted) or new_draft_key()) if adding else ""
    offer = autosave_offer(user=user, article=article) if opening else None
    return {"autosave_enabled": True, "autosave_draft_key": draft_key, "autosave_offer": offer}


def stored_text(article: Article | None) -> dict[str, str]:
    """The article's text fields as the form shows them (all empty for a new story)."""
    if article is None:
        return dict.fromkeys(TEXT_FIELDS, "")
    values = {name: getattr(article, name) or "" for name in TEXT_FIELDS if name != "tags"}
    values["tags"] = ", ".join(sorted((tag.name for tag in article.tags.all()), key=str.lower))
    return values


def _same(name: str, stored: str, typed: str) -> bool:
    if name == "tags":
        return sorted(parse_tags(stored), key=str.lower) == sorted(parse_tags(typed), key=str.lower)
    return _normal(stored).strip() == _normal(typed).strip()


def autosave_changes(*, stored: dict[str, str], typed: dict[str, str]) -> list[revisions.FieldChange]:
    """What the copy changes in the stored text: long texts as a line diff, the rest old → new."""
    found = []
    for name in TEXT_FIELDS:
        old, new = stored.get(name, ""), typed.get(name, "")
        if _same(name, old, new):
            continue
        label = "Tags" if name == "tags" else str(Article._meta.get_field(name).verbose_name).capitalize()
        change = revisions.FieldChange(name=name, label=label)
        if name in revisions.LONG_TEXT:
            change.lines = revisions.line_diff(old, new) or [("same", "(only spaces or line breaks differ)")]
        else:
            change.old, change.new = old or "—", new or "—"
        found.append(change)
    return found


def autosave_offer(*, user, article: Article | None) -> AutosaveOffer | None:
    """The draft copy to offer ``user`` on opening the form, or None.

    For an article: the user's copy, if it differs from the article as stored and is newer than
    its last save, or was typed against a version someone has saved over since. For the add form: the user's newest copy of a story not yet saved, if it holds text.
    """
    if article is None:
        autosave = ArticleAutosave.objects.filter(user=user, article__isnull=True).first()
        if autosave is None:
            return None
    else:
        autosave = ArticleAutosave.objects.filter(user=user, article=article).first()
        if autosave is None:
            return None
        # A copy older than the last save is still unsaved work when that save was someone else's
        # (typed against an earlier version): the editor whose save was refused gets it back.
        overtaken = autosave.base_version is not None and autosave.base_version != article.version
        if article.updated_at and autosave.saved_at <= article.updated_at and not overtaken:
            return None
    changes = autosave_changes(stored=stored_text(article), typed=autosave.fields)
    if not changes:
        return None
    changed_since = None
    if article is not None and autosave.base_version is not None and autosave.base_version != article.version:
        changed_since = revisions.edit_conflict(article_id=article.pk, version=autosave.base_version)
    return AutosaveOffer(autosave=autosave, changes=changes, changed_since=changed_since)
