from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history import register as simple_history_register
from taggit.managers import TaggableManager

from articles.body import body_length, render_body
from articles.querysets import ArticleQuerySet
from magazine.uploads import ContentImageField
from magazine.validators import validate_image_file


def reading_minutes_of(blocks: list[dict]) -> int:
    """The reading time of rendered body blocks, as cards and article pages show it."""
    return min(body_length(blocks, words_per_minute=settings.READING_WORDS_PER_MINUTE).reading_minutes, 32767)


class TaxonomyTerm(models.Model):
    """Shared shape of regions and topics: a named, ordered, described term."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True, help_text="Used in URLs; keep it stable.")
    description = models.TextField(blank=True)
    ordering = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first in menus.")

    class Meta:
        abstract = True
        ordering = ["ordering", "name"]

    def __str__(self):
        return self.name


class Region(TaxonomyTerm):
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="Optional wider region, e.g. North China for Tianjin.",
    )
    name_zh = models.CharField(
        "Chinese name",
        max_length=80,
        blank=True,
        help_text="Optional, e.g. 天津: shown beside the English name and found by search.",
    )

    class Meta(TaxonomyTerm.Meta):
        pass

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": "A region cannot be inside itself."})
            ancestor = ancestor.parent

    def get_absolute_url(self):
        return reverse("articles:region", kwargs={"slug": self.slug})


class Topic(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        pass

    def get_absolute_url(self):
        return reverse("articles:topic", kwargs={"slug": self.slug})


class Author(models.Model):
    name = models.CharField(max_length=120)
    name_zh = models.CharField(
        "Chinese name", max_length=120, blank=True, help_text="Optional: shown beside the English name."
    )
    slug = models.SlugField(max_length=120, unique=True)
    bio = models.TextField(blank=True)
    photo = ContentImageField(upload_to="authors/%Y/", blank=True, validators=[validate_image_file])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_profile",
        help_text="The staff account of this author, if any.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})


class Image(models.Model):
    title = models.CharField(max_length=200)
    # Stored under the extension of the detected format, whatever the uploaded name says.
    file = ContentImageField(
        upload_to="images/%Y/%m/",
        width_field="width",
        height_field="height",
        validators=[validate_image_file],
        help_text="JPEG, PNG, WebP or GIF.",
    )
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    alt_text = models.CharField(
        max_length=250,
        blank=True,
        help_text="What the picture shows, for readers who cannot see it. Required unless the picture is decorative.",
    )
    decorative = models.BooleanField(
        default=False,
        help_text=(
            "Tick only if the picture adds nothing to the story (a texture, an ornament): screen readers then "
            "skip it. A photo that shows something needs alt text instead."
        ),
    )
    caption = models.CharField(max_length=300, blank=True)
    credit = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # What pages need of the renditions (format, width, height, file name), copied from the
    # Rendition rows when they are made, so a card's <picture> costs no query of its own.
    rendition_summary = models.JSONField(default=list, editable=False, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    def clean(self):
        self.alt_text = self.alt_text.strip()
        if not self.alt_text and not self.decorative:
            raise ValidationError(
                {"alt_text": "Describe what the picture shows for readers who cannot see it, or tick “decorative” "
                 "if it adds nothing to the story."}
            )

    def sources(self, fmt: str) -> list[dict]:
        """The renditions of one format, narrowest first, each with its URL."""
        from django.core.files.storage import default_storage

        return [
            {"width": r["width"], "height": r["height"], "url": default_storage.url(r["name"])}
            for r in sorted(self.rendition_summary or [], key=lambda r: r["width"])
            if r["format"] == fmt
        ]


class Rendition(models.Model):
    """A resized copy of an image in one width and format; one row per (image, width, format)."""

    class Format(models.TextChoices):
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=4, choices=Format.choices)
    file = models.ImageField(upload_to="renditions/%Y/%m/", width_field=None, height_field=None)

    class Meta:
        ordering = ["image", "format", "width"]
        constraints = [
            models.UniqueConstraint(fields=["image", "width", "format"], name="unique_rendition"),
        ]

    def __str__(self):
        return f"{self.image_id} {self.width}w {self.format}"


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The last part of the article's address. Unique across the site.",
    )
    standfirst = models.TextField(max_length=600, help_text="The one- or two-sentence summary under the headline.")
    body = models.TextField(
        help_text=(
            "Markdown. Put [read more] alone on a line where a link to the next hand-picked "
            "'read more' article should appear; without it the links are placed through the text."
        )
    )
    body_html = models.TextField(editable=False, default="")
    body_blocks = models.JSONField(editable=False, default=list)
    # Minutes a reader takes over the body (settings.READING_WORDS_PER_MINUTE), derived on save
    # like body_html, so a card shows it without reading the body.
    reading_minutes = models.PositiveSmallIntegerField(editable=False, default=0)
    hero_image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="hero_of"
    )
    authors = models.ManyToManyField(Author, through="ArticleAuthor", related_name="articles")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="articles")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="articles")
    tags = TaggableManager(blank=True, help_text="Free tags, separated by commas.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When the article goes live. A time in the future schedules it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles_created",
        editable=False,
    )
    featured = models.BooleanField(default=False, db_index=True)
    read_more = models.ManyToManyField(
        "self",
        through="ReadMoreLink",
        symmetrical=False,
        blank=True,
        related_name="+",
        help_text="Hand-picked articles linked inside the body as READ MORE.",
    )
    comments_open = models.BooleanField(
        default=True, help_text="Readers may comment (until comments close automatically, if set site-wide)."
    )
    seo_title = models.CharField(max_length=70, blank=True, help_text="Overrides the title for search engines.")
    seo_description = models.CharField(
        max_length=160, blank=True, help_text="Overrides the standfirst for search engines."
    )
    # Denormalised counters, kept current by the comments and sharing services.
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    share_count = models.PositiveIntegerField(default=0, editable=False)
    # Optimistic locking: every save through ``services.article_save`` checks that the copy being
    # saved was read at the stored version, and moves it on by one. The admin form carries it.
    version = models.PositiveIntegerField(default=1, help_text="Moves on by one with every save.")

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [("publish_article", "Can publish and unpublish articles")]
        indexes = [
            models.Index(fields=["status", "published_at"], name="article_pub_idx"),
            models.Index(fields=["region", "status", "published_at"], name="article_region_pub_idx"),
            models.Index(fields=["topic", "status", "published_at"], name="article_topic_pub_idx"),
            models.Index(fields=["featured", "status", "published_at"], name="article_featured_pub_idx"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        # Browsers send a textarea's line breaks as CRLF; stored text uses LF, so an unchanged
        # body saved from the admin does not count as a change in the article's revisions.
        for name in ("standfirst", "body"):
            setattr(self, name, getattr(self, name).replace("\r\n", "\n").replace("\r", "\n"))

    def save(self, *args, **kwargs):
        # body_html is derived from body alone; rendering here keeps the two from drifting.
        self.body_blocks = render_body(self.body)
        self.body_html = "\n".join(block["html"] for block in self.body_blocks if block["type"] == "html")
        self.reading_minutes = reading_minutes_of(self.body_blocks)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html", "body_blocks", "reading_minutes"}
        super().save(*args, **kwargs)

    @property
    def is_live(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def was_updated(self) -> bool:
        """Edited more than an hour after it went live: worth an "Updated" line for readers."""
        if not (self.published_at and self.updated_at):
            return False
        return (self.updated_at - self.published_at).total_seconds() > 3600

    @property
    def display_title(self) -> str:
        return self.seo_title or self.title

    @property
    def display_description(self) -> str:
        return self.seo_description or self.standfirst

    def get_absolute_url(self):
        when = timezone.localtime(self.published_at or self.created_at or timezone.now())
        return reverse(
            "articles:article",
            kwargs={
                "region": self.region.slug,
                "year": when.year,
                "month": f"{when.month:02d}",
                "day": f"{when.day:02d}",
                "slug": self.slug,
            },
        )


class ArticleAuthor(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="unique_article_author"),
        ]
        verbose_name = "byline"

    def __str__(self):
        return f"{self.author} on {self.article}"


class ReadMoreLink(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="read_more_links")
    target = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "target"], name="unique_read_more"),
            models.CheckConstraint(condition=~models.Q(article=models.F("target")), name="read_more_not_self"),
        ]
        verbose_name = "read more link"

    def __str__(self):
        return f"{self.article} → {self.target}"

    def clean(self):
        if self.article_id and self.article_id == self.target_id:
            raise ValidationError({"target": "An article cannot recommend itself."})


class SearchDocument(models.Model):
    """The plain text of an article that site search reads, one row per article.

    Written only by ``articles.search`` (which also keeps the database's full-text index in
    step: a weighted tsvector with a GIN index on PostgreSQL, an FTS5 table on SQLite).
    Drafts and scheduled articles have a document too; search keeps to published articles
    when it runs, so an article becomes findable the moment its publish time arrives.

    ``live_from``, ``region`` and ``topic`` repeat the article's publish state and taxonomy
    (written with the text, on every save, publish and unpublish) so that PostgreSQL can filter
    and count matches from this row alone, without visiting each match's article. They narrow
    the candidates only: the hits shown are always read back through ``published()``.
    """

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    title = models.TextField(blank=True)
    standfirst = models.TextField(blank=True)
    body = models.TextField(blank=True)
    tags = models.TextField(blank=True)
    authors = models.TextField(blank=True)
    # PostgreSQL only: always NULL on SQLite, whose index is the FTS5 table.
    vector = SearchVectorField(null=True, editable=False)
    # The article's publish time if its status is published, else NULL: live once it has passed.
    live_from = models.DateTimeField(null=True, editable=False)
    region = models.ForeignKey(
        Region, null=True, editable=False, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
        related_name="+",
    )
    topic = models.ForeignKey(
        Topic, null=True, editable=False, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
        related_name="+",
    )

    class Meta:
        indexes = [GinIndex(fields=["vector"], name="searchdoc_vector_gin")]

    def __str__(self):
        return self.title


class ArticleViewDay(models.Model):
    """Page views of one article on one day (site time zone), folded in from the cache counters.

    Views are counted in the cache as they happen (``articles.page_views``) and added here by
    ``services.page_views_fold``, so a page view never writes to the database.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="view_days")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "-views"]
        constraints = [models.UniqueConstraint(fields=["article", "day"], name="unique_article_view_day")]
        indexes = [models.Index(fields=["day", "article"], name="article_view_day_idx")]
        verbose_name = "page views on a day"
        verbose_name_plural = "page views by day"

    def __str__(self):
        return f"{self.article_id} on {self.day}: {self.views}"


