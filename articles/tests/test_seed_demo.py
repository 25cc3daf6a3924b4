import re
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone
from taggit.models import TaggedItem

from articles import selectors
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
)
from articles.tests.factories import ArticleFactory, ImageFactory, RegionFactory, TopicFactory, image_bytes
from magazine.cache import cache_version

pytestmark = pytest.mark.django_db

EXTRA_ARTICLES = 7  # scheduled, in review and draft articles made with the first load


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", "--images", "1", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def hero_pool():
    """A small demo hero image already in place: the command reuses it instead of drawing one.

    Drawing 1600x1000 pictures and their six renditions is what makes a seed slow; only
    test_seed_draws_hero_images_with_every_rendition pays for it.
    """
    return ImageFactory(file=ContentFile(image_bytes(480, 300), name="demo-hero-00.jpg"))


def demo_articles():
    return Article.objects.filter(created_by__username="demo-content")


def snapshot() -> dict:
    return {
        "regions": list(Region.objects.values_list("pk", "slug", "description", "parent_id").order_by("pk")),
        "topics": list(Topic.objects.values_list("pk", "slug", "description").order_by("pk")),
        "authors": list(Author.objects.values_list("pk", "slug", "photo").order_by("pk")),
        "images": list(Image.objects.values_list("pk", "file").order_by("pk")),
        "renditions": Rendition.objects.count(),
        "articles": list(Article.objects.values_list("pk", "slug", "updated_at").order_by("pk")),
        "bylines": ArticleAuthor.objects.count(),
        "links": ReadMoreLink.objects.count(),
        "tags": TaggedItem.objects.count(),
    }


def test_seed_builds_regions_topics_and_authors(hero_pool):
    seed("--articles", "30")

    assert Region.objects.count() >= 8
    assert Region.objects.get(slug="tianjin").parent == Region.objects.get(slug="north-china")
    assert {"shanghai", "beijing", "guangzhou", "shenzhen", "chengdu", "hangzhou", "south-china"} <= set(
        Region.objects.values_list("slug", flat=True)
    )
    topics = list(Topic.objects.all())
    assert len(topics) >= 8
    assert all(topic.description for topic in topics)
    assert len({topic.ordering for topic in topics}) == len(topics)
    authors = list(Author.objects.all())
    assert len(authors) == 6
    assert all(author.bio and author.photo for author in authors)


def test_every_seeded_article_has_region_topic_bylines_image_and_tags(hero_pool):
    seed("--articles", "30")

    articles = list(
        Article.objects.select_related("region", "topic", "hero_image")
        .annotate(tag_count=Count("tagged_items", distinct=True))
        .prefetch_related("bylines", "hero_image__renditions")
    )
    assert len(articles) == 30 + EXTRA_ARTICLES
    for article in articles:
        assert article.region and article.topic
        orders = [byline.sort_order for byline in article.bylines.all()]
        assert orders in ([0], [0, 1])
        assert article.hero_image == hero_pool
        assert {(r.width, r.format) for r in article.hero_image.renditions.all()} == {(400, "webp"), (400, "jpeg")}
        assert 2 <= article.tag_count <= 4
        # Five to nine paragraphs, and two bodies in five end with one in Chinese.
        assert 5 <= article.body_html.count("<p>") <= 10
        assert "lorem" not in (article.title + article.body).lower()
    assert len({article.slug for article in articles}) == len(articles)
    assert len({article.title for article in articles}) == len(articles)


def test_seed_shows_every_publishing_state_and_fills_in_case_you_missed_it(hero_pool):
    seed("--articles", "30")

    now = timezone.now()
    assert Article.objects.published().count() == 30
    assert demo_articles().filter(status=Article.Status.PUBLISHED, published_at__gt=now).exists()
    assert demo_articles().filter(status=Article.Status.DRAFT).exists()
    assert demo_articles().filter(status=Article.Status.IN_REVIEW).exists()
    assert Article.objects.published().filter(featured=True).count() >= 2
    assert len(selectors.in_case_you_missed_it()) >= 2
    oldest = Article.objects.published().order_by("published_at").first().published_at
    assert oldest > now - timezone.timedelta(days=61)


