import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import ngettext

from articles import autosave, emails, permissions, revisions, selectors, services, slugs
from articles.admin_revisions import ArticleRevisionsAdmin
from articles.body import problems as body_problems
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
from articles.widgets import BodyEditorWidget
from magazine.forms import StoredUploadsModelForm
from magazine.validators import ImageUploadField

# Uploads in every admin form get the image checks with messages that name the problem.
IMAGE_UPLOADS = {models.ImageField: {"form_class": ImageUploadField}}


class SlugFromNameForm(forms.ModelForm):
    """An empty slug is made from the name (Chinese becomes pinyin) when the form is saved.

    Django's prepopulated-field script fills the slug as a Latin name is typed but leaves it
    empty for Chinese; the server then makes it, and the saved page shows it. A name that gives
    no slug at all (emoji alone) is refused with a message on the slug field, nothing lost.
    """

    slug_source = "name"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = " ".join(
                filter(None, [self.fields["slug"].help_text, f"Leave it empty to make it from the {self.slug_source} "
                              "(Chinese becomes pinyin)."])
            )

    def clean(self):
        cleaned = super().clean()
        source = cleaned.get(self.slug_source)
        if "slug" not in self.fields or cleaned.get("slug") or "slug" in self.errors or not source:
            return cleaned
        slug = slugs.unique_slug(
            source, model=self._meta.model, max_length=self._meta.model._meta.get_field("slug").max_length,
            exclude_pk=self.instance.pk,
        )
        if slug:
            cleaned["slug"] = slug
        else:
            self.add_error(
                "slug",
                f"No web address can be made from the {self.slug_source} “{source}”: it has no letters or "
                "digits. Type one here, e.g. “lantern-festival” (lowercase letters, digits and hyphens).",
            )
        return cleaned


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    form = SlugFromNameForm
    list_display = ["name", "name_zh", "slug", "parent", "ordering"]
    list_editable = ["ordering"]
    list_select_related = ["parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "name_zh", "slug", "description"]
    fields = ["name", "name_zh", "slug", "description", "ordering", "parent"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        services.taxonomy_term_save(term=obj, changed=form.changed_data)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = SlugFromNameForm
    list_display = ["name", "slug", "ordering"]
    list_editable = ["ordering"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        services.taxonomy_term_save(term=obj, changed=form.changed_data)


class AuthorAdminForm(SlugFromNameForm, StoredUploadsModelForm):
    """A slug made from the name when left empty; the photo stored only once the rest is valid."""


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    form = AuthorAdminForm
    list_display = ["name", "name_zh", "slug", "user", "article_count"]
    list_select_related = ["user"]
    list_filter = [("user", admin.EmptyFieldListFilter)]
    search_fields = ["name", "name_zh", "slug", "bio"]
    fields = ["name", "name_zh", "slug", "bio", "photo", "user"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]
    formfield_overrides = IMAGE_UPLOADS

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_article_count=Count("bylines"))

    @admin.display(description="Articles", ordering="_article_count")
    def article_count(self, obj):
        return obj._article_count

    def save_model(self, request, obj, form, change):
        services.author_save(author=obj)


class RenditionInline(admin.TabularInline):
    """The resized copies, for checking; they are made by the renditions task, not by hand."""

    model = Rendition
    extra = 0
    can_delete = False
    fields = ["format", "width", "height", "file"]
    readonly_fields = fields
    verbose_name_plural = "renditions (made automatically after upload)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "title", "dimensions", "rendition_count", "credit", "created_at"]
    list_display_links = ["thumbnail", "title"]
    list_filter = ["created_at", "decorative"]
    search_fields = ["title", "alt_text", "caption", "credit"]
    date_hierarchy = "created_at"
    fields = ["title", "file", "alt_text", "decorative", "caption", "credit", "dimensions", "rendition_count"]
    readonly_fields = ["dimensions", "rendition_count"]
    formfield_overrides = IMAGE_UPLOADS
    form = StoredUploadsModelForm
    inlines = [RenditionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("renditions")

    @admin.display(description="Picture")
    def thumbnail(self, obj):
        if not obj.file:
            return "—"
        smallest = min((r for r in obj.renditions.all() if r.format == Rendition.Format.JPEG), key=lambda r: r.width, default=None)
        url = smallest.file.url if smallest else obj.file.url
        return format_html('<img src="{}" alt="" width="80" loading="lazy">', url)

    @admin.display(description="Size")
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height}" if obj.width else "—"

    @admin.display(description="Renditions")
    def rendition_count(self, obj):
        return len(obj.renditions.all()) if obj.pk else 0

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or permissions.can_change_image(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or permissions.can_change_image(request.user, obj)

    def save_model(self, request, obj, form, change):
        services.image_save(image=obj, by=request.user, file_replaced=change and "file" in form.changed_data)

    def delete_model(self, request, obj):
        services.image_delete(images=[obj], by=request.user)

    def delete_queryset(self, request, queryset):
        services.image_delete(images=queryset, by=request.user)


class BylineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data.get("author") and not form.cleaned_data.get("DELETE")
        ]
        if not kept:
            raise ValidationError("Add at least one author to the byline.", code="no_author")


class BylineInline(admin.TabularInline):
    model = ArticleAuthor
    formset = BylineFormSet
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


class ArticleNoteInline(admin.TabularInline):
    """Newsroom notes: staff add internal ones here; "sent back" ones come from the send-back page.

    Notes are kept as written (no editing or deleting) and never reach a reader's page.
    """

    model = ArticleNote
    extra = 0
    can_delete = False
    fields = ["kind", "text", "created_by", "created_at"]
    readonly_fields = ["kind", "created_by", "created_at"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 70})}}
    verbose_name = "newsroom note"
    verbose_name_plural = "newsroom notes (never shown to readers)"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or permissions.can_edit_article(request.user, obj))


