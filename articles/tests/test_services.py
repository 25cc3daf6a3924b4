"""Article write services: who may do what, and which cached pages each write refreshes."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from articles import services
from articles.models import Article
from articles.tests.factories import ArticleFactory, RegionFactory, TopicFactory, UserFactory
from magazine.cache import cache_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer():
    return UserFactory(username="svc-writer", groups=["Writer"])


@pytest.fixture
def other_writer():
    return UserFactory(username="svc-other", groups=["Writer"])


@pytest.fixture
def editor():
    return UserFactory(username="svc-editor", groups=["Editor"])


def test_services_take_keyword_arguments_only(writer):
    article = ArticleFactory(draft=True, created_by=writer)

    with pytest.raises(TypeError):
        services.article_save(article, writer)  # positional arguments are refused: keyword-only


def test_writer_saves_own_draft_and_becomes_its_creator(writer):
    article = ArticleFactory.build(
        draft=True, region=RegionFactory(), topic=TopicFactory(), created_by=None, title="Fresh"
    )

    services.article_save(article=article, by=writer)

    assert Article.objects.get(pk=article.pk).created_by == writer


def test_writer_editing_without_previous_is_checked_against_the_stored_article(writer):
    """Leaving ``previous`` out must not let a writer reopen their published article."""
    article = ArticleFactory(created_by=writer)  # published
    article.status = Article.Status.DRAFT
    article.title = "Quietly rewritten"

    with pytest.raises(PermissionDenied, match="only an editor can change it now"):
        services.article_save(article=article, by=writer)

    stored = Article.objects.get(pk=article.pk)
    assert stored.status == Article.Status.PUBLISHED and stored.title != "Quietly rewritten"


def test_passing_the_edited_article_as_previous_does_not_skip_the_check(writer, other_writer):
    article = ArticleFactory(draft=True, created_by=other_writer)
    article.created_by = writer  # claim it, then pretend that is how it was stored

    with pytest.raises(PermissionDenied):
        services.article_save(article=article, by=writer, previous=article)


def test_writer_cannot_publish_through_the_service(writer):
    article = ArticleFactory(draft=True, created_by=writer)
    article.status = Article.Status.PUBLISHED

    with pytest.raises(PermissionDenied, match="Only editors can publish articles"):
        services.article_save(article=article, by=writer)

    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_writer_cannot_hand_own_article_to_someone_else(writer, other_writer):
    article = ArticleFactory(draft=True, created_by=writer)
    article.created_by = other_writer

    with pytest.raises(PermissionDenied, match="Only editors can change who created an article"):
        services.article_save(article=article, by=writer)


def test_writer_cannot_create_an_article_in_someone_elses_name(writer, other_writer):
    article = ArticleFactory.build(draft=True, region=RegionFactory(), topic=TopicFactory(), created_by=other_writer)

    with pytest.raises(PermissionDenied, match="someone else"):
        services.article_save(article=article, by=writer)


def test_writer_cannot_feature_or_schedule(writer):
    article = ArticleFactory(draft=True, created_by=writer)
    article.featured = True
    with pytest.raises(PermissionDenied, match="Only editors can feature"):
        services.article_save(article=article, by=writer)

    article = ArticleFactory(draft=True, created_by=writer)
    article.published_at = timezone.now() + timedelta(days=1)
    with pytest.raises(PermissionDenied, match="publishing time"):
        services.article_save(article=article, by=writer)


def test_writer_cannot_edit_another_writers_draft(writer, other_writer):
    article = ArticleFactory(draft=True, created_by=other_writer)
    article.title = "Mine now"

    with pytest.raises(PermissionDenied, match="only edit your own articles"):
        services.article_save(article=article, by=writer)


def test_editor_may_change_everything(editor, writer, other_writer):
    article = ArticleFactory(draft=True, created_by=writer)
    article.status = Article.Status.PUBLISHED
    article.featured = True
    article.created_by = other_writer

    services.article_save(article=article, by=editor)

    stored = Article.objects.get(pk=article.pk)
    assert stored.is_live and stored.featured and stored.created_by == other_writer


def test_moving_an_article_bumps_old_and_new_region_and_topic(editor, django_capture_on_commit_callbacks):
    old_region, new_region = RegionFactory(), RegionFactory()
    old_topic, new_topic = TopicFactory(), TopicFactory()
    article = ArticleFactory(region=old_region, topic=old_topic, created_by=editor)
    keys = [("region", old_region.pk), ("region", new_region.pk), ("topic", old_topic.pk), ("topic", new_topic.pk)]
    before = [cache_version(*key) for key in keys]

    article.region = new_region
    article.topic = new_topic
    with django_capture_on_commit_callbacks(execute=True):
        services.article_save(article=article, by=editor)  # no previous: the service reads it

    assert [cache_version(*key) for key in keys] == [v + 1 for v in before]


def test_saving_an_article_bumps_the_parent_region_too(editor, django_capture_on_commit_callbacks):
    north = RegionFactory(name="North China", slug="north-china")
    tianjin = RegionFactory(name="Tianjin", slug="tianjin", parent=north)
    article = ArticleFactory(region=tianjin, created_by=editor)
    before = cache_version("region", north.pk)

    article.title = "Renamed"
    with django_capture_on_commit_callbacks(execute=True):
        services.article_save(article=article, by=editor)

    assert cache_version("region", north.pk) == before + 1


def test_editor_schedules_with_a_future_time(editor):
    article = ArticleFactory(draft=True, created_by=editor)
    later = timezone.now() + timedelta(days=2)

    services.article_publish(article=article, by=editor, at=later)

    stored = Article.objects.get(pk=article.pk)
    assert stored.is_scheduled
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_publishing_a_live_article_again_keeps_its_time(editor):
    article = ArticleFactory(created_by=editor)
    first = article.published_at

    services.article_publish(article=article, by=editor)

    assert Article.objects.get(pk=article.pk).published_at == first


@pytest.mark.parametrize(
    "call",
    [
        lambda a, u: services.article_publish(article=a, by=u),
        lambda a, u: services.article_unpublish(article=a, by=u),
        lambda a, u: services.article_set_featured(article=a, by=u, featured=True),
    ],
    ids=["publish", "unpublish", "feature"],
)
def test_writer_is_refused_editor_services_with_a_message(writer, call):
    article = ArticleFactory(created_by=writer)

    with pytest.raises(PermissionDenied, match="Only editors can"):
        call(article, writer)


def test_submit_for_review_moves_only_drafts(writer):
    draft = ArticleFactory(draft=True, created_by=writer)

    services.article_submit_for_review(article=draft, by=writer)

    assert Article.objects.get(pk=draft.pk).status == Article.Status.IN_REVIEW


def test_delete_refreshes_the_region_and_refuses_writers_on_others(
    editor, writer, other_writer, django_capture_on_commit_callbacks
):
    theirs = ArticleFactory(draft=True, created_by=other_writer)
    with pytest.raises(PermissionDenied):
        services.article_delete(article=theirs, by=writer)
    assert Article.objects.filter(pk=theirs.pk).exists()

    live = ArticleFactory(created_by=writer)
    before = cache_version("region", live.region_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_delete(article=live, by=editor)

    assert not Article.objects.filter(pk=live.pk).exists()
    assert cache_version("region", live.region_id) == before + 1
