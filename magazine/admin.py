from django.contrib import admin, messages
from django.db import models
from django.utils.html import format_html
from django.utils.translation import ngettext

from magazine import outbox, services
from magazine.admin_site import SingleRecordAdmin
from magazine.forms import StoredUploadsModelForm
from magazine.models import CityEdition, Edition, OutboxTask, SitePage, SiteSettings, WorkerHeartbeat
from magazine.validators import ImageUploadField


@admin.register(SiteSettings)
class SiteSettingsAdmin(SingleRecordAdmin):
    """The one row of site-wide options: its list opens straight on the form."""

    fieldsets = [
        ("WeChat", {"fields": ["wechat_account_id", "wechat_follow_url"]}),
        ("Newsletter promo", {"fields": ["newsletter_promo_title", "newsletter_promo_text"]}),
    ]
    # Links typed without a scheme are taken as https, as Django 6 will do.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        services.site_settings_save(site_settings=obj)


@admin.register(SitePage)
class SitePageAdmin(admin.ModelAdmin):
    """About, Contact, Privacy policy …: pages about the magazine, linked from every page's footer."""

    list_display = ["title", "address", "ordering", "updated_at"]
    list_editable = ["ordering"]
    search_fields = ["title", "slug", "body"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "body", "ordering", "updated_at"]
    readonly_fields = ["updated_at"]

    @admin.display(description="Address")
    def address(self, obj):
        return format_html('<a href="{0}">{0}</a>', obj.get_absolute_url())

    def save_model(self, request, obj, form, change):
        services.site_page_save(page=obj)

    def delete_model(self, request, obj):
        services.site_page_delete(page=obj)

    def delete_queryset(self, request, queryset):
        for page in queryset:
            services.site_page_delete(page=page)


@admin.register(CityEdition)
class CityEditionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "ordering"]
    list_editable = ["ordering"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "city", "issue_month", "published", "page_count", "download_count", "cover_thumbnail"]
    list_select_related = ["city"]
    list_filter = ["published", "city", "issue_month"]
    search_fields = ["title", "city__name"]
    date_hierarchy = "issue_month"
    autocomplete_fields = ["city"]
    readonly_fields = ["download_count", "created_at", "updated_at"]
    fields = ["city", "issue_month", "title", "cover", "pdf", "page_count", "published", *readonly_fields]
    actions = ["show_in_archive", "hide_from_archive"]
    formfield_overrides = {models.ImageField: {"form_class": ImageUploadField}}
    form = StoredUploadsModelForm

    @admin.display(description="Cover")
    def cover_thumbnail(self, obj):
        return format_html('<img src="{}" alt="" width="60" loading="lazy">', obj.cover.url) if obj.cover else "—"

    def save_model(self, request, obj, form, change):
        services.edition_save(edition=obj)

    def delete_model(self, request, obj):
        services.edition_delete(editions=[obj])

    def delete_queryset(self, request, queryset):
        services.edition_delete(editions=queryset)

    def _set_published(self, request, queryset, published: bool, verb: str):
        changed = 0
        for edition in queryset.select_related("city"):
            if edition.published == published:
                continue
            edition.published = published
            services.edition_save(edition=edition)
            changed += 1
        unchanged = queryset.count() - changed
        if changed:
            self.message_user(
                request,
                ngettext("%(n)d edition %(verb)s.", "%(n)d editions %(verb)s.", changed) % {"n": changed, "verb": verb},
                messages.SUCCESS,
            )
        if unchanged:
            self.message_user(
                request,
                ngettext("%(n)d edition was already %(verb)s.", "%(n)d editions were already %(verb)s.", unchanged)
                % {"n": unchanged, "verb": verb},
                messages.INFO,
            )

    @admin.action(description="Show selected editions in the archive", permissions=["change"])
    def show_in_archive(self, request, queryset):
        self._set_published(request, queryset, True, "shown in the archive")

    @admin.action(description="Hide selected editions from the archive", permissions=["change"])
    def hide_from_archive(self, request, queryset):
        self._set_published(request, queryset, False, "hidden from the archive")


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    """Promised background work (mails, sends, renditions): what is waiting, what failed and why."""

    list_display = ["work", "progress", "error_summary"]
    readonly_fields = ["task_path", "args", "key", "state", "attempts", "run_after", "claimed_by", "lease_until",
                       "created_at", "started_at", "finished_at", "last_error"]
    list_filter = ["state", "task_path"]
    search_fields = ["task_path", "key", "last_error"]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry the selected failed tasks", permissions=["view"])
    def retry_failed(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = outbox.retry(ids=ids)
        skipped = len(ids) - count
        self.message_user(
            request,
            ngettext("%d failed task queued again.", "%d failed tasks queued again.", count) % count
            + (f" {skipped} of the selected had not failed and were left as they are." if skipped else ""),
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """The task workers seen lately (each sweeps every TASKS_SWEEP_SECONDS)."""

    list_display = ["worker_id", "pid", "started_at", "seen_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
