"""The newsroom admin: forms end to end, bad input, actions and their messages, query counts."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ReadMoreLink
from articles.tests.admin_helpers import (
    ADMIN_PASSWORD,
    action_post_data,
    add_url,
    article_post_data,
    change_url,
    changelist_url,
)
from articles.tests.factories import (
    ArticleFactory,
    AuthorFactory,
    ImageFactory,
    RegionFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return UserFactory(username="desk-editor", groups=["Editor"])


@pytest.fixture
def editor_client(client, editor):
    client.login(username=editor.username, password=ADMIN_PASSWORD)
    return client


@pytest.fixture
def shanghai():
    return RegionFactory(name="Shanghai", slug="shanghai")


@pytest.fixture
def news():
    return TopicFactory(name="News", slug="news")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- The add form, end to end ---------------------------------------------------------------


def test_editor_publishes_through_the_add_form_and_readers_see_it_first(
    editor_client, shanghai, news, django_capture_on_commit_callbacks
):
    older = ArticleFactory(region=shanghai, topic=news, title="Older Shanghai story", slug="older-shanghai-story")
    ArticleFactory(region=shanghai, topic=news, title="Oldest Shanghai story", published_at=timezone.now() - timedelta(days=3))
    linked = ArticleFactory(region=shanghai, topic=news, title="Linked background piece")
    author_one = AuthorFactory(name="Wang Fang")
    author_two = AuthorFactory(name="Zhang Min")
    # Readers have already loaded the region's pages: the cached blocks must be refreshed.
    assert editor_client.get(older.get_absolute_url()).status_code == 200

    data = article_post_data(
        title="Metro line 19 opens",
        slug="metro-line-19-opens",
        standfirst="The new line links Pudong with the north.",
        body="The line opened at dawn.\n\n[read more]\n\nCommuters cheered.",
        region=shanghai,
        topic=news,
        tags="metro, transport",
        status=Article.Status.PUBLISHED,
        authors=[author_one, author_two],
        read_more=[linked],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(add_url(), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="metro-line-19-opens")
    assert article.is_live
    assert [b.author.name for b in article.bylines.all()] == ["Wang Fang", "Zhang Min"]
    assert sorted(article.tags.names()) == ["metro", "transport"]
    assert list(ReadMoreLink.objects.filter(article=article).values_list("target_id", flat=True)) == [linked.pk]

    region_page = editor_client.get(shanghai.get_absolute_url())
    assert region_page.status_code == 200
    assert list(region_page.context["articles"])[0] == article
    html = region_page.content.decode()
    assert html.index("Metro line 19 opens") < html.index("Older Shanghai story")

    other_page = editor_client.get(older.get_absolute_url())
    assert other_page.context["more_news"][0] == article
    more_news_html = other_page.content.decode().split('class="more-news"', 1)[1]
    assert "Metro line 19 opens" in more_news_html


def test_editor_schedules_an_article_that_readers_cannot_see_yet(
    editor_client, shanghai, news, django_capture_on_commit_callbacks
):
    later = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    data = article_post_data(
        title="Lantern festival guide", slug="lantern-festival-guide", standfirst="Where to go.", body="Text.",
        region=shanghai, topic=news, status=Article.Status.PUBLISHED, published_at=later,
        authors=[AuthorFactory()],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(add_url(), data).status_code == 302

    article = Article.objects.get(slug="lantern-festival-guide")
    assert article.is_scheduled and article.published_at == later
    changelist = editor_client.get(changelist_url()).content.decode()
    assert re.search(r"Lantern festival guide.*?Scheduled", changelist, re.S)
    editor_client.logout()
    assert editor_client.get(article.get_absolute_url()).status_code == 404
    assert "Lantern festival guide" not in editor_client.get(shanghai.get_absolute_url()).content.decode()


# --- Bad input keeps what was typed ----------------------------------------------------------


def post_new_article(client, **fields):
    values = {
        "title": "Typed headline stays",
        "slug": "typed-headline-stays",
        "standfirst": "Typed standfirst stays.",
        "body": "Typed body.",
        "authors": [AuthorFactory()],
    }
    values.update(fields)
    return client.post(add_url(), article_post_data(**values))


def test_duplicate_slug_is_refused_with_the_typed_values_kept(editor_client, shanghai, news):
    ArticleFactory(slug="typed-headline-stays")

    response = post_new_article(editor_client, region=shanghai, topic=news)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Article with this Slug already exists." in html
    assert 'value="Typed headline stays"' in html
    assert "Typed standfirst stays." in html
    assert Article.objects.count() == 1


def test_missing_region_is_refused_with_the_typed_values_kept(editor_client, news):
    response = post_new_article(editor_client, region="", topic=news)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["region"] == ["This field is required."]
    html = response.content.decode()
    assert "This field is required." in html
    assert 'value="Typed headline stays"' in html
    assert not Article.objects.exists()


def test_article_without_an_author_is_refused(editor_client, shanghai, news):
    response = post_new_article(editor_client, region=shanghai, topic=news, authors=[])

    assert response.status_code == 200
    html = response.content.decode()
    assert "Add at least one author to the byline." in html
    assert 'value="Typed headline stays"' in html
    assert not Article.objects.exists()


def test_removing_the_last_author_is_refused(editor_client, shanghai, news):
    article = ArticleFactory(region=shanghai, topic=news, authors=[AuthorFactory()], created_by=None)

    response = editor_client.post(change_url(article), article_post_data(article, authors=[], title="Edited title"))

    assert response.status_code == 200
    assert "Add at least one author to the byline." in response.content.decode()
    assert article.bylines.count() == 1


def test_read_more_link_to_itself_is_refused(editor_client, shanghai, news):
    article = ArticleFactory(region=shanghai, topic=news, authors=[AuthorFactory()])

    response = editor_client.post(change_url(article), article_post_data(article, read_more=[article]))

    assert response.status_code == 200
    assert "An article cannot recommend itself." in response.content.decode()


# --- Actions say what they did -----------------------------------------------------------------


def test_publish_action_reports_published_and_already_live_counts(editor_client, django_capture_on_commit_callbacks):
    drafts = ArticleFactory.create_batch(3, draft=True)
    live = ArticleFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(changelist_url(), action_post_data("publish_selected", *drafts, live), follow=True)

    assert messages_of(response) == ["3 articles published.", "1 article was already live."]
    assert all(a.is_live for a in Article.objects.filter(pk__in=[d.pk for d in drafts]))


def test_publish_now_brings_a_scheduled_article_forward(editor_client):
    scheduled = ArticleFactory(scheduled=True)

    response = editor_client.post(changelist_url(), action_post_data("publish_selected", scheduled), follow=True)

    assert messages_of(response) == ["1 article published."]
    assert Article.objects.get(pk=scheduled.pk).is_live


def test_unpublish_action_reports_counts_and_hides_the_articles(editor_client):
    live = ArticleFactory.create_batch(2)
    draft = ArticleFactory(draft=True)

    response = editor_client.post(changelist_url(), action_post_data("unpublish_selected", *live, draft), follow=True)

    assert messages_of(response) == ["2 articles unpublished.", "1 article was already unpublished."]
    assert not Article.objects.published().exists()


def test_feature_and_unfeature_actions_report_counts(editor_client):
    articles = ArticleFactory.create_batch(2)
    already = ArticleFactory(featured=True)

    response = editor_client.post(changelist_url(), action_post_data("feature_selected", *articles, already), follow=True)
    assert messages_of(response) == ["2 articles featured.", "1 article was already featured."]
    assert Article.objects.filter(featured=True).count() == 3

    response = editor_client.post(changelist_url(), action_post_data("unfeature_selected", already), follow=True)
    assert messages_of(response) == ["1 article no longer featured."]


def test_writer_forging_an_editor_action_changes_nothing(client):
    writer = UserFactory(username="forger", groups=["Writer"])
    draft = ArticleFactory(draft=True, created_by=writer)
    client.login(username=writer.username, password=ADMIN_PASSWORD)

    response = client.post(changelist_url(), action_post_data("publish_selected", draft), follow=True)

    assert response.status_code == 200
    assert "No action selected." in messages_of(response)
    assert Article.objects.get(pk=draft.pk).status == Article.Status.DRAFT


# --- Preview: staff see a draft as readers will ------------------------------------------------


def test_changelist_links_a_draft_to_its_preview_and_a_live_article_to_its_page(editor_client):
    draft = ArticleFactory(draft=True, title="Unfinished draft")
    live = ArticleFactory(title="Live story")

    html = editor_client.get(changelist_url()).content.decode()

    assert f'href="{reverse("articles:preview", args=[draft.pk])}"' in html
    assert f'href="{live.get_absolute_url()}"' in html


def test_view_on_site_of_a_draft_opens_the_preview_with_its_bar(client):
    writer = UserFactory(username="previewer", groups=["Writer"])
    draft = ArticleFactory(draft=True, created_by=writer, title="Draft to check", authors=[AuthorFactory()])
    client.login(username=writer.username, password=ADMIN_PASSWORD)

    form_html = client.get(change_url(draft)).content.decode()
    link = re.search(r'<a href="([^"]+)" class="viewsitelink"', form_html)
    assert link and link.group(1) == reverse("articles:preview", args=[draft.pk])

    response = client.get(link.group(1))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Draft to check" in html
    assert "readers cannot see it yet" in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_view_on_site_of_a_live_article_is_its_public_page(editor_client):
    live = ArticleFactory(authors=[AuthorFactory()])

    form_html = editor_client.get(change_url(live)).content.decode()

    assert f'<a href="{live.get_absolute_url()}" class="viewsitelink"' in form_html


def test_change_form_shows_a_preview_link(editor_client):
    draft = ArticleFactory(draft=True, authors=[AuthorFactory()])

    html = editor_client.get(change_url(draft)).content.decode()

    assert reverse("articles:preview", args=[draft.pk]) in html


# --- Every model in the admin; changelists in a fixed number of queries -----------------------


ADMIN_PAGES = [
    "admin:articles_article_changelist",
    "admin:articles_article_add",
    "admin:articles_region_changelist",
    "admin:articles_region_add",
    "admin:articles_topic_changelist",
    "admin:articles_topic_add",
    "admin:articles_author_changelist",
    "admin:articles_author_add",
    "admin:articles_image_changelist",
    "admin:articles_image_add",
    "admin:magazine_sitesettings_changelist",
    "admin:taggit_tag_changelist",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_every_admin_page_opens_for_a_superuser(client, name):
    admin = UserFactory(username="root", is_superuser=True)
    ArticleFactory(tags=["food"], authors=[AuthorFactory()], hero_image=ImageFactory())
    client.login(username=admin.username, password=ADMIN_PASSWORD)

    # Site settings, a single record, opens on its form.
    assert client.get(reverse(name), follow=True).status_code == 200


def test_every_change_page_opens_for_a_superuser(client):
    admin = UserFactory(username="root", is_superuser=True)
    article = ArticleFactory(tags=["food"], authors=[AuthorFactory()], hero_image=ImageFactory())
    client.login(username=admin.username, password=ADMIN_PASSWORD)

    for obj in [article, article.region, article.topic, article.bylines.get().author, article.hero_image]:
        url = reverse(f"admin:articles_{obj._meta.model_name}_change", args=[obj.pk])
        assert client.get(url).status_code == 200, url


def test_editor_can_create_and_change_site_settings_but_not_add_a_second_row(editor_client):
    from magazine.models import SiteSettings

    opened = editor_client.get(reverse("admin:magazine_sitesettings_changelist"))
    assert opened.url == reverse("admin:magazine_sitesettings_change", args=[1])
    response = editor_client.post(
        opened.url,
        {"wechat_account_id": "cityweekly", "wechat_follow_url": "", "newsletter_promo_title": "7 Days",
         "newsletter_promo_text": "Weekly."},
    )
    assert response.status_code == 302
    assert SiteSettings.load().wechat_account_id == "cityweekly"
    assert editor_client.get(reverse("admin:magazine_sitesettings_add")).status_code == 403


def test_staff_without_a_group_cannot_touch_site_settings(client):
    staff = UserFactory(username="plain-staff")
    client.login(username=staff.username, password=ADMIN_PASSWORD)

    assert client.get(reverse("admin:magazine_sitesettings_add")).status_code == 403
    assert client.get(reverse("admin:magazine_sitesettings_changelist")).status_code == 403


def make_articles(count: int):
    regions = [RegionFactory() for _ in range(3)]
    topics = [TopicFactory() for _ in range(3)]
    creator = UserFactory(username="bulk-writer", groups=["Writer"])
    authors = [AuthorFactory() for _ in range(3)]
    for index in range(count):
        ArticleFactory(
            region=regions[index % 3], topic=topics[index % 3], created_by=creator,
            authors=[authors[index % 3]], tags=["city"], draft=index % 4 == 0,
        )


# Session, user, permissions (2), the region and topic filters, counts (2), the site-settings
# check of the sidebar, the rows, the date hierarchy (2) and, for editors, the count of stories
# in review: thirteen, whatever the number of rows.
CHANGELIST_QUERIES = 13


@pytest.mark.parametrize("count", [10, 60])
def test_article_changelist_takes_the_same_number_of_queries_for_10_or_60(
    editor_client, count, django_assert_max_num_queries
):
    make_articles(count)

    with django_assert_max_num_queries(CHANGELIST_QUERIES):
        response = editor_client.get(changelist_url())

    assert response.status_code == 200
    assert response.context["cl"].result_count == count


@pytest.mark.parametrize("count", [10, 60])
def test_writer_article_changelist_is_bounded_too(client, count, django_assert_max_num_queries):
    make_articles(count)
    writer = UserFactory(username="list-writer", groups=["Writer"])
    client.login(username=writer.username, password=ADMIN_PASSWORD)

    with django_assert_max_num_queries(CHANGELIST_QUERIES):
        assert client.get(changelist_url()).status_code == 200


@pytest.mark.parametrize("model", ["image", "author", "region", "topic"])
@pytest.mark.parametrize("count", [5, 30])
def test_other_changelists_are_bounded(editor_client, model, count, django_assert_max_num_queries):
    for _ in range(count):
        image = ImageFactory()
        author = AuthorFactory(user=UserFactory())
        ArticleFactory(authors=[author], hero_image=image, region=RegionFactory(parent=RegionFactory()))

    with django_assert_max_num_queries(15):
        response = editor_client.get(reverse(f"admin:articles_{model}_changelist"))

    assert response.status_code == 200


def test_writer_group_has_no_region_or_topic_edit_rights(client):
    writer = UserFactory(username="tax-writer", groups=["Writer"])
    client.login(username=writer.username, password=ADMIN_PASSWORD)

    assert client.get(reverse("admin:articles_region_add")).status_code == 403
    assert Group.objects.get(name="Writer").permissions.filter(codename="change_region").exists() is False


def test_bulk_delete_by_an_editor_refreshes_the_region_pages(editor_client, shanghai, django_capture_on_commit_callbacks):
    from magazine.cache import cache_version

    doomed = ArticleFactory.create_batch(2, region=shanghai)
    before = cache_version("region", shanghai.pk)
    data = {**action_post_data("delete_selected", *doomed), "post": "yes"}

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(changelist_url(), data, follow=True)

    assert "Successfully deleted 2 articles." in messages_of(response)
    assert not Article.objects.filter(pk__in=[a.pk for a in doomed]).exists()
    assert cache_version("region", shanghai.pk) > before


def test_bulk_delete_by_a_writer_including_anothers_article_deletes_nothing(client):
    writer = UserFactory(username="bulk-deleter", groups=["Writer"])
    other = UserFactory(username="bulk-other", groups=["Writer"])
    mine = ArticleFactory(draft=True, created_by=writer)
    theirs = ArticleFactory(draft=True, created_by=other)
    client.login(username=writer.username, password=ADMIN_PASSWORD)

    confirm = client.post(changelist_url(), action_post_data("delete_selected", mine, theirs))
    assert "your account doesn't have permission to delete" in confirm.content.decode().replace("&#x27;", "'")

    response = client.post(changelist_url(), {**action_post_data("delete_selected", mine, theirs), "post": "yes"})

    assert response.status_code == 403
    assert Article.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2
