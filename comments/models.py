import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import Exists, OuterRef, Q

from articles.models import Article
from comments.text import clean_text, render_comment_html
from magazine.cache import cache_version


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(state=Comment.State.APPROVED)

    def pending(self):
        return self.filter(state=Comment.State.PENDING)

    def with_approved_replies(self):
        """Comments that still hold up an approved reply (shown as a placeholder when hidden)."""
        return self.annotate(
            _has_approved_reply=Exists(
                Comment.objects.filter(root_id=OuterRef("pk"), state=Comment.State.APPROVED)
            )
        )


class Comment(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies", editable=False
    )
    # The top-level comment of the thread: a page of threads and all their replies in two queries.
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+", editable=False
    )
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    name = models.CharField(max_length=80)
    email = models.EmailField(help_text="Never shown publicly.")
    body = models.TextField(help_text="Plain text, as the reader wrote it.")
    body_html = models.TextField(editable=False, blank=True, default="")
    body_hash = models.CharField(max_length=64, editable=False, blank=True, db_index=True, default="")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    spam_reasons = models.CharField(max_length=300, blank=True, editable=False)
    removed_by_author = models.BooleanField(default=False, editable=False)
    ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    user_agent = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    notify_replies = models.BooleanField(default=False, help_text="Email the commenter when a reply is approved.")
    # Set when the parent's author was told about this reply, so a restore never mails twice.
    reply_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    flag_count = models.PositiveIntegerField(default=0, editable=False, db_index=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [("moderate_comment", "Can approve, reject and restore comments")]
        indexes = [
            models.Index(fields=["article", "parent", "state", "created_at"], name="comment_thread_idx"),
            models.Index(fields=["root", "state"], name="comment_root_idx"),
            models.Index(fields=["state", "flag_count", "created_at"], name="comment_queue_idx"),
            models.Index(fields=["email", "created_at"], name="comment_email_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(parent__isnull=True, root__isnull=True, depth=0))
                | (Q(parent__isnull=False, root__isnull=False) & Q(depth__gt=0)),
                name="comment_thread_shape",
            ),
        ]

    def __str__(self):
        return f"{self.name or 'Deleted'} on {self.article_id}: {self.body[:40]}"

    def save(self, *args, **kwargs):
        # Derived from body alone; computing it here keeps the stored HTML and text in step.
        self.body_html = render_comment_html(self.body)
        self.body_hash = body_fingerprint(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html", "body_hash"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#comment-{self.pk}"

    @property
    def is_approved(self) -> bool:
        return self.state == self.State.APPROVED


def body_fingerprint(body: str) -> str:
    """Same words, any spacing or case: the same fingerprint (for duplicate detection)."""
    normal = " ".join(clean_text(body).lower().split())
    return hashlib.sha256(normal.encode()).hexdigest() if normal else ""


class CommentFlag(models.Model):
    """A reader's report of a comment, with the reason they chose; one per reader and comment."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abuse or harassment"
        OFF_TOPIC = "off_topic", "Off-topic"
        MISINFORMATION = "misinformation", "Misinformation"
        OTHER = "other", "Other"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    fingerprint = models.CharField(max_length=64)
    # Reports made before readers were asked for a reason have none.
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True, db_index=True)
    note = models.TextField(blank=True, max_length=500, help_text="What the reader added, if anything.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["comment", "fingerprint"], name="one_flag_per_reader")]

    def __str__(self):
        return f"Flag on comment {self.comment_id}"


class BlockedTerm(models.Model):
    class Kind(models.TextChoices):
        WORD = "word", "Word or phrase"
        EMAIL = "email", "Email address or @domain"
        IP = "ip", "IP address or network (CIDR)"

    kind = models.CharField(max_length=5, choices=Kind.choices)
    value = models.CharField(
        max_length=200,
        help_text="A word or phrase (any case); an address such as spam@example.com or a whole domain "
        "as @example.com; an IP such as 203.0.113.7 or a network such as 203.0.113.0/24.",
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="unique_blocked_term")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"

    def clean(self):
        from comments.spam import validate_blocked_value

        self.value = (self.value or "").strip().lower()
        validate_blocked_value(self.kind, self.value)


def normalise_email(email: str) -> str:
    """The form of an address that is compared and stored for trust: trimmed, lower case."""
    return (email or "").strip().lower()


class KnownCommenter(models.Model):
    """An email address whose owner has confirmed it or whom a moderator has approved.

    Only "approved" makes a returning commenter: a moderator approved a comment from the
    address (a confirmation is upgraded to it then). Knowing an address is never enough on its
    own; the comment must also come from a browser that proved it (``comments.proof``).
    """

    class Reason(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed their email"
        APPROVED = "approved", "Approved by a moderator"

    email = models.EmailField(unique=True)
    known_since = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=10, choices=Reason.choices)

    class Meta:
        ordering = ["-known_since"]

    def __str__(self):
        return self.email


class CommentPolicy(models.Model):
    """Site-wide comment switches chosen by staff; there is one row."""

    class Mode(models.TextChoices):
        HOLD_ALL = "hold_all", "Hold every comment for moderation"
        HOLD_FIRST = "hold_first", "Hold only first-time commenters"
        PUBLISH = "publish", "Publish at once"

    enabled = models.BooleanField(default=True, help_text="Untick to close comments on every article.")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.HOLD_FIRST)
    close_after_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Close comments this many days after an article is published. Blank: use the "
        "COMMENTS_CLOSE_AFTER_DAYS setting; 0: never close.",
    )
    digest_recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
        help_text="Staff who get a daily email listing pending comments.",
    )

    class Meta:
        verbose_name = "comment policy"
        verbose_name_plural = "comment policy"

    def __str__(self):
        return "Comment policy"

    @property
    def effective_close_after_days(self) -> int:
        if self.close_after_days is None:
            return settings.COMMENTS_CLOSE_AFTER_DAYS
        return self.close_after_days

    @classmethod
    def load(cls) -> "CommentPolicy":
        """The policy row (cached; the admin bumps the version when staff change it)."""
        key = f"comments:policy:{cache_version('comments_policy')}"
        found = cache.get(key)
        if found is None:
            found = cls.objects.filter(pk=1).first() or cls(pk=1)
            cache.set(key, found, 3600)
        return found