class SendBackForm(forms.Form):
    note = forms.CharField(
        label="Note to the writer",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 70}),
        help_text="What should change before the story can run. The writer reads it in their mail and on the article's page.",
        error_messages={"required": "Say what the writer should change: the note is what they will read."},
    )


class ArticleAdminForm(SlugFromNameForm):
    """The article form; which statuses are offered, and what a save may change, depend on the user.

    The permission rule itself lives in ``permissions.check_article_save``; the form runs it
    after the usual validation so a refused save comes back as an error beside the field,
    with everything the user typed still in the form. The same goes for an edit conflict: the
    hidden ``version`` is the one the form was opened at, and if someone saved the article
    since, the form comes back with who, when and what they changed (``edit_conflict``).
    """

    slug_source = "title"

    class Meta:
        model = Article
        fields = "__all__"
        widgets = {"body": BodyEditorWidget(), "version": forms.HiddenInput}
        help_texts = {"body": BodyEditorWidget.HELP_TEXT}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.previous = None
        self.edit_conflict = None
        if "version" in self.fields:
            self.fields["version"].required = False
        if self.is_bound and self.instance.pk:
            # Validation writes the submitted values onto the instance. The admin goes on to ask
            # has_change_permission() about the object it passed in, so give the form its own
            # copy: a writer who typed status=published must still get the editable form back
            # with the error, not a read-only page.
            self.instance = copy.copy(self.instance)
            # The stored version, to compare the submitted one with.
            self.previous = Article.objects.select_related("region").filter(pk=self.instance.pk).first()
        if user is not None and "status" in self.fields:
            allowed = permissions.allowed_statuses(user)
            # Offer only the allowed statuses, but accept any real one: a forged "published"
            # then meets the permission check and its clear message, not "invalid choice".
            self.fields["status"].widget.choices = [c for c in Article.Status.choices if c[0] in allowed]
            if not permissions.can_publish(user):
                self.fields["status"].help_text = "Set to “In review” to submit the article to an editor."

    def clean_body(self):
        # Media lines (pictures, galleries, embeds, pull quotes) are checked by the same rule the
        # editor's preview shows; the text comes back as typed, with every problem listed.
        body = self.cleaned_data.get("body", "")
        found = body_problems(body)
        if found:
            raise ValidationError(found)
        return body

    def _post_clean(self):
        super()._post_clean()
        if self.instance.pk and "version" in self.fields:
            self._check_version()
        if self.user is None:
            return
        try:
            permissions.check_article_save(self.user, article=self.instance, previous=self.previous)
        except permissions.ArticleSaveRefused as refusal:
            self.add_error(refusal.field if refusal.field in self.fields else None, refusal.message)

    def _check_version(self):
        version = self.cleaned_data.get("version")
        if version is None:
            self.add_error(None, "This form came without its version number: reload the page and make your change again.")
            return
        self.edit_conflict = revisions.edit_conflict(article_id=self.instance.pk, version=version)
        if self.edit_conflict is not None:
            self.add_error(None, self.edit_conflict.message)