def test_read_more_links_point_to_other_live_articles(hero_pool):
    seed("--articles", "30")

    links = list(ReadMoreLink.objects.all())
    assert links
    assert all(link.article_id != link.target_id for link in links)
    live_ids = set(Article.objects.published().values_list("pk", flat=True))
    assert {link.target_id for link in links} <= live_ids
    per_article = ReadMoreLink.objects.values("article").annotate(n=Count("id")).values_list("n", flat=True)
    assert max(per_article) <= 2
    assert demo_articles().filter(body__contains="\n[read more]\n").exists()


def test_second_run_changes_nothing_and_only_checks(hero_pool, django_assert_max_num_queries):
    seed("--articles", "30")
    before = snapshot()

    with django_assert_max_num_queries(15):
        out = seed("--articles", "30")

    assert snapshot() == before
    assert "already loaded" in out


def test_top_up_to_a_larger_count_yields_exactly_that_many_live_articles_with_rendered_bodies(hero_pool):
    seed("--articles", "30")

    out = seed("--articles", "75", "--batch-size", "20")

    assert Article.objects.published().count() == 75
    assert demo_articles().count() == 75 + EXTRA_ARTICLES
    assert "Created 45 articles" in out
    for article in Article.objects.all():
        blocks = render_body(article.body)
        assert article.body_blocks == blocks
        assert article.body_html == "\n".join(block["html"] for block in blocks if block["type"] == "html")
        assert article.body_html
    assert Article.objects.values("slug").distinct().count() == Article.objects.count()
    assert not ArticleAuthor.objects.values("article").annotate(n=Count("id")).filter(n=0).exists()


def test_a_demo_article_deleted_by_staff_is_replaced_once_and_extras_are_not_made_again(hero_pool):
    seed("--articles", "10")
    Article.objects.published().filter(created_by__username="demo-content").first().delete()

    seed("--articles", "10")
    out = seed("--articles", "10")

    assert Article.objects.published().count() == 10
    assert demo_articles().count() == 10 + EXTRA_ARTICLES
    assert "already loaded" in out


def test_seed_leaves_staff_content_and_existing_terms_alone(hero_pool):
    shanghai = RegionFactory(name="Shanghai", slug="shanghai", description="Written by our editors.")
    staff = ArticleFactory(region=shanghai, topic=TopicFactory(), title="Our own story", tags=["ours"])
    staff_before = Article.objects.filter(pk=staff.pk).values().get()

    seed("--articles", "30")

    shanghai.refresh_from_db()
    assert shanghai.description == "Written by our editors."
    assert Article.objects.filter(pk=staff.pk).values().get() == staff_before
    assert list(staff.tags.names()) == ["ours"]
    assert not ReadMoreLink.objects.filter(target=staff).exists()
    assert Article.objects.published().count() == 31


def test_seed_gives_a_staff_slug_clash_a_new_slug_and_keeps_the_staff_article(hero_pool):
    seed("--articles", "5")
    clashing = demo_articles().order_by("pk").first().slug
    demo_articles().delete()
    staff = ArticleFactory(slug=clashing, title="Staff got there first")

    seed("--articles", "5")

    staff.refresh_from_db()
    assert staff.slug == clashing and staff.title == "Staff got there first"
    clash = demo_articles().get(slug__startswith=clashing)
    assert clash.slug == f"{clashing}-{clash.region.slug}"


def test_same_seed_gives_the_same_magazine_and_another_seed_a_different_one(hero_pool):
    seed("--articles", "20", "--seed", "7")
    first = list(demo_articles().order_by("slug").values_list("slug", "standfirst", "region__slug", "featured"))
    demo_articles().delete()
    seed("--articles", "20", "--seed", "7")
    again = list(demo_articles().order_by("slug").values_list("slug", "standfirst", "region__slug", "featured"))
    demo_articles().delete()
    seed("--articles", "20", "--seed", "8")
    other = list(demo_articles().order_by("slug").values_list("slug", "standfirst", "region__slug", "featured"))

    assert first == again
    assert first != other


def test_seed_bumps_the_discovery_cache_versions(hero_pool):
    # The cache starts empty in every test, so each version starts at 1.
    seed("--articles", "5")

    assert cache_version("articles") > 1
    assert cache_version("taxonomy") > 1
    assert cache_version("region", Region.objects.get(slug="shanghai").pk) > 1
    assert cache_version("topic", Topic.objects.get(slug="news").pk) > 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--articles", "-1"], "--articles must be 0 or more"),
        (["--images", "0"], "--images must be at least 1"),
        (["--batch-size", "0"], "--batch-size must be at least 1"),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", *args, stdout=StringIO())
    assert not Article.objects.exists()


