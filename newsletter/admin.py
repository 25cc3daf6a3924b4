from datetime import timedelta

from csp.decorators import csp_replace
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin

from newsletter import csv_io, emails, selectors, services, tasks
from newsletter.forms import CsvImportForm, SendConfirmForm
from newsletter.models import Delivery, Newsletter, Send, SendArticle, Subscriber, SubscriberEvent, Subscription


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ["name", "cadence", "is_active", "is_default", "active_subscribers", "ordering"]
    list_editable = ["ordering"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _active=Count(
                "subscriptions",
                filter=Q(subscriptions__state=Subscription.State.ACTIVE, subscriptions__subscriber__state=Subscriber.State.ACTIVE),
            )
        )

    @admin.display(description="Active subscribers", ordering="_active")
    def active_subscribers(self, obj):
        return obj._active


class ListFilter(admin.SimpleListFilter):
    title = "list"
    parameter_name = "list"

    def lookups(self, request, model_admin):
        return [(str(n.pk), n.name) for n in Newsletter.objects.all()]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(
                subscriptions__newsletter_id=int(self.value()), subscriptions__state=Subscription.State.ACTIVE
            )
        return queryset


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ["newsletter", "state", "changed_at"]
    readonly_fields = ["changed_at"]


class SubscriberEventInline(admin.TabularInline):
    model = SubscriberEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "detail"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]

    def has_add_permission(self, request, obj=None):
        return False


class SubscriberAdminForm(forms.ModelForm):
    class Meta:
        model = Subscriber
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        consent_at = cleaned.get("consent_at", getattr(self.instance, "consent_at", None))
        if cleaned.get("state") == Subscriber.State.ACTIVE and not (consent_at and cleaned.get("consent_text", self.instance.consent_text)):
            raise ValidationError("An address can be active only with a consent record (when, and the words agreed to).")
        return cleaned


class LiftSuppressionForm(forms.Form):
    reason = forms.CharField(
        label="Why lift it",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Kept in each address's history, with your name; e.g. “the reader wrote in: the mailbox works again”.",
        error_messages={"required": "Say why the suppression is lifted: it is kept in each address's history."},
    )


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    form = SubscriberAdminForm
    change_list_template = "newsletter/admin/subscriber_change_list.html"
    list_display = ["email", "state", "format", "lists", "created_at", "confirmed_at", "suppression"]
    list_filter = ["state", ListFilter, "format", "created_at"]
    search_fields = ["email", "consent_source"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["regions", "topics"]
    readonly_fields = [
        "consent_at",
        "consent_source",
        "consent_text",
        "created_at",
        "confirmed_at",
        "confirmation_sent_at",
        "unsubscribed_at",
        "suppressed_at",
        "suppressed_reason",
    ]
    fieldsets = [
        (None, {"fields": ["email", "state", "format", "regions", "topics"]}),
        ("Consent", {"fields": ["consent_at", "consent_source", "consent_text"]}),
        (
            "History",
            {"fields": ["created_at", "confirmed_at", "confirmation_sent_at", "unsubscribed_at", "suppressed_at", "suppressed_reason"]},
        ),
    ]
    inlines = [SubscriptionInline, SubscriberEventInline]
    actions = ["export_csv", "lift_suppression"]
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("subscriptions__newsletter")

    def get_readonly_fields(self, request, obj=None):
        # A suppression is lifted only by the action, which asks why and records it.
        if obj is not None and obj.is_suppressed:
            return ["state", *self.readonly_fields]
        return self.readonly_fields

    def has_lift_suppression_permission(self, request):
        return request.user.has_perm(services.LIFT_SUPPRESSION_PERMISSION)

    @admin.display(description="Lists")
    def lists(self, obj):
        return ", ".join(s.newsletter.name for s in obj.subscriptions.all() if s.state == Subscription.State.ACTIVE) or "—"

    @admin.display(description="Why suppressed", ordering="suppressed_at")
    def suppression(self, obj):
        if not obj.is_suppressed:
            return ""
        when = timezone.localtime(obj.suppressed_at).strftime("%Y-%m-%d %H:%M") if obj.suppressed_at else ""
        return format_html("<strong>{}</strong> {}: {}", obj.get_state_display(), when, obj.suppressed_reason or "no details")

    @admin.action(description="Export selected subscribers as CSV")
    def export_csv(self, request, queryset):
        return self._csv_response(queryset)

    @admin.action(description="Lift the suppression of selected bounced or complained addresses…", permissions=["lift_suppression"])
    def lift_suppression(self, request, queryset):
        suppressed = list(queryset.filter(state__in=[Subscriber.State.BOUNCED, Subscriber.State.COMPLAINED]).order_by("email"))
        if not suppressed:
            self.message_user(request, "None of the selected addresses is bounced or complained: nothing to lift.", messages.WARNING)
            return None
        form = LiftSuppressionForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            lifted, problems = [], []
            for subscriber in suppressed:
                try:
                    services.subscriber_suppression_lift(subscriber=subscriber, by=request.user, reason=form.cleaned_data["reason"])
                except (ValidationError, PermissionDenied) as error:
                    problems.append(" ".join(getattr(error, "messages", [str(error)])))
                else:
                    lifted.append(subscriber.email)
            if lifted:
                self.message_user(
                    request,
                    f"Lifted the suppression of {len(lifted)} address{'es' if len(lifted) != 1 else ''} ({', '.join(lifted[:10])}"
                    f"{' …' if len(lifted) > 10 else ''}). They get no mail until they sign up again and confirm.",
                    messages.SUCCESS,
                )
            for problem in problems:
                self.message_user(request, problem, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Lift suppression",
            "form": form,
            "subscribers": suppressed,
            "skipped": queryset.count() - len(suppressed),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "newsletter/admin/subscriber_lift_suppression.html", context)

    def _csv_response(self, queryset):
        response = StreamingHttpResponse(csv_io.export_lines(queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{timezone.now():%Y%m%d-%H%M}.csv"'
        return response

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="newsletter_subscriber_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="newsletter_subscriber_export"),
        ] + super().get_urls()

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        return self._csv_response(changelist.get_queryset(request))

    def import_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        result = None
        if request.method == "POST":
            form = CsvImportForm(request.POST, request.FILES)
            if form.is_valid():
                result = csv_io.parse_import(form.cleaned_data["file"])
                if not result.errors:
                    written = csv_io.subscribers_import(
                        rows=result.rows, send_confirmations=form.cleaned_data["send_confirmations"], by=request.user
                    )
                    self.message_user(
                        request,
                        f"Imported {len(result.rows)} rows: {written.created} new, {written.updated} already known; "
                        f"{written.active} active (with consent), {written.pending} pending confirmation"
                        + (
                            f"; {written.suppressed} bounced or complained, left as they were (no lists added, nothing mailed)."
                            if written.suppressed
                            else "."
                        ),
                        messages.SUCCESS,
                    )
                    return redirect("admin:newsletter_subscriber_changelist")
        else:
            form = CsvImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import subscribers from CSV",
            "form": form,
            "result": result,
            "columns": csv_io.COLUMNS,
        }
        return TemplateResponse(request, "newsletter/admin/subscriber_import.html", context)


class SendArticleInline(admin.TabularInline):
    model = SendArticle
    extra = 1
    autocomplete_fields = ["article"]
    fields = ["article", "sort_order"]


@admin.register(Send)
class SendAdmin(admin.ModelAdmin):
    list_display = ["subject", "newsletter", "status_when", "deliveries", "progress"]
    list_filter = ["status", "kind", "newsletter"]
    list_select_related = ["newsletter"]
    search_fields = ["subject", "intro"]
    date_hierarchy = "created_at"
    inlines = [SendArticleInline]
    actions = ["retry_failed", "cancel_sends", "resume_sends"]
    class Media:
        js = ["newsletter/send_progress.js"]

    fields = ["newsletter", "subject", "intro", "kind", "tools", "status", "scheduled_for", "progress_detail", "period_key", "created_by", "started_at", "finished_at"]
    readonly_fields = ["tools", "status", "scheduled_for", "progress_detail", "period_key", "created_by", "started_at", "finished_at"]

    def get_queryset(self, request):
        return selectors.sends_with_progress()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status not in (Send.Status.DRAFT, Send.Status.SCHEDULED):
            return [f for f in self.fields]
        return self.readonly_fields

    def get_inlines(self, request, obj):
        if obj is not None and obj.status not in (Send.Status.DRAFT, Send.Status.SCHEDULED):
            return []
        return self.inlines

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="Status", ordering="status")
    def status_when(self, obj):
        if obj.scheduled_for is None:
            return obj.get_status_display()
        when = date_format(timezone.localtime(obj.scheduled_for), "j M Y, H:i")
        return format_html('{}<span class="cell-note">for {}</span>', obj.get_status_display(), when)

    @admin.display(description="Mails")
    def deliveries(self, obj):
        return format_html(
            '{} sent<span class="cell-note">{} queued · {} failed · {} skipped</span>',
            obj.n_sent, obj.n_queued, obj.n_failed, obj.n_skipped,
        )

    @admin.display(description="Queued", ordering="n_queued")
    def queued(self, obj):
        return obj.n_queued

    @admin.display(description="Sent", ordering="n_sent")
    def sent(self, obj):
        return obj.n_sent

    @admin.display(description="Failed", ordering="n_failed")
    def failed(self, obj):
        return obj.n_failed

    @admin.display(description="Skipped", ordering="n_skipped")
    def skipped(self, obj):
        return obj.n_skipped

    @admin.display(description="Progress")
    def progress(self, obj):
        total = obj.n_queued + obj.n_sent + obj.n_failed + obj.n_skipped
        if not total:
            return "—"
        done = obj.n_sent + obj.n_failed + obj.n_skipped
        return format_html('<progress max="{}" value="{}">{}</progress> {}%', total, done, done, round(100 * done / total))

    @admin.display(description="Progress")
    def progress_detail(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        counts = selectors.send_progress(send=obj)
        text = ", ".join(f"{counts[state]} {label.lower()}" for state, label in Delivery.State.choices) + f" of {counts['total']}"
        # static/newsletter/send_progress.js polls the JSON view while the issue is sending.
        return format_html(
            '<span class="send-progress" data-progress-url="{}" data-status="{}" aria-live="polite">{}</span>',
            reverse("admin:newsletter_send_progress", args=[obj.pk]),
            obj.status,
            text,
        )

    @admin.display(description="Preview and send")
    def tools(self, obj):
        if obj is None or obj.pk is None:
            return "Save the issue first."
        links = [(reverse("admin:newsletter_send_preview", args=[obj.pk]), "Preview in the browser")]
        if obj.status in (Send.Status.DRAFT, Send.Status.SCHEDULED):
            links.append((reverse("admin:newsletter_send_start", args=[obj.pk]), "Send a test, schedule or send…"))
        if obj.status in selectors.PUBLIC_SEND_STATUSES:
            links.append((reverse("newsletter:issue_web", args=[obj.web_id]), "Web version (public)"))
        return format_html(" · ".join(['<a href="{}">{}</a>'] * len(links)), *[x for pair in links for x in pair])

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview_view), name="newsletter_send_preview"),
            path("<int:pk>/preview/mail.html", view(self.preview_html_view), name="newsletter_send_preview_html"),
            path("<int:pk>/send/", view(self.start_view), name="newsletter_send_start"),
            path("<int:pk>/send/confirm/", view(self.confirm_view), name="newsletter_send_confirm"),
            path("<int:pk>/progress.json", view(self.progress_view), name="newsletter_send_progress"),
        ] + super().get_urls()

    def _send_or_404(self, request, pk):
        send = get_object_or_404(Send.objects.select_related("newsletter"), pk=pk)
        if not self.has_view_permission(request, send):
            raise PermissionDenied
        return send

    def _sample_message(self, request, send):
        email = request.GET.get("email") or request.user.email or "reader@example.com"
        subscriber = selectors.subscriber_by_email(email=email) or Subscriber(pk=0, email=email)
        articles = services.issue_articles(send=send, subscriber=subscriber)
        return emails.issue_message(send=send, subscriber=subscriber, articles=articles), subscriber

    def preview_view(self, request, pk):
        send = self._send_or_404(request, pk)
        message, subscriber = self._sample_message(request, send)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": send,
            "title": f"Preview: {send.subject}",
            "send": send,
            "message": message,
            "subscriber": subscriber,
            "headers": sorted(message.extra_headers.items()),
            "html_url": reverse("admin:newsletter_send_preview_html", args=[send.pk]) + (f"?email={subscriber.email}" if subscriber.pk else ""),
        }
        return TemplateResponse(request, "newsletter/admin/send_preview.html", context)

    def preview_html_view(self, request, pk):
        send = self._send_or_404(request, pk)
        message, _ = self._sample_message(request, send)
        html = next((content for content, mime in message.alternatives if mime == "text/html"), None)
        if html is None:
            return HttpResponse(message.body, content_type="text/plain; charset=utf-8")
        return HttpResponse(html)

    # Mail HTML carries inline styles (mail clients need them); allow them in this one sandboxed frame.
    preview_html_view = csp_replace(
        {"style-src": ["'self'", "'unsafe-inline'"], "frame-ancestors": ["'self'"], "sandbox": [""]}
    )(
        xframe_options_sameorigin(preview_html_view)
    )

    def start_view(self, request, pk):
        send = self._send_or_404(request, pk)
        if not request.user.has_perm(services.SEND_PERMISSION):
            raise PermissionDenied
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "test":
                    services.send_test(send=send, to_email=request.user.email, by=request.user)
                    self.message_user(request, f"A test was sent to {request.user.email}.", messages.SUCCESS)
                    return redirect("admin:newsletter_send_start", pk=send.pk)
                if action == "schedule":
                    when = parse_datetime(request.POST.get("when", ""))
                    if when is None:
                        raise ValidationError("Enter the date and time to send, e.g. 2026-03-04 09:00.")
                    if timezone.is_naive(when):
                        when = timezone.make_aware(when)
                    services.send_schedule(send=send, at=when, by=request.user)
                    self.message_user(request, f"Scheduled for {timezone.localtime(when):%Y-%m-%d %H:%M}.", messages.SUCCESS)
                    return redirect("admin:newsletter_send_change", send.pk)
                if action == "send":
                    # A send starts only from its confirmation page, which shows who gets it.
                    self.message_user(request, "Nothing was sent yet: check the recipients and confirm here.", messages.WARNING)
                    return redirect("admin:newsletter_send_confirm", pk=send.pk)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            except PermissionDenied as error:
                self.message_user(request, str(error), messages.ERROR)
        recipients = selectors.recipient_count(newsletter=send.newsletter)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": send,
            "title": f"Send: {send.subject}",
            "send": send,
            "recipients": recipients,
            "user_email": request.user.email,
            "default_when": timezone.localtime(send.scheduled_for or timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        }
        return TemplateResponse(request, "newsletter/admin/send_start.html", context)

    def progress_view(self, request, pk):
        """How far the send has got, for the change page's self-updating progress line."""
        send = self._send_or_404(request, pk)
        counts = selectors.send_progress(send=send)
        return JsonResponse({"status": send.status, "status_display": send.get_status_display(), **counts})

    def confirm_view(self, request, pk):
        """The last step before a send: the list, who gets it now, a test first, then "Send now"."""
        send = self._send_or_404(request, pk)
        if not request.user.has_perm(services.SEND_PERMISSION):
            raise PermissionDenied
        recipients = selectors.recipient_count(newsletter=send.newsletter)
        if request.method == "POST":
            form = SendConfirmForm(request.POST)
            if not form.is_valid():
                self.message_user(request, "Nothing was sent: the form was incomplete. Check the recipients and press a button again.", messages.ERROR)
                return redirect("admin:newsletter_send_confirm", pk=send.pk)
            try:
                if form.cleaned_data["action"] == "test":
                    services.send_test(send=send, to_email=request.user.email, by=request.user)
                    self.message_user(
                        request, f"A test was sent to {request.user.email}; nothing went to subscribers yet.", messages.SUCCESS
                    )
                    return redirect("admin:newsletter_send_confirm", pk=send.pk)
                services.send_start(send=send, by=request.user)
            except ValidationError as error:
                self.message_user(request, "Nothing was sent: " + " ".join(error.messages), messages.ERROR)
                return redirect("admin:newsletter_send_confirm", pk=send.pk)
            except PermissionDenied as error:
                self.message_user(request, f"Nothing was sent: {error}", messages.ERROR)
                return redirect("admin:newsletter_send_confirm", pk=send.pk)
            shown = form.cleaned_data["recipients"]
            changed = f" (the page showed {shown}; sign-ups and unsubscribes since changed it)" if shown != recipients else ""
            self.message_user(
                request,
                f"Sending “{send.subject}” to {recipients} subscriber{'s' if recipients != 1 else ''} of "
                f"{send.newsletter.name} has started{changed}. The progress below updates as mails go out.",
                messages.SUCCESS,
            )
            return redirect("admin:newsletter_send_change", send.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": send,
            "title": f"Send now: {send.subject}",
            "send": send,
            "recipients": recipients,
            "user_email": request.user.email,
            "can_start": send.status in (Send.Status.DRAFT, Send.Status.SCHEDULED),
        }
        return TemplateResponse(request, "newsletter/admin/send_confirm.html", context)

    @admin.action(description="Retry the failed mails of selected issues")
    def retry_failed(self, request, queryset):
        try:
            total = sum(services.send_retry_failed(send=send, by=request.user) for send in queryset)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, f"{total} mails queued again.", messages.SUCCESS)

    @admin.action(description="Cancel selected issues (mails not yet sent are skipped)")
    def cancel_sends(self, request, queryset):
        try:
            for send in queryset:
                services.send_cancel(send=send, by=request.user)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, "Cancelled.", messages.SUCCESS)

    @admin.action(description="Resume stalled sending (after a worker stopped)")
    def resume_sends(self, request, queryset):
        if not request.user.has_perm(services.SEND_PERMISSION):
            self.message_user(request, "You may not send newsletters.", messages.ERROR)
            return
        count = tasks.resume_stalled_sends()
        self.message_user(request, f"{count} issues had work queued again.", messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["send", "subscriber", "state", "attempts", "sent_at", "next_attempt_at", "last_error"]
    list_filter = ["state", "send"]
    list_select_related = ["send", "subscriber"]
    search_fields = ["subscriber__email"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    list_per_page = 100
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