class ArticleRedirect(models.Model):
    """An address an article used to have; readers who follow it get a 301 to the current one.

    Written by the article services whenever a saved or published article's slug, region or
    date changes; removed when an article takes the address again, so no redirect can loop.
    """

    old_path = models.CharField(max_length=400, unique=True)
    old_slug = models.SlugField(max_length=200, db_index=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_paths")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "old article address"
        verbose_name_plural = "old article addresses"

    def __str__(self):
        return f"{self.old_path} → article {self.article_id}"


class ArticleNote(models.Model):
    """A note on an article for the newsroom only: never shown to readers.

    Staff add internal notes on the article's admin page; an editor who sends a story back
    to its writer leaves a "sent back" note (``services.article_send_back``) that the writer
    reads on the same page and in their mail.
    """

    class Kind(models.TextChoices):
        INTERNAL = "internal", "Internal note"
        SENT_BACK = "sent_back", "Sent back to the writer"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INTERNAL)
    text = models.TextField(max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="article_notes",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "newsroom note"
        verbose_name_plural = "newsroom notes (never shown to readers)"

    def __str__(self):
        return f"{self.get_kind_display()} on article {self.article_id}"


class ArticleRevisionRelations(models.Model):
    """What a revision keeps beyond the article's own fields: bylines, tags, READ MORE links.

    ``relations`` is ``{"authors": [[id, name], ...], "tags": [name, ...], "read_more": [[id,
    title], ...]}`` in the article's order, or ``None`` for revisions made before it was kept
    (see ``articles.revisions.relations_of``).
    """

    relations = models.JSONField(null=True, blank=True, default=None)

    class Meta:
        abstract = True


# Every save of an article keeps a revision: who, when, and the fields as they were. Derived
# fields (the rendered body) and counters kept by their own services are left out, so a
# restore never rolls back a comment or share count.
simple_history_register(
    Article,
    excluded_fields=["body_html", "body_blocks", "reading_minutes", "comment_count", "share_count", "created_at", "updated_at"],
    user_related_name="article_revisions",
    bases=[ArticleRevisionRelations],
    verbose_name="article revision",
    verbose_name_plural="article revisions",
)


class ArticleAutosave(models.Model):
    """What an editor typed in the article form and has not saved yet: one row per person and story.

    Written while the editor types (``articles.autosave``), never read by anything a reader
    sees: the article, its revisions, the search index and the page cache stay as they were.
    ``article`` is empty for a story not yet saved; the add form then names its draft with
    ``draft_key``, a random key the page was given, so the person's new-story drafts can be
    offered back on the add page. ``fields`` holds the form's text fields as typed;
    ``base_version`` is the article's version the editor opened, which a restored form keeps
    so that the optimistic lock still refuses a save over someone else's.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="article_autosaves")
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE, related_name="autosaves")
    draft_key = models.CharField(max_length=40, blank=True)
    fields = models.JSONField(default=dict)
    base_version = models.PositiveIntegerField(null=True, blank=True)
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["-saved_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"], condition=models.Q(article__isnull=False), name="unique_autosave_per_article"
            ),
            models.UniqueConstraint(
                fields=["user", "draft_key"], condition=models.Q(article__isnull=True), name="unique_autosave_per_new_draft"
            ),
        ]
        indexes = [models.Index(fields=["saved_at"], name="article_autosave_saved_idx")]
        verbose_name = "autosaved draft"

    def __str__(self):
        return f"Autosave of {self.article_id or 'a new story'} by {self.user_id}"
