from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import ngettext

from articles import permissions, services
from articles.models import Article, ArticleAuthor, Author, Image, ReadMoreLink, Region, Topic


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent", "ordering"]
    list_editable = ["ordering"]
    list_select_related = ["parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.taxonomy_changed(term=obj)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "ordering"]
    list_editable = ["ordering"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.taxonomy_changed(term=obj)


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user", "article_count"]
    list_select_related = ["user"]
    search_fields = ["name", "slug", "bio"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_article_count=Count("bylines"))

    @admin.display(description="Articles", ordering="_article_count")
    def article_count(self, obj):
        return obj._article_count


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "title", "dimensions", "credit", "created_at"]
    search_fields = ["title", "alt_text", "caption", "credit"]
    date_hierarchy = "created_at"
    readonly_fields = ["dimensions", "rendition_count"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_renditions=Count("renditions"))

    @admin.display(description="Picture")
    def thumbnail(self, obj):
        return format_html('<img src="{}" alt="" width="80" loading="lazy">', obj.file.url) if obj.file else "—"

    @admin.display(description="Size")
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height}" if obj.width else "—"

    @admin.display(description="Renditions")
    def rendition_count(self, obj):
        return getattr(obj, "_renditions", None) or obj.renditions.count()

    def save_model(self, request, obj, form, change):
        if change and "file" in form.changed_data:
            from articles.renditions import delete_renditions

            delete_renditions(obj)
        super().save_model(request, obj, form, change)
        services.image_saved(image=obj)


class BylineInline(admin.TabularInline):
    model = ArticleAuthor
    extra = 0
    min_num = 1
    autocomplete_fields = ["author"]
    fields = ["author", "sort_order"]
    verbose_name = "author"
    verbose_name_plural = "authors (in byline order)"


class ReadMoreInline(admin.TabularInline):
    model = ReadMoreLink
    fk_name = "article"
    extra = 0
    autocomplete_fields = ["target"]
    fields = ["target", "sort_order"]
    verbose_name = "read more link"
    verbose_name_plural = "read more links (hand-picked, in order)"


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = "__all__"
        widgets = {"body": forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField"})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and "status" in self.fields:
            allowed = permissions.allowed_statuses(user)
            self.fields["status"].choices = [c for c in Article.Status.choices if c[0] in allowed]
            if not permissions.can_publish(user):
                self.fields["status"].help_text = "Set to “In review” to submit the article to an editor."


class StatusFilter(admin.SimpleListFilter):
    title = "visibility"
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("scheduled", "Scheduled"), ("review", "In review"), ("draft", "Draft")]

    def queryset(self, request, queryset):
        from django.utils import timezone

        now = timezone.now()
        if self.value() == "live":
            return queryset.published(now=now)
        if self.value() == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
        if self.value() in {"review", "draft"}:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "region", "topic", "status_label", "published_at", "featured", "created_by", "preview_link"]
    list_select_related = ["region", "topic", "created_by"]
    list_filter = [StatusFilter, "status", "featured", "region", "topic", "published_at"]
    search_fields = ["title", "slug", "standfirst", "bylines__author__name"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["region", "topic", "hero_image"]
    inlines = [BylineInline, ReadMoreInline]
    actions = ["publish_selected", "unpublish_selected", "feature_selected", "unfeature_selected", "submit_for_review"]
    readonly_fields = ["created_by", "created_at", "updated_at", "preview_link"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body"]}),
        ("Placement", {"fields": ["region", "topic", "tags", "hero_image", "featured"]}),
        ("Publishing", {"fields": ["status", "published_at", "preview_link", "created_by", "created_at", "updated_at"]}),
        ("Search engines", {"classes": ["collapse"], "fields": ["seo_title", "seo_description"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class FormForUser(form_class):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=user, **inner)

        return FormForUser

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region", "topic", "created_by")

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return permissions.can_edit_article(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or permissions.can_edit_article(request.user, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not permissions.can_publish(request.user):
            for name in ["publish_selected", "unpublish_selected", "feature_selected", "unfeature_selected"]:
                actions.pop(name, None)
        return actions

    def save_model(self, request, obj, form, change):
        previous = Article.objects.select_related("region").get(pk=obj.pk) if change else None
        services.article_save(article=obj, by=request.user, previous=previous)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Bylines, tags and read-more links are saved after the article; refresh the caches again.
        services.article_save_related_done(article=form.instance)

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_live else reverse("articles:preview", args=[obj.pk])

    @admin.display(description="Status", ordering="status")
    def status_label(self, obj):
        if obj.is_scheduled:
            return "Scheduled"
        return obj.get_status_display()

    @admin.display(description="Preview")
    def preview_link(self, obj):
        if not obj or not obj.pk:
            return "Save the article to preview it."
        url = obj.get_absolute_url() if obj.is_live else reverse("articles:preview", args=[obj.pk])
        label = "View on site" if obj.is_live else "Preview"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, label)

    def _report(self, request, done: int, skipped: int, verb: str):
        if done:
            self.message_user(
                request,
                ngettext("%(n)d article %(verb)s.", "%(n)d articles %(verb)s.", done) % {"n": done, "verb": verb},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(n)d article skipped: you may not change it.",
                    "%(n)d articles skipped: you may not change them.",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )
        if not done and not skipped:
            self.message_user(request, "Nothing to do: the selected articles were already in that state.", messages.INFO)

    def _apply(self, request, queryset, verb, change, already):
        done = skipped = 0
        for article in queryset.select_related("region"):
            if already(article):
                continue
            try:
                change(article)
                done += 1
            except PermissionDenied:
                skipped += 1
        self._report(request, done, skipped, verb)

    @admin.action(description="Publish selected articles now", permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._apply(
            request, queryset, "published",
            lambda a: services.article_publish(article=a, by=request.user),
            lambda a: a.is_live or a.is_scheduled,
        )

    @admin.action(description="Unpublish selected articles", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        self._apply(
            request, queryset, "unpublished",
            lambda a: services.article_unpublish(article=a, by=request.user),
            lambda a: a.status != Article.Status.PUBLISHED,
        )

    @admin.action(description="Feature selected articles", permissions=["publish"])
    def feature_selected(self, request, queryset):
        self._apply(
            request, queryset, "featured",
            lambda a: services.article_set_featured(article=a, by=request.user, featured=True),
            lambda a: a.featured,
        )

    @admin.action(description="Stop featuring selected articles", permissions=["publish"])
    def unfeature_selected(self, request, queryset):
        self._apply(
            request, queryset, "no longer featured",
            lambda a: services.article_set_featured(article=a, by=request.user, featured=False),
            lambda a: not a.featured,
        )

    @admin.action(description="Submit selected drafts for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._apply(
            request, queryset, "submitted for review",
            lambda a: services.article_submit_for_review(article=a, by=request.user),
            lambda a: a.status != Article.Status.DRAFT,
        )

    def has_publish_permission(self, request):
        return permissions.can_publish(request.user)
