"""The moderation queue: filters, search and bulk actions that report what they did."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import ngettext

from comments import selectors, services
from comments.models import BlockedTerm, Comment, CommentFlag, CommentPolicy, KnownCommenter
from magazine.admin_site import SingleRecordAdmin

State = Comment.State


class StateFilter(admin.SimpleListFilter):
    """States with their counts, pending first: the queue a moderator works through."""

    title = "state"
    parameter_name = "state__exact"

    def lookups(self, request, model_admin):
        counts = dict(Comment.objects.order_by().values_list("state").annotate(n=Count("pk")))
        return [(value, f"{label} ({counts.get(value, 0)})") for value, label in State.choices]

    def queryset(self, request, queryset):
        if self.value() in State.values:
            return queryset.filter(state=self.value())
        return queryset


class FlaggedFilter(admin.SimpleListFilter):
    title = "reader reports"
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", "Reported by readers"), ("no", "Not reported")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(flag_count__gt=0)
        if self.value() == "no":
            return queryset.filter(flag_count=0)
        return queryset


class ReportReasonFilter(admin.SimpleListFilter):
    title = "report reason"
    parameter_name = "report_reason"

    def lookups(self, request, model_admin):
        return CommentFlag.Reason.choices

    def queryset(self, request, queryset):
        if self.value() in CommentFlag.Reason.values:
            return queryset.filter(pk__in=CommentFlag.objects.filter(reason=self.value()).values("comment_id"))
        return queryset


class CommentAdminForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["name", "body", "notify_replies"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField"})}


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    form = CommentAdminForm
    list_display = ["excerpt", "state_summary", "sender", "article_place", "created_at"]
    list_display_links = ["excerpt"]
    list_select_related = ["article__region"]
    list_filter = [
        StateFilter,
        FlaggedFilter,
        ReportReasonFilter,
        ("article__region", admin.RelatedOnlyFieldListFilter),
        ("article", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    search_fields = ["body", "name", "email", "ip", "article__title"]
    date_hierarchy = "created_at"
    # Reported comments rise to the top of whatever the moderator is looking at.
    ordering = ["-flag_count", "-created_at"]
    list_per_page = 50
    actions = ["approve_selected", "mark_spam_selected", "remove_selected", "restore_selected"]
    readonly_fields = [
        "article_link", "parent", "state", "spam_reasons", "email", "ip", "user_agent",
        "created_at", "confirmed_at", "moderated_at", "moderated_by", "flag_count", "body_preview",
        "report_details",
    ]
    fieldsets = [
        (None, {"fields": ["article_link", "parent", "state", "spam_reasons", "flag_count", "report_details"]}),
        ("Comment", {"fields": ["name", "email", "body", "body_preview", "notify_replies"]}),
        ("Where from", {"classes": ["collapse"], "fields": ["ip", "user_agent"]}),
        ("History", {"fields": ["created_at", "confirmed_at", "moderated_at", "moderated_by"]}),
    ]

    def has_add_permission(self, request):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "pending_count": selectors.pending_count()}
        return super().changelist_view(request, extra_context=extra_context)

    def get_queryset(self, request):
        return selectors.with_reports(
            super().get_queryset(request).select_related("article__region", "parent", "moderated_by")
        )

    @admin.display(description="Comment")
    def excerpt(self, obj):
        return Truncator(obj.body).chars(80) or "(deleted by its author)"

    @admin.display(description="State", ordering="state")
    def state_summary(self, obj):
        notes = []
        if obj.flag_count:
            reported = ngettext("%d reader report", "%d reader reports", obj.flag_count) % obj.flag_count
            reasons = self.reports(obj)
            notes.append(f"{reported}: {reasons}" if reasons else reported)
        notes.append("address confirmed" if obj.confirmed_at else "not confirmed")
        return format_html('{}<span class="cell-note">{}</span>', obj.get_state_display(), " · ".join(notes))

    def reports(self, obj):
        """The reasons readers gave, most given first: "Spam (2), Off-topic"."""
        reasons = selectors.report_reasons(comment=obj)
        return ", ".join(f"{label} ({count})" if count > 1 else label for label, count in reasons)

    @admin.display(description="Reader reports")
    def report_details(self, obj):
        flags = list(obj.flags.all())
        if not flags:
            return "—"
        return format_html_join(
            "",
            "<p>{} · {}{}</p>",
            (
                (
                    date_format(timezone.localtime(flag.created_at), "j M Y, H:i"),
                    flag.get_reason_display() or "No reason given",
                    f": “{flag.note}”" if flag.note else "",
                )
                for flag in flags
            ),
        )

    @admin.display(description="From", ordering="name")
    def sender(self, obj):
        return format_html('{}<span class="cell-note">{}</span>', obj.name, obj.email)

    @admin.display(description="Article", ordering="article__title")
    def article_place(self, obj):
        return format_html('{}<span class="cell-note">{}</span>', self.article_link(obj), obj.article.region.name)

    @admin.display(description="Article", ordering="article__title")
    def article_link(self, obj):
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), obj.article.title)

    @admin.display(description="Region", ordering="article__region__name")
    def region(self, obj):
        return obj.article.region.name

    @admin.display(description="Confirmed", boolean=True, ordering="confirmed_at")
    def confirmed(self, obj):
        return obj.confirmed_at is not None

    @admin.display(description="As readers see it")
    def body_preview(self, obj):
        return format_html('<div class="comment-body">{}</div>', obj.body_html) if obj.body_html else "—"

    def save_model(self, request, obj, form, change):
        try:
            services.comment_edit(comment=obj, by=request.user)
        except PermissionDenied:
            self.message_user(request, "You may not change comments.", messages.ERROR)

    def delete_model(self, request, obj):
        services.comments_delete(comments=[obj], by=request.user)

    def delete_queryset(self, request, queryset):
        services.comments_delete(comments=list(queryset), by=request.user)

    def has_moderate_permission(self, request):
        return services.can_moderate(request.user)

    def _moderate(self, request, queryset, action: str, verb: str):
        report = services.comments_moderate(comments=queryset, action=action, by=request.user)
        if report.changed:
            self.message_user(
                request,
                ngettext("%(n)d comment %(verb)s.", "%(n)d comments %(verb)s.", report.changed)
                % {"n": report.changed, "verb": verb},
                messages.SUCCESS,
            )
        if report.unchanged:
            self.message_user(
                request,
                ngettext(
                    "%(n)d comment left as it was (already in that state, or deleted by its author).",
                    "%(n)d comments left as they were (already in that state, or deleted by their authors).",
                    report.unchanged,
                )
                % {"n": report.unchanged},
                messages.INFO,
            )

    @admin.action(description="Approve selected comments", permissions=["moderate"])
    def approve_selected(self, request, queryset):
        self._moderate(request, queryset, services.APPROVE, "approved")

    @admin.action(description="Mark selected comments as spam", permissions=["moderate"])
    def mark_spam_selected(self, request, queryset):
        self._moderate(request, queryset, services.SPAM, "marked as spam")

    @admin.action(description="Remove selected comments", permissions=["moderate"])
    def remove_selected(self, request, queryset):
        self._moderate(request, queryset, services.REMOVE, "removed")

    @admin.action(description="Restore selected spam or removed comments", permissions=["moderate"])
    def restore_selected(self, request, queryset):
        self._moderate(request, queryset, services.RESTORE, "restored")


@admin.register(CommentFlag)
class CommentFlagAdmin(admin.ModelAdmin):
    list_display = ["comment", "reason", "note", "created_at"]
    list_filter = ["reason"]
    list_select_related = ["comment"]
    search_fields = ["note", "comment__body"]
    date_hierarchy = "created_at"
    readonly_fields = ["comment", "reason", "note", "fingerprint", "created_at"]

    def has_add_permission(self, request):
        return False


class BlockedTermForm(forms.ModelForm):
    class Meta:
        model = BlockedTerm
        fields = ["kind", "value", "note"]


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    form = BlockedTermForm
    list_display = ["value", "kind", "note", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "note"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.blocked_terms_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.blocked_terms_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.blocked_terms_changed()


@admin.register(KnownCommenter)
class KnownCommenterAdmin(admin.ModelAdmin):
    list_display = ["email", "reason", "known_since"]
    list_filter = ["reason"]
    search_fields = ["email"]
    date_hierarchy = "known_since"


@admin.register(CommentPolicy)
class CommentPolicyAdmin(SingleRecordAdmin):
    """The one moderation policy: its list opens straight on the form."""

    filter_horizontal = ["digest_recipients"]

    def save_model(self, request, obj, form, change):
        services.policy_save(policy=obj)