def test_seed_draws_hero_images_with_every_rendition():
    seed("--articles", "6", "--images", "2")

    images = list(Image.objects.prefetch_related("renditions").order_by("pk"))
    assert len(images) == 2
    for image in images:
        assert (image.width, image.height) == (1600, 1000)
        assert image.title and image.alt_text and image.caption and image.credit
        assert {(r.width, r.format) for r in image.renditions.all()} == {
            (w, f) for w in (400, 800, 1200) for f in ("webp", "jpeg")
        }
    first, second = (image.file.open("rb").read() for image in images)
    assert first != second
    assert set(Article.objects.values_list("hero_image", flat=True)) <= {image.pk for image in images}


@pytest.mark.django_db
def test_back_dated_demo_articles_were_last_edited_when_they_went_live(hero_pool):
    seed("--articles", "12")
    live = Article.objects.published()
    assert live.exists()
    assert not [a for a in live if a.was_updated or a.created_at != a.published_at]


def test_demo_articles_start_with_a_first_revision(hero_pool, monkeypatch):
    from articles.management.commands import seed_demo as command

    seed("--articles", "10")

    for article in demo_articles():
        (revision,) = article.history.all()
        assert revision.history_type == "+"
        assert revision.history_user.username == "demo-content"
        assert revision.history_change_reason == "Demo content loaded"
        assert (revision.title, revision.slug, revision.body) == (article.title, article.slug, article.body)

    # Benchmark-sized top-ups skip revisions: each would copy a whole article.
    monkeypatch.setattr(command, "REVISIONS_UP_TO", 5)
    seed("--articles", "20", "--batch-size", "10")
    assert demo_articles().exclude(pk__in=Article.history.values("id")).count() == 10


def test_the_demo_as_make_run_loads_it_has_most_read_full_and_slugs_without_numbers(hero_pool):
    seed()  # the default size, as `make run` loads it

    assert len(selectors.most_read()) == 5
    for region in Region.objects.filter(parent__isnull=True):
        if Article.objects.published().in_region(region).count() > 5:
            assert len(selectors.most_read(region=region)) == 5, region
    numbered = [slug for slug in Article.objects.values_list("slug", flat=True) if re.search(r"-\d+$", slug)]
    assert numbered == []
    assert Article.objects.values("slug").distinct().count() == Article.objects.count()
    assert all(a.reading_minutes >= 1 for a in demo_articles())


def test_page_views_are_added_once_a_week_and_real_views_are_kept(hero_pool):
    seed("--articles", "12")
    rows = ArticleViewDay.objects.count()
    assert rows

    seed("--articles", "12")
    assert ArticleViewDay.objects.count() == rows

    # A week later (no views in the window any more) the next run adds a fresh week.
    ArticleViewDay.objects.all().delete()
    old_day = timezone.localdate() - timezone.timedelta(days=8)
    real = ArticleViewDay.objects.create(article=demo_articles().published().first(), day=old_day, views=3)
    out = seed("--articles", "12")
    assert ArticleViewDay.objects.count() == rows + 1
    assert ArticleViewDay.objects.get(pk=real.pk).views == 3
    assert "page view days" in out


def test_a_repeated_title_is_told_apart_without_a_number(hero_pool):
    from articles.management.commands.seed_demo import _letters

    assert [_letters(n) for n in (1, 2, 26, 27, 28)] == ["a", "b", "z", "aa", "ab"]
    seed("--articles", "60")
    titles = list(demo_articles().values_list("title", flat=True))
    assert len(set(titles)) == len(titles)


def test_past_the_title_memory_repeated_titles_still_get_slugs_without_numbers(hero_pool, monkeypatch):
    from articles.management.commands import seed_demo as command

    monkeypatch.setattr(command, "TITLE_MEMORY", 0)  # as in a benchmark-sized load
    seed("--articles", "120", "--batch-size", "50")

    slugs = list(Article.objects.values_list("slug", flat=True))
    titles = list(demo_articles().values_list("title", flat=True))
    assert len(set(titles)) < len(titles)  # titles did repeat
    assert len(set(slugs)) == len(slugs)
    assert not [slug for slug in slugs if re.search(r"-\d+$", slug)]
