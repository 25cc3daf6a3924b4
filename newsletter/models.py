import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Newsletter(models.Model):
    """A list readers can subscribe to: the weekly digest, a city edition, a topic alert."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    cadence = models.CharField(max_length=80, blank=True, help_text="Shown to readers, e.g. “weekly on Wednesday”.")
    sender = models.CharField(
        max_length=200,
        blank=True,
        help_text="From address, e.g. “City Magazine <weekly@example.com>”. Blank uses the site default.",
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Closed newsletters take no new subscribers and send nothing."
    )
    is_default = models.BooleanField(
        "default list", default=False, help_text="The list the sign-up boxes on articles and the footer subscribe to."
    )
    ordering = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ordering", "name"]

    def __str__(self):
        return self.name

    @property
    def from_email(self) -> str:
        return self.sender or settings.DEFAULT_FROM_EMAIL


class Subscriber(models.Model):
    """One email address, with its consent record and preferences; no account needed."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending confirmation"
        ACTIVE = "active", "Active"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Complained"

    class Format(models.TextChoices):
        HTML = "html", "HTML (pictures and layout)"
        TEXT = "text", "Plain text"

    email = models.EmailField(max_length=254)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING, db_index=True)
    format = models.CharField(max_length=4, choices=Format.choices, default=Format.HTML)
    regions = models.ManyToManyField("articles.Region", blank=True, related_name="+")
    topics = models.ManyToManyField("articles.Topic", blank=True, related_name="+")
    consent_at = models.DateTimeField(null=True, blank=True, help_text="When the reader agreed.")
    consent_source = models.CharField(max_length=250, blank=True, help_text="Where on the site they signed up.")
    consent_text = models.TextField(blank=True, help_text="The words they agreed to.")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    suppressed_at = models.DateTimeField(null=True, blank=True)
    suppressed_reason = models.CharField(
        max_length=300, blank=True, help_text="Why mail to this address stopped (bounce or complaint details)."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("lift_suppression", "Can lift the suppression of a bounced or complained address")]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="newsletter_subscriber_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    @property
    def is_suppressed(self) -> bool:
        return self.state in (self.State.BOUNCED, self.State.COMPLAINED)


class SubscriptionQuerySet(models.QuerySet):
    def receiving(self):
        """Subscriptions that get mail: active on an active subscriber."""
        return self.filter(state=Subscription.State.ACTIVE, subscriber__state=Subscriber.State.ACTIVE)


class Subscription(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending confirmation"
        ACTIVE = "active", "Active"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="subscriptions")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(default=timezone.now)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["newsletter__ordering", "newsletter__name"]
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "newsletter"], name="newsletter_subscription_unique"),
        ]
        indexes = [models.Index(fields=["newsletter", "state"], name="newsletter_sub_list_state_idx")]

    def __str__(self):
        return f"{self.subscriber} → {self.newsletter}"


class SubscriberEvent(models.Model):
    """The record of every change a subscriber (or staff, or the provider) made."""

    class Kind(models.TextChoices):
        SIGNED_UP = "signed_up", "Signed up"
        CONFIRMATION_SENT = "confirmation_sent", "Confirmation sent"
        CONFIRMED = "confirmed", "Confirmed"
        PREFERENCES = "preferences", "Changed preferences"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        RESUBSCRIBED = "resubscribed", "Resubscribed"
        EXPORTED = "exported", "Downloaded their data"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Complained"
        IMPORTED = "imported", "Imported"
        SUPPRESSION_LIFTED = "suppression_lifted", "Suppression lifted by staff"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


def new_web_id() -> str:
    """The opaque id in the address of an issue's web version: nothing to count or guess."""
    return secrets.token_urlsafe(12)


class Send(models.Model):
    """One issue of a newsletter, sent (or to be sent) to every active subscriber of the list."""

    class Kind(models.TextChoices):
        MANUAL = "manual", "Hand-picked articles"
        DIGEST = "digest", "Automatic digest (each subscriber's regions and topics)"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"

    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="sends")
    web_id = models.SlugField(
        max_length=24, unique=True, default=new_web_id, editable=False, help_text="The id in the address of the web version."
    )
    subject = models.CharField(max_length=200)
    intro = models.TextField(blank=True, help_text="A few sentences at the top of the mail. Blank lines make paragraphs.")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.MANUAL)
    articles = models.ManyToManyField("articles.Article", through="SendArticle", blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    period_key = models.CharField(
        max_length=20, blank=True, editable=False, help_text="The digest period, e.g. 2026-W07; one digest per period."
    )
    period_start = models.DateTimeField(null=True, blank=True, editable=False)
    period_end = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    prepared_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When every delivery row of the send had been made."
    )
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "issue"
        verbose_name_plural = "issues"
        permissions = [("start_send", "Can send issues to subscribers")]
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "period_key"],
                condition=~models.Q(period_key=""),
                name="newsletter_send_one_per_period",
            ),
        ]

    def __str__(self):
        return self.subject


class SendArticle(models.Model):
    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="send_articles")
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["send", "article"], name="newsletter_send_article_unique")]
        verbose_name = "article"

    def __str__(self):
        return str(self.article_id)


class Delivery(models.Model):
    """One mail of one send to one subscriber: claimed by a worker, then marked with its result."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=40, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["send", "subscriber"], name="newsletter_delivery_once"),
        ]
        indexes = [models.Index(fields=["send", "state", "next_attempt_at"], name="newsletter_delivery_claim_idx")]

    def __str__(self):
        return f"{self.send_id} → {self.subscriber_id}: {self.state}"
