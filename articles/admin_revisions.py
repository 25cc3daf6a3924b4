"""The article admin's history: revisions with who, when and a readable diff, and restoring one.

Built on django-simple-history's ``SimpleHistoryAdmin``. Permissions are the article's own:
the history is open to whoever may view the article, restoring to whoever may change the
article as it is stored now (a writer: their own unpublished articles), and the restored
version is saved through the same form and ``services.article_save`` as any edit. A restore
keeps the article's publishing state (see ``articles.revisions``).
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from simple_history.admin import SimpleHistoryAdmin

from articles import revisions
from articles.models import Article


class ArticleRevisionsAdmin(SimpleHistoryAdmin):
    object_history_template = "admin/articles/article/object_history.html"
    object_history_list_template = "admin/articles/article/object_history_list.html"
    object_history_form_template = "admin/articles/article/object_history_form.html"
    history_list_per_page = 30

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        records = list(historical_records)
        before = records[-1].prev_record if records else None
        revisions.annotate_changes(records, before=before)

    def _stored(self, obj):
        """The article as stored: simple-history passes revisions built as unsaved articles."""
        if obj is None or obj.pk is None:
            return obj
        return Article.objects.filter(pk=obj.pk).first()

    def revert_disabled(self, request, obj=None):
        return super().revert_disabled(request, self._stored(obj))

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        stored = self.get_object(request, unquote(object_id))
        if stored is None:
            raise Http404("No article has this number; a deleted article cannot be restored here.")
        record = get_object_or_404(Article.history.model, id=stored.pk, history_id=unquote(version_id))
        if request.method == "POST" and not self.has_change_permission(request, stored):
            raise PermissionDenied
        request._article_restore = (record, stored)
        latest = stored.history.first()
        context = {
            "revision": record,
            "restore_changes": revisions.changes_between(latest, record, fields=revisions.restorable_fields())
            if latest is not None and latest.pk != record.pk
            else [],
            "kept_on_restore": [Article._meta.get_field(name).verbose_name for name in revisions.KEPT_ON_RESTORE],
        }
        return super().history_form_view(request, object_id, version_id, extra_context={**context, **(extra_context or {})})

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        restoring = getattr(request, "_article_restore", None)
        if restoring is None:
            return form_class
        record, stored = restoring

        class RestoreForm(form_class):
            def __init__(self, *args, **inner):
                instance = inner.get("instance")
                if instance is not None:
                    revisions.keep_publishing_state(instance, stored)
                    instance._change_reason = revisions.restore_reason(record)
                inner["initial"] = {**revisions.restore_relations_initial(record), **(inner.get("initial") or {})}
                super().__init__(*args, **inner)

        return RestoreForm
