"""The admin site: the newsroom dashboard on its index, what staff who are not superusers see in its
index and sidebar, and single-row models."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from magazine.dashboard import newsroom_dashboard

# Sections of third-party plumbing (sign-in records, task queues, history tables) that only
# superusers look after; anyone else who was given a permission there reaches it by its URL.
INTERNAL_APPS = frozenset({"axes", "django_rq", "django_tasks_database", "django_tasks_rq", "simple_history"})
# Tags are part of writing articles: staff find them in the Articles section.
FOLDED_APPS = {"taggit": "articles"}


class MagazineAdminSite(admin.AdminSite):
    def index(self, request, extra_context=None):
        # The newsroom's work waiting for this person, above the list of sections.
        extra_context = {**(extra_context or {}), "newsroom": newsroom_dashboard(user=request.user)}
        return super().index(request, extra_context)

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if request.user.is_superuser or app_label is not None:
            return app_list
        by_label = {app["app_label"]: app for app in app_list}
        shown = []
        for app in app_list:
            label = app["app_label"]
            if label in INTERNAL_APPS:
                continue
            home = by_label.get(FOLDED_APPS.get(label))
            if home is not None:
                home["models"] = sorted(home["models"] + app["models"], key=lambda model: model["name"])
                continue
            shown.append(app)
        return shown


class SingleRecordAdmin(admin.ModelAdmin):
    """A model with exactly one row (pk 1): its list opens that row's form, and it is never added or deleted."""

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[1], current_app=self.admin_site.name))

    def get_object(self, request, object_id, from_field=None):
        found = super().get_object(request, object_id, from_field)
        if found is None and str(object_id) == "1":
            # Not made yet: the form shows the defaults, and saving it (a POST) makes the row.
            return self.model(pk=1)
        return found

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
