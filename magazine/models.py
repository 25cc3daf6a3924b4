from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from magazine.uploads import ContentImageField, PdfFileField
from magazine.validators import validate_image_file, validate_pdf_file

_CACHE_KEY = "site-settings"


class SiteSettings(models.Model):
    """Site-wide options that staff change in the admin; there is one row."""

    wechat_account_id = models.CharField(
        max_length=80, blank=True, help_text="The WeChat official account id readers search for."
    )
    wechat_follow_url = models.URLField(
        blank=True,
        help_text="The follow link encoded in the QR code. Left blank, a weixin:// link to the account id is used.",
    )
    newsletter_promo_title = models.CharField(max_length=120, default="7 Days in China")
    newsletter_promo_text = models.CharField(
        max_length=250, default="Weekly updates to your email inbox every Wednesday."
    )

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"

    def __str__(self):
        return "Site settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(_CACHE_KEY)

    @property
    def wechat_id(self) -> str:
        return self.wechat_account_id or settings.WECHAT_ACCOUNT_ID

    @property
    def wechat_qr_target(self) -> str:
        return self.wechat_follow_url or settings.WECHAT_FOLLOW_URL or f"weixin://dl/officialaccounts?username={self.wechat_id}"

    @classmethod
    def load(cls) -> "SiteSettings":
        found = cache.get(_CACHE_KEY)
        if found is None:
            found = cls.objects.filter(pk=1).first() or cls(pk=1)
            cache.set(_CACHE_KEY, found, 3600)
        return found


class CityEdition(models.Model):
    """A printed edition of the magazine, e.g. the Shanghai or the Beijing edition."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["ordering", "name"]

    def __str__(self):
        return self.name


class EditionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Edition(models.Model):
    """One printed issue of a city edition: cover, PDF and when it came out."""

    city = models.ForeignKey(CityEdition, on_delete=models.PROTECT, related_name="editions")
    issue_month = models.DateField(help_text="Any day of the issue's month; it is stored as the first of the month.")
    title = models.CharField(max_length=200, help_text="The cover story or theme, e.g. “The Food Issue”.")
    # Stored names follow the content: a PDF uploaded as "x.html" is kept as "x.pdf" (magazine/uploads.py).
    cover = ContentImageField(upload_to="editions/covers/%Y/", validators=[validate_image_file])
    pdf = PdfFileField(
        upload_to="editions/pdf/%Y/",
        validators=[validate_pdf_file],
        help_text="The whole issue as a PDF.",
    )
    page_count = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Left blank, it is read from the PDF."
    )
    published = models.BooleanField(default=True, help_text="Shown in the archive.")
    download_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["-issue_month", "city__ordering"]
        constraints = [models.UniqueConstraint(fields=["city", "issue_month"], name="unique_edition_per_month")]

    def __str__(self):
        return f"{self.city} · {self.issue_month:%B %Y}: {self.title}"

    def save(self, *args, **kwargs):
        if self.issue_month:
            self.issue_month = self.issue_month.replace(day=1)
        super().save(*args, **kwargs)

    @property
    def month_slug(self) -> str:
        return f"{self.issue_month:%Y-%m}"

    @property
    def download_name(self) -> str:
        return f"{slugify(settings.SITE_NAME)}-{self.city.slug}-{self.month_slug}.pdf"

    def get_absolute_url(self):
        return reverse("edition", kwargs={"city": self.city.slug, "month": self.month_slug})

    def get_download_url(self):
        return reverse("edition_download", kwargs={"city": self.city.slug, "month": self.month_slug})


class OutboxTask(models.Model):
    """Work promised to someone (a mail, a send), written in the same transaction as the promise.

    Run by a worker that claims the row with a lease (magazine/outbox.py); a row whose lease
    lapsed is claimed again, so work a killed worker left is done by another.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    task_path = models.CharField("task", max_length=200)
    args = models.JSONField(default=list, blank=True)
    key = models.CharField(
        max_length=200, blank=True, help_text="Promises with the same key are made once (e.g. one mail per reply)."
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    run_after = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=40, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(
        max_length=128, blank=True, help_text="The request that promised this work; its log lines carry the same id."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "promised task"
        indexes = [models.Index(fields=["state", "run_after"], name="magazine_outbox_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=~models.Q(key=""), name="magazine_outbox_key_once"),
        ]

    def __str__(self):
        return f"{self.task_path}{tuple(self.args)}"

    @property
    def work(self) -> str:
        """The task's own name and its arguments, e.g. ``send_confirmation(42)``."""
        return f"{self.task_path.rsplit('.', 1)[-1]}({', '.join(map(str, self.args))})"

    @property
    def progress(self) -> str:
        """State, attempts and the next time, in a few words for the admin list."""
        tries = f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"
        if self.state == self.State.PENDING:
            when = timezone.localtime(self.run_after).strftime("%d %b %H:%M:%S")
            return f"Pending ({tries}), due {when}"
        return f"{self.get_state_display()} ({tries})"

    @property
    def error_summary(self) -> str:
        return self.last_error if len(self.last_error) <= 80 else self.last_error[:79] + "…"


class WorkerHeartbeat(models.Model):
    """A running task worker, seen every sweep: tells the health check and the sweep who is alive."""

    worker_id = models.CharField(max_length=64, unique=True)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self):
        return self.worker_id


class SitePage(models.Model):
    """A page about the magazine itself (About, Contact, Privacy policy …), written by staff.

    It lives at ``/<slug>/``; the body is Markdown, rendered to sanitised HTML on save by the
    article body's renderer (``magazine.services.site_page_save``).
    """

    title = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=60, unique=True, help_text="The page's address: /about/ for “about”. Changing it breaks old links."
    )
    body = models.TextField(help_text="Markdown: ## for a heading, **bold**, [a link](https://…), - for a list.")
    body_html = models.TextField(blank=True, editable=False)
    ordering = models.PositiveSmallIntegerField(default=0, help_text="Order of the page in the footer (lowest first).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ordering", "title"]
        verbose_name = "site page"

    def __str__(self):
        return self.title

    def clean(self):
        from django.urls import Resolver404, resolve

        if self.slug:
            # /<slug>/ is tried after every other address: a slug that names one (search,
            # magazine, newsletter …) would give a page nobody can reach.
            try:
                taken = resolve(f"/{self.slug}/").url_name != "site_page"
            except Resolver404:
                taken = False
            if taken:
                raise ValidationError({"slug": f"/{self.slug}/ is already the address of another part of the site."})

    def get_absolute_url(self):
        return reverse("site_page", kwargs={"slug": self.slug})
