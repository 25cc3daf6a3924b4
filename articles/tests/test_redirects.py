"""Stable links: an article whose slug, region or date changes keeps its old addresses (301)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import services
from articles.models import ArticleRedirect
from articles.tests.admin_helpers import article_post_data, change_url
from articles.tests.factories import ArticleFactory, AuthorFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return UserFactory(username="desk-editor", groups=["Editor"])


@pytest.fixture
def article():
    return ArticleFactory(slug="the-bund-at-night", region=RegionFactory(slug="shanghai", name="Shanghai"), authors=[AuthorFactory()])


def save(article, editor, **changes):
    for name, value in changes.items():
        setattr(article, name, value)
    return services.article_save(article=article, by=editor)


def assert_moved(client, old_url, new_url):
    response = client.get(old_url)
    assert response.status_code == 301, old_url
    assert response["Location"] == new_url


def test_staff_renames_a_slug_in_the_admin_and_the_old_link_301s_to_the_new_one(client, editor, article):
    old_url = article.get_absolute_url()
    client.force_login(editor)
    response = client.post(change_url(article), article_post_data(article, slug="the-bund-after-dark"))
    assert response.status_code == 302
    article.refresh_from_db()
    new_url = article.get_absolute_url()
    assert new_url.endswith("/the-bund-after-dark/")
    client.logout()
    assert_moved(client, old_url, new_url)
    assert client.get(new_url).status_code == 200


def test_old_links_keep_their_query_string(client, editor, article):
    old_url = article.get_absolute_url()
    save(article, editor, slug="renamed")
    assert_moved(client, old_url + "?utm_source=wechat", article.get_absolute_url() + "?utm_source=wechat")


def test_region_and_date_changes_with_a_new_slug_keep_every_old_address(client, editor, article):
    first_url = article.get_absolute_url()
    beijing = RegionFactory(slug="beijing", name="Beijing")
    save(article, editor, region=beijing)
    second_url = article.get_absolute_url()
    save(article, editor, published_at=article.published_at - timedelta(days=40))
    third_url = article.get_absolute_url()
    save(article, editor, slug="a-new-name")
    current = article.get_absolute_url()
    assert len({first_url, second_url, third_url, current}) == 4
    for old in (first_url, second_url, third_url):
        assert_moved(client, old, current)  # straight to the current address: no chains
    assert client.get(current).status_code == 200


def test_publishing_a_scheduled_article_now_keeps_its_announced_address(client, editor):
    article = ArticleFactory(scheduled=True, slug="coming-soon")
    article.published_at = article.published_at + timedelta(days=3)
    article.save()
    announced = article.get_absolute_url()
    services.article_publish(article=article, by=editor, at=timezone.now())  # the admin's "publish now"
    assert article.get_absolute_url() != announced
    assert_moved(client, announced, article.get_absolute_url())


def test_an_article_going_back_to_an_old_slug_never_loops(client, editor, article):
    original = article.get_absolute_url()
    save(article, editor, slug="second-name")
    second = article.get_absolute_url()
    save(article, editor, slug="the-bund-at-night")
    assert article.get_absolute_url() == original
    assert not ArticleRedirect.objects.filter(old_path=original).exists()
    assert client.get(original).status_code == 200
    assert_moved(client, second, original)


def test_a_new_article_may_take_a_freed_address(client, editor, article):
    old_url = article.get_absolute_url()
    save(article, editor, slug="moved-on")
    newcomer = ArticleFactory(draft=True, slug="the-bund-at-night", region=article.region, authors=[AuthorFactory()])
    newcomer.published_at = article.published_at
    newcomer.status = "published"
    services.article_save(article=newcomer, by=editor)
    assert newcomer.get_absolute_url() == old_url
    assert not ArticleRedirect.objects.filter(old_path=old_url).exists()
    response = client.get(old_url)
    assert response.status_code == 200 and response.context["article"] == newcomer


def test_a_hand_typed_date_with_an_old_slug_still_finds_the_article(client, editor, article):
    old_url = article.get_absolute_url()
    save(article, editor, slug="renamed-again")
    typo = old_url.replace(f"/{article.published_at.year}/", f"/{article.published_at.year - 1}/")
    assert_moved(client, typo, article.get_absolute_url())


def test_old_links_of_an_unpublished_article_are_not_found(client, editor, article):
    old_url = article.get_absolute_url()
    save(article, editor, slug="gone-quiet")
    services.article_unpublish(article=article, by=editor)
    assert client.get(old_url).status_code == 404


def test_drafts_renamed_before_publishing_leave_no_redirects(editor):
    draft = ArticleFactory(draft=True, slug="working-title")
    save(draft, editor, slug="final-title")
    assert not ArticleRedirect.objects.exists()


def test_unknown_addresses_are_still_a_404(client, article):
    url = article.get_absolute_url().replace("the-bund-at-night", "never-existed")
    assert client.get(url).status_code == 404


def test_superusers_see_old_addresses_in_the_admin(client, editor, article):
    old_url = article.get_absolute_url()
    save(article, editor, slug="listed-in-the-admin")
    client.force_login(UserFactory(is_superuser=True))
    html = client.get("/admin/articles/articleredirect/").content.decode()
    assert old_url in html