class StatusFilter(admin.SimpleListFilter):
    title = "visibility"
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("scheduled", "Scheduled"), ("review", "In review"), ("draft", "Draft")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "live":
            return queryset.published(now=now)
        if self.value() == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
        if self.value() in {"review", "draft"}:
            return queryset.filter(status=self.value())
        return queryset


class CreatedByFilter(admin.SimpleListFilter):
    title = "created by"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("yes", "Me"), ("no", "Others")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(created_by=request.user)
        if self.value() == "no":
            return queryset.exclude(created_by=request.user)
        return queryset


class ArticleChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        # A page of rows never shows the body; leave its three large columns in the database.
        return super().get_queryset(request, exclude_parameters).defer("body", "body_html", "body_blocks")


@admin.register(Article)
class ArticleAdmin(ArticleRevisionsAdmin):
    form = ArticleAdminForm
    list_display = ["title", "placement", "publishing", "created_by", "preview_link"]
    list_select_related = ["region", "topic", "created_by"]
    list_filter = [StatusFilter, CreatedByFilter, "featured", "region", "topic", "published_at"]
    search_fields = ["title", "slug", "standfirst", "bylines__author__name"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["region", "topic", "hero_image"]
    inlines = [BylineInline, ReadMoreInline, ArticleNoteInline]
    actions = ["publish_selected", "unpublish_selected", "feature_selected", "unfeature_selected", "submit_for_review"]
    readonly_fields = ["created_by", "created_at", "updated_at", "preview_link"]
    list_per_page = 50

    class Media:
        js = ["articles/autosave.js"]

    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body", "version"]}),
        ("Placement", {"fields": ["region", "topic", "tags", "hero_image", "featured"]}),
        (
            "Publishing",
            {"fields": ["status", "published_at", "comments_open", "preview_link", "created_by", "created_at", "updated_at"]},
        ),
        ("Search engines", {"classes": ["collapse"], "fields": ["seo_title", "seo_description"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class FormForUser(form_class):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=user, **inner)

        return FormForUser

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not permissions.can_publish(request.user):
            # Featuring and the publishing time are editors' decisions.
            fields += ["featured", "published_at"]
        return fields

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return permissions.can_edit_article(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or permissions.can_delete_article(request.user, obj)

    def has_publish_permission(self, request):
        return permissions.can_publish(request.user)

    def save_model(self, request, obj, form, change):
        services.article_save(article=obj, by=request.user, previous=getattr(form, "previous", None))
        autosave.article_autosave_clear(user=request.user, article=obj, draft_key=autosave.posted_draft_key(request.POST))
        restoring = getattr(request, "_article_restore", None)
        if restoring is not None:
            services.article_restore_relations(article=obj, relations=restoring[0].relations)
            services.article_save_related_done(article=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ArticleNote:
            return super().save_formset(request, form, formset, change)
        # New notes only (the inline edits and deletes none), each through the service.
        formset.new_objects = [
            services.article_note_add(article=form.instance, by=request.user, text=note_form.cleaned_data["text"])
            for note_form in formset.extra_forms
            if note_form.has_changed() and note_form.cleaned_data.get("text")
        ]
        formset.changed_objects, formset.deleted_objects = [], []
        return formset.new_objects

    def response_add(self, request, obj, post_url_continue=None):
        self._say_when_scheduled(request, obj)
        self._warn_about_read_more_slots(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._say_when_scheduled(request, obj)
        self._warn_about_read_more_slots(request, obj)
        return super().response_change(request, obj)

    def _warn_about_read_more_slots(self, request, obj):
        warning = selectors.read_more_slot_report(article=obj).message
        if warning:
            self.message_user(request, warning, messages.WARNING)

    def _say_when_scheduled(self, request, obj):
        if obj.is_scheduled:
            self.message_user(request, f"Scheduled for {emails.when_display(obj.published_at)}.", messages.INFO)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {})}
        if permissions.can_publish(request.user):
            extra_context["in_review_count"] = selectors.articles_in_review_count()
        return super().changelist_view(request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {})}
        article = self.get_object(request, object_id) if object_id else None
        if article is not None:
            extra_context["sent_back_note"] = selectors.article_sent_back_note(article=article)
            extra_context["can_send_back"] = (
                article.status == Article.Status.IN_REVIEW and permissions.can_publish(request.user)
            )
        extra_context.update(
            autosave.autosave_form_context(
                user=request.user, article=article, adding=object_id is None, opening=request.method == "GET",
                posted=request.POST,
            )
        )
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
        except services.ArticleEditConflict:
            # Someone saved between this form's check and its save; the save was rolled back.
            # Validating again finds the conflict and shows the form with everything typed.
            response = super().changeform_view(request, object_id, form_url, extra_context)
        adminform = (getattr(response, "context_data", None) or {}).get("adminform")
        if adminform is not None and getattr(adminform.form, "edit_conflict", None) is not None:
            response.status_code = 409
            # What was typed is kept as a draft copy too: reloading the article offers it back.
            autosave.keep_refused_save(user=request.user, article=article, data=request.POST)
        return response

    def get_urls(self):
        send_back = path(
            "<path:object_id>/send-back/",
            self.admin_site.admin_view(self.send_back_view),
            name="articles_article_send_back",
        )
        return [send_back, *super().get_urls()]

    def send_back_view(self, request, object_id):
        """A story in review goes back to its writer as a draft, with a note (``services.article_send_back``)."""
        if not permissions.can_publish(request.user):
            raise PermissionDenied
        article = self.get_object(request, object_id)
        if article is None:
            raise Http404("No article with this id.")
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        if article.status != Article.Status.IN_REVIEW:
            self.message_user(request, f"“{article}” is not in review, so there is nothing to send back.", messages.WARNING)
            return redirect(change_url)
        form = SendBackForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                services.article_send_back(article=article, by=request.user, note=form.cleaned_data["note"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                writer = article.created_by
                told = f" {writer.get_full_name() or writer.get_username()} gets your note by mail." if writer and writer.email else ""
                self.message_user(request, f"“{article}” is sent back to its writer as a draft.{told}", messages.SUCCESS)
                return redirect(reverse("admin:articles_article_changelist") + "?visibility=review")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Send “{article}” back to its writer",
            "article": article,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/articles/article/send_back.html", context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Bylines, tags and read-more links are saved after the article; refresh the caches again.
        services.article_save_related_done(article=form.instance)

    def delete_model(self, request, obj):
        services.article_delete(article=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            services.article_delete(article=article, by=request.user)

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_live else reverse("articles:preview", args=[obj.pk])

    @admin.display(description="Status", ordering="status")
    def status_label(self, obj):
        if obj.is_scheduled:
            return "Scheduled"
        return obj.get_status_display()

    @admin.display(description="Region / topic", ordering="region__name")
    def placement(self, obj):
        return format_html('{}<span class="cell-note">{}</span>', obj.region.name, obj.topic.name)

    @admin.display(description="Status", ordering="published_at")
    def publishing(self, obj):
        when = date_format(timezone.localtime(obj.published_at), "j M Y, H:i") if obj.published_at else "no date yet"
        featured = " · featured" if obj.featured else ""
        return format_html('{}<span class="cell-note">{}{}</span>', self.status_label(obj), when, featured)

    @admin.display(description="Preview")
    def preview_link(self, obj):
        if not obj or not obj.pk:
            return "Save the article to preview it."
        url = obj.get_absolute_url() if obj.is_live else reverse("articles:preview", args=[obj.pk])
        label = "View on site" if obj.is_live else "Preview"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, label)

    def _apply(self, request, queryset, *, verb, change, already, already_said, allowed=None):
        """Run ``change`` on each selected article and report every outcome with its count."""
        done = skipped = unchanged = 0
        failures = []
        for article in queryset.defer(None).select_related("region__parent"):
            if allowed is not None and not allowed(article):
                skipped += 1
                continue
            if already(article):
                unchanged += 1
                continue
            try:
                change(article)
            except PermissionDenied:
                skipped += 1
            except ValidationError as error:
                failures.append((article, " ".join(error.messages)))
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)d article %(verb)s.", "%(n)d articles %(verb)s.", done) % {"n": done, "verb": verb},
                messages.SUCCESS,
            )
        if unchanged:
            self.message_user(
                request,
                ngettext("%(n)d article was already %(state)s.", "%(n)d articles were already %(state)s.", unchanged)
                % {"n": unchanged, "state": already_said},
                messages.INFO,
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
        for article, reason in failures:
            self.message_user(request, f"“{article}” was not {verb}: {reason}", messages.ERROR)

    @admin.action(description="Publish selected articles now", permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._apply(
            request, queryset,
            verb="published",
            # A scheduled article selected for "publish now" goes live now.
            change=lambda a: services.article_publish(article=a, by=request.user, at=timezone.now() if a.is_scheduled else None),
            already=lambda a: a.is_live,
            already_said="live",
        )

    @admin.action(description="Unpublish selected articles", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        self._apply(
            request, queryset,
            verb="unpublished",
            change=lambda a: services.article_unpublish(article=a, by=request.user),
            already=lambda a: a.status != Article.Status.PUBLISHED,
            already_said="unpublished",
        )

    @admin.action(description="Feature selected articles", permissions=["publish"])
    def feature_selected(self, request, queryset):
        self._apply(
            request, queryset,
            verb="featured",
            change=lambda a: services.article_set_featured(article=a, by=request.user, featured=True),
            already=lambda a: a.featured,
            already_said="featured",
        )

    @admin.action(description="Stop featuring selected articles", permissions=["publish"])
    def unfeature_selected(self, request, queryset):
        self._apply(
            request, queryset,
            verb="no longer featured",
            change=lambda a: services.article_set_featured(article=a, by=request.user, featured=False),
            already=lambda a: not a.featured,
            already_said="not featured",
        )

    @admin.action(description="Submit selected drafts for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._apply(
            request, queryset,
            verb="submitted for review",
            change=lambda a: services.article_submit_for_review(article=a, by=request.user),
            allowed=lambda a: permissions.can_edit_article(request.user, a),
            already=lambda a: a.status != Article.Status.DRAFT,
            already_said="in review or published",
        )


@admin.register(ArticleRedirect)
class ArticleRedirectAdmin(admin.ModelAdmin):
    """Old article addresses (made by the article services when a slug, region or date changes)."""

    list_display = ["old_path", "article", "created_at"]
    list_select_related = ["article"]
    search_fields = ["old_path", "old_slug", "article__title"]
    date_hierarchy = "created_at"
    readonly_fields = ["old_path", "old_slug", "article", "created_at"]

    def has_add_permission(self, request):
        return False
