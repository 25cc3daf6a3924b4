"""Load a believable demo magazine: regions, topics, authors, hero images and articles.

Demo articles are marked by their creator, an inactive account named ``demo-content``;
demo hero images by their file name (``demo-hero-NN``). Anything else in the database was
made by staff and is only ever read, never changed. Running the command again tops the demo
up to ``--articles`` live articles and otherwise does nothing, after a handful of queries.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from articles import demo_content as content
from articles import search
from articles.body import render_body
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleViewDay,
    Author,
    Image,
    ReadMoreLink,
    Region,
    Rendition,
    Topic,
    reading_minutes_of,
)
from articles.renditions import create_renditions, rendition_widths
from magazine.cache import bump_versions

DEMO_USERNAME = "demo-content"
# A run that writes up to this many articles gives each a first revision; larger top-ups
# (benchmark databases) skip it, as a revision copies the whole article.
REVISIONS_UP_TO = 2000
HERO_PREFIX = "demo-hero-"
BODY_VARIANTS = 6  # distinct bodies per (region, topic): each is rendered once per run
DAYS_BACK = 60
RECENT_FEATURED_DAYS = 18  # inside the 21-day "in case you missed it" window
TITLE_MEMORY = 20_000  # titles kept unique up to this many articles; past it, slugs tell repeats apart
TITLE_TRIES = 40  # draws for a title not used yet before the region's name is added to it
# Page views for "Most read": the newest demo articles get a week of views on the first load
# (and again on a later run once the week has passed), so the block is full at once.
VIEWED_ARTICLES = 1000
VIEW_DAYS = 7
# Articles shown in the admin's other states, made once with the first load.
EXTRA_STATES = (
    ("scheduled", 1), ("scheduled", 2), ("scheduled", 4),
    ("review", None), ("review", None),
    ("draft", None), ("draft", None),
)


@dataclass
class Plan:
    """One article before it is saved, with the draws its links need once it has an id."""

    article: Article
    author_ids: list[int]
    tag_names: list[str]
    link_draws: list[float] = field(default_factory=list)


class Command(BaseCommand):
    help = (
        "Fill the site with a demo city magazine: regions, topics, authors, hero images and "
        "--articles live articles (plus a few scheduled, in-review and draft ones on the first "
        "load). Safe to run again: it only adds what is missing and never changes staff content."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=200,
                            help="How many live demo articles the site should have (default 200).")
        parser.add_argument("--images", type=int, default=24,
                            help="How many demo hero images to draw (default 24).")
        parser.add_argument("--seed", type=int, default=2026,
                            help="Random seed: the same seed gives the same magazine (default 2026).")
        parser.add_argument("--batch-size", type=int, default=2000,
                            help="Articles written per transaction (default 2000).")

    def handle(self, *args, articles, images, seed, batch_size, verbosity, **options):
        if articles < 0:
            raise CommandError(f"--articles must be 0 or more, not {articles}.")
        if images < 1:
            raise CommandError(f"--images must be at least 1, not {images}: every article needs a hero image.")
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1, not {batch_size}.")
        started = time.monotonic()
        seeder = DemoSeeder(seed=seed, batch_size=batch_size, say=self._say if verbosity >= 1 else None)
        created = seeder.run(articles=articles, images=images)
        elapsed = time.monotonic() - started
        totals = {
            "regions": Region.objects.count(),
            "topics": Topic.objects.count(),
            "authors": Author.objects.count(),
            "articles": Article.objects.count(),
            "live articles": Article.objects.published().count(),
            "images": Image.objects.count(),
        }
        if any(created.values()):
            made = ", ".join(f"{count:,} {name}" for name, count in created.items() if count)
            self.stdout.write(f"Created {made} in {_duration(elapsed)}.")
        else:
            self.stdout.write(f"The demo magazine is already loaded; nothing to add ({_duration(elapsed)}).")
        self.stdout.write("Site now has " + ", ".join(f"{count:,} {name}" for name, count in totals.items()) + ".")
        # bulk_create skips the services that index articles: index what is still missing.
        search.index_missing(batch_size=batch_size, say=self._say if verbosity >= 1 else None)

    def _say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:.0f} s"


class DemoSeeder:
    def __init__(self, *, seed: int, batch_size: int = 2000, say=None):
        self.seed = seed
        self.batch_size = batch_size
        self.say = say or (lambda message: None)
        self.now = timezone.now()
        self.created = {
            "regions": 0, "topics": 0, "authors": 0, "images": 0, "renditions": 0, "articles": 0, "page view days": 0,
        }
        self.with_revisions = True  # the first load's scheduled, in-review and draft articles too

    # --- the whole run ----------------------------------------------------------------------

    def run(self, *, articles: int, images: int) -> dict[str, int]:
        self.user = self._demo_user()
        self.regions = self._terms(Region, content.REGIONS)
        self.topics = self._terms(Topic, content.TOPICS)
        self.authors = self._authors()
        self.images = self._images(images)
        demo = Article.objects.filter(created_by=self.user)
        total = demo.count()
        if total == 0:
            self._prepare_articles(0)
            self._add_articles(0, articles)
            self._add_extras()
        elif total < articles + len(EXTRA_STATES):
            # The count above reads only the created_by index; this one reads every demo row,
            # so it runs only when the demo may be short. Live-at-creation articles are
            # back-dated: their publish time is before their creation.
            existing = demo.filter(published_at__lte=F("created_at")).count()
            if existing < articles:
                self._prepare_articles(existing)
                self._add_articles(existing, articles)
        self.created["page view days"] = self._page_views()
        if any(self.created.values()):
            bump_versions(
                ("articles", "all"),
                ("taxonomy", "all"),
                *(("region", region.pk) for region in self.regions.values()),
                *(("topic", topic.pk) for topic in self.topics.values()),
            )
        return self.created

    # --- reference data ---------------------------------------------------------------------

    def _demo_user(self):
        user_model = get_user_model()
        user, made = user_model.objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"is_active": False, "is_staff": False, "first_name": "Demo", "last_name": "content"},
        )
        if made:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user

    def _terms(self, model, specs) -> dict:
        """Regions or topics by slug; an existing term (same slug or name) is used as it is."""
        found = model.objects.filter(
            Q(slug__in=[spec.slug for spec in specs]) | Q(name__in=[spec.name for spec in specs])
        )
        by_key = {}
        for term in found:
            by_key[term.slug] = term
            by_key[term.name] = term
        terms = {}
        for spec in specs:  # parents come before their children in the specs
            term = by_key.get(spec.slug) or by_key.get(spec.name)
            if term is None:
                extra = {"parent": terms.get(spec.parent)} if getattr(spec, "parent", None) else {}
                if getattr(spec, "name_zh", ""):
                    extra["name_zh"] = spec.name_zh
                term = model.objects.create(
                    name=spec.name, slug=spec.slug, description=spec.description, ordering=spec.ordering, **extra
                )
                self.created["regions" if model is Region else "topics"] += 1
            terms[spec.slug] = term
        return terms

    def _authors(self) -> dict[str, Author]:
        found = {author.slug: author for author in Author.objects.filter(slug__in=[a.slug for a in content.AUTHORS])}
        for spec in content.AUTHORS:
            if spec.slug in found:
                continue
            photo = ContentFile(content.author_photo_bytes(spec), name=f"demo-author-{spec.slug}.jpg")
            author = Author.objects.create(name=spec.name, slug=spec.slug, bio=spec.bio, photo=photo)
            found[spec.slug] = author
            self.created["authors"] += 1
        return {spec.slug: found[spec.slug] for spec in content.AUTHORS}

    def _images(self, wanted: int) -> dict[int, Image]:
        """The demo hero images by index, drawn when missing, each with all its renditions."""
        pattern = re.compile(re.escape(HERO_PREFIX) + r"(\d+)")
        pool: dict[int, Image] = {}
        for image in Image.objects.filter(file__contains=HERO_PREFIX).annotate(rendition_count=Count("renditions")):
            match = pattern.search(image.file.name)
            if match:
                pool.setdefault(int(match.group(1)), image)
        missing = [index for index in range(wanted) if index not in pool]
        started = time.monotonic()
        for index in missing:
            topic = content.TOPICS[index % len(content.TOPICS)].slug
            picture = ContentFile(content.hero_image_bytes(index, topic), name=f"{HERO_PREFIX}{index:02d}.jpg")
            image = Image(file=picture, **content.hero_image_text(index, topic))
            image.save()  # saving stores the file and fills width and height from it
            image.rendition_count = 0
            pool[index] = image
            self.created["images"] += 1
        for image in pool.values():
            expected = len(rendition_widths(image)) * len(Rendition.Format)
            if image.rendition_count < expected:
                before = image.rendition_count
                image.rendition_count = len(create_renditions(image))
                self.created["renditions"] += image.rendition_count - before
        if missing:
            self.say(f"Drew {len(missing)} hero images with their renditions in {_duration(time.monotonic() - started)}.")
        return dict(sorted(pool.items()))

    # --- articles ---------------------------------------------------------------------------

    def _prepare_articles(self, existing: int) -> None:
        self.region_slugs = [spec.slug for spec in content.REGIONS]
        self.region_weights = [content.REGION_WEIGHTS[slug] for slug in self.region_slugs]
        self.topic_slugs = [spec.slug for spec in content.TOPICS]
        self.topic_weights = [content.TOPIC_WEIGHTS[slug] for slug in self.topic_slugs]
        self.images_by_topic: dict[str, list[int]] = {}
        for index, image in self.images.items():
            topic = content.TOPICS[index % len(content.TOPICS)].slug
            self.images_by_topic.setdefault(topic, []).append(image.pk)
        self.all_image_ids = [image.pk for image in self.images.values()]
        self.author_choices = {
            topic: (
                [author.pk for author in self.authors.values()],
                [4 if topic in spec.beats else 1 for spec in content.AUTHORS],
            )
            for topic in self.topic_slugs
        }
        self.tag_ids = self._tags()
        self.content_type_id = ContentType.objects.get_for_model(Article).pk
        self.bodies: dict[tuple[str, str, int], tuple[str, list, str, int]] = {}
        # Read-more targets: live demo articles by topic, including those already in the database.
        self.link_pool: dict[int, list[int]] = {topic.pk: [] for topic in self.topics.values()}
        self.used_titles: set[str] = set()
        if existing:
            live = Article.objects.filter(created_by=self.user, published_at__lte=F("created_at"))
            for pk, topic_id in live.values_list("pk", "topic_id").order_by("pk").iterator(chunk_size=5000):
                self.link_pool.setdefault(topic_id, []).append(pk)
            if existing < TITLE_MEMORY:
                self.used_titles.update(live.values_list("title", flat=True))

    def _tags(self) -> dict[str, int]:
        names = content.all_tag_names()
        found = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        for name in names:
            if name not in found:
                found[name] = Tag.objects.get_or_create(name=name)[0].pk
        return found

    def _body(self, region: str, topic: str, variant: int) -> tuple[str, list, str, int]:
        key = (region, topic, variant)
        if key not in self.bodies:
            rng = random.Random(f"body:{self.seed}:{region}:{topic}:{variant}")
            markdown = content.article_body(rng, region, topic)
            # What Article.save() would derive; bulk_create skips save(), so it is done here once.
            blocks = render_body(markdown)
            html = "\n".join(block["html"] for block in blocks if block["type"] == "html")
            self.bodies[key] = (markdown, blocks, html, reading_minutes_of(blocks))
        return self.bodies[key]

    def _title(self, rng: random.Random, region: str, topic: str) -> str:
        """A title no other demo article has (up to TITLE_MEMORY articles): repeated titles were
        what made slugs need a number, so a repeat is drawn again, then told apart by place."""
        title = content.article_title(rng, region, topic)
        if len(self.used_titles) < TITLE_MEMORY:
            for _ in range(TITLE_TRIES):
                if title not in self.used_titles:
                    break
                title = content.article_title(rng, region, topic)
            place = self.regions[region].name
            for extra in (f" ({place})", f" ({place}, {self.topics[topic].name})"):
                if title not in self.used_titles:
                    break
                title = title.split(" (", 1)[0] + extra
            self.used_titles.add(title)
        return title

    def _plan(self, rng: random.Random, number: int, *, status: str, published_at, featured: bool) -> Plan:
        region = rng.choices(self.region_slugs, self.region_weights)[0]
        topic = rng.choices(self.topic_slugs, self.topic_weights)[0]
        title = self._title(rng, region, topic)
        markdown, blocks, html, minutes = self._body(region, topic, rng.randrange(BODY_VARIANTS))
        author_ids, weights = self.author_choices[topic]
        authors = [rng.choices(author_ids, weights)[0]]
        if rng.random() < 0.25:
            authors.append(rng.choice([pk for pk in author_ids if pk != authors[0]]))
        article = Article(
            title=title,
            slug=slugify(title)[:180].strip("-"),
            standfirst=content.article_standfirst(rng, region, topic),
            body=markdown,
            body_blocks=blocks,
            body_html=html,
            reading_minutes=minutes,
            hero_image_id=rng.choice(self.images_by_topic.get(topic) or self.all_image_ids),
            region=self.regions[region],
            topic=self.topics[topic],
            status=status,
            published_at=published_at,
            featured=featured,
            created_by=self.user,
        )
        return Plan(article=article, author_ids=authors, tag_names=content.article_tags(rng, region, topic))

    def _regular(self, index: int) -> Plan:
        rng = random.Random(self.seed * 1_000_003 + index)
        featured = index % 10 == 0
        if featured and (index // 10) % 2 == 0:
            age = timedelta(seconds=rng.uniform(3600, RECENT_FEATURED_DAYS * 86400))
        else:
            age = timedelta(seconds=rng.uniform(600, DAYS_BACK * 86400))
        plan = self._plan(
            rng, index + 1, status=Article.Status.PUBLISHED, published_at=self.now - age, featured=featured
        )
        link_count = rng.choices((0, 1, 2), (3, 4, 3))[0]
        plan.link_draws = [rng.random() for _ in range(link_count)]
        return plan

    def _extra(self, number: int, state: str, days: int | None) -> Plan:
        rng = random.Random(f"extra:{self.seed}:{number}")
        if state == "scheduled":
            day = timezone.localtime(self.now + timedelta(days=days))
            published_at, status = day.replace(hour=9, minute=0, second=0, microsecond=0), Article.Status.PUBLISHED
        else:
            published_at = None
            status = Article.Status.IN_REVIEW if state == "review" else Article.Status.DRAFT
        return self._plan(rng, number, status=status, published_at=published_at, featured=False)

    def _add_articles(self, start: int, stop: int) -> None:
        total = stop - start
        if total <= 0:
            return
        self.with_revisions = total <= REVISIONS_UP_TO
        self.say(f"Writing {total:,} articles in batches of {self.batch_size:,}...")
        started = time.monotonic()
        done = 0
        for first in range(start, stop, self.batch_size):
            plans = [self._regular(index) for index in range(first, min(first + self.batch_size, stop))]
            self._write(plans, live=True)
            done += len(plans)
            elapsed = time.monotonic() - started
            self.say(f"  {done:,}/{total:,} articles, {done / max(elapsed, 1e-9):,.0f}/s, {_duration(elapsed)}")

    def _add_extras(self) -> None:
        plans = [self._extra(number, state, days) for number, (state, days) in enumerate(EXTRA_STATES, start=1)]
        self._write(plans, live=False)

    def _write(self, plans: list[Plan], *, live: bool) -> None:
        with transaction.atomic():
            self._unique_slugs(plans)
            Article.objects.bulk_create([plan.article for plan in plans], batch_size=500)
            # bulk_create stamps "now" on the automatic times; a back-dated demo article was
            # written and last edited when it went live, so no false "Updated" line shows.
            Article.objects.filter(
                pk__in=[plan.article.pk for plan in plans], published_at__lte=timezone.now()
            ).update(created_at=F("published_at"), updated_at=F("published_at"))
            if self.with_revisions:
                # The first version of each article in its history, as a save in the admin
                # would keep it, so staff can try comparing and restoring revisions at once.
                Article.history.bulk_history_create(
                    [plan.article for plan in plans],
                    batch_size=500,
                    default_user=self.user,
                    default_change_reason="Demo content loaded",
                )
            bylines = [
                ArticleAuthor(article_id=plan.article.pk, author_id=author_id, sort_order=order)
                for plan in plans
                for order, author_id in enumerate(plan.author_ids)
            ]
            ArticleAuthor.objects.bulk_create(bylines, batch_size=1000)
            tagged = [
                TaggedItem(tag_id=self.tag_ids[name], content_type_id=self.content_type_id, object_id=plan.article.pk)
                for plan in plans
                for name in plan.tag_names
            ]
            TaggedItem.objects.bulk_create(tagged, batch_size=1000)
            if live:
                for plan in plans:
                    self.link_pool[plan.article.topic_id].append(plan.article.pk)
                ReadMoreLink.objects.bulk_create(self._links(plans), batch_size=1000)
        self.created["articles"] += len(plans)

    def _links(self, plans: list[Plan]) -> list[ReadMoreLink]:
        """Hand-picked links to other live demo articles of the same topic; never the article itself."""
        links = []
        for plan in plans:
            pool = self.link_pool[plan.article.topic_id]
            targets: list[int] = []
            for draw in plan.link_draws:
                target = pool[int(draw * len(pool))]
                if target == plan.article.pk:
                    target = pool[int(draw * len(pool)) - 1]
                if target != plan.article.pk and target not in targets:
                    targets.append(target)
            links.extend(
                ReadMoreLink(article_id=plan.article.pk, target_id=target, sort_order=order)
                for order, target in enumerate(targets)
            )
        return links

    def _unique_slugs(self, plans: list[Plan]) -> None:
        """Keep each slug unique against the batch and what is already saved, staff articles
        included, without a number at the end: a taken slug gets the region's slug, then the
        topic's, then a letter (``-b``, ``-c`` … ``-aa``)."""
        candidates = {}
        for plan in plans:
            base = plan.article.slug
            region, topic = plan.article.region.slug, plan.article.topic.slug
            candidates[id(plan)] = [base, f"{base}-{region}", f"{base}-{region}-{topic}"]
        wanted = {slug for slugs in candidates.values() for slug in slugs}
        taken = set(Article.objects.filter(slug__in=wanted).values_list("slug", flat=True))
        lettered: set[str] = set()
        for plan in plans:
            choices = candidates[id(plan)]
            slug = next((choice for choice in choices if choice not in taken), None)
            if slug is None and choices[0] not in lettered:
                # One query per repeated title and batch, however many times it repeats.
                lettered.add(choices[0])
                taken.update(Article.objects.filter(slug__startswith=f"{choices[0]}-").values_list("slug", flat=True))
            number = 1
            while slug is None:
                number += 1
                if f"{choices[0]}-{_letters(number)}" not in taken:
                    slug = f"{choices[0]}-{_letters(number)}"
            plan.article.slug = slug
            taken.add(slug)

    # --- page views -------------------------------------------------------------------------

    def _page_views(self) -> int:
        """A week of page views for the newest live demo articles, unless they have some this week.

        Written as the fold of the cache counters writes them (``ArticleViewDay`` rows); a day
        that already has real views keeps them. Fresher and featured articles are read more.
        """
        today = timezone.localdate()
        since = today - timedelta(days=VIEW_DAYS - 1)
        live = Article.objects.filter(created_by=self.user, status=Article.Status.PUBLISHED, published_at__lte=self.now)
        if ArticleViewDay.objects.filter(article__in=live.values("pk"), day__gte=since).exists():
            return 0
        rows = []
        newest = live.order_by("-published_at", "-pk").values_list("pk", "published_at", "featured")[:VIEWED_ARTICLES]
        for pk, published_at, featured in newest:
            rng = random.Random(f"views:{self.seed}:{pk}")
            appeal = rng.paretovariate(1.3) * (3 if featured else 1)
            first_day = max(since, timezone.localdate(published_at))
            for offset in range((today - first_day).days + 1):
                day = first_day + timedelta(days=offset)
                age = (day - timezone.localdate(published_at)).days
                views = int(appeal * rng.uniform(20, 60) / (1 + age / 3))
                if views:
                    rows.append(ArticleViewDay(article_id=pk, day=day, views=views))
        ArticleViewDay.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        if rows:
            bump_versions(("most_read", "all"))
        return len(rows)


def _letters(number: int) -> str:
    """1 → a, 2 → b, … 26 → z, 27 → aa: a suffix that is never a number."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters
