"""The Writer / Editor permission matrix, exercised through the real admin.

Every cell logs a user of one role in with the test client, does one thing the way a browser
would (GET or POST to the admin) and then reads the database to see whether it happened. A
refusal must be a clear one (403, or the form again with a message), never a 500 and never a
silent save.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from articles import permissions
from articles.models import Article
from articles.tests.admin_helpers import (
    ADMIN_PASSWORD,
    action_post_data,
    add_url,
    article_post_data,
    change_url,
    changelist_url,
    delete_url,
)
from articles.tests.factories import ArticleFactory, AuthorFactory, RegionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["writer", "editor", "superuser", "no_group"]


def make_user(role: str):
    if role == "writer":
        return UserFactory(username="matrix-writer", groups=["Writer"])
    if role == "editor":
        return UserFactory(username="matrix-editor", groups=["Editor"])
    if role == "superuser":
        return UserFactory(username="matrix-admin", is_superuser=True)
    return UserFactory(username="matrix-staff")  # staff, no group: no admin access at all


@pytest.fixture
def world():
    """A region, topic and author to write with, and a second writer whose articles are 'others'."""
    return {
        "region": RegionFactory(name="Shanghai", slug="shanghai"),
        "topic": TopicFactory(name="News", slug="news"),
        "author": AuthorFactory(name="Li Wei", slug="li-wei"),
        "other": UserFactory(username="other-writer", groups=["Writer"]),
    }


def article_by(user, world, *, published=False, **extra):
    traits = {} if published else {"draft": True}
    return ArticleFactory(
        created_by=user, region=world["region"], topic=world["topic"], authors=[world["author"]], **traits, **extra
    )


# Each action does one thing as ``actor`` and answers (response, did_it_happen).


def view_changelist(client, actor, world):
    article_by(world["other"], world, title="Listed story")
    response = client.get(changelist_url())
    return response, response.status_code == 200 and b"Listed story" in response.content


def add_article(client, actor, world):
    data = article_post_data(
        title="A new story", slug="a-new-story", standfirst="Short.", body="Text.",
        region=world["region"], topic=world["topic"], authors=[world["author"]],
    )
    response = client.post(add_url(), data)
    created = Article.objects.filter(slug="a-new-story").first()
    return response, created is not None and created.created_by_id == actor.pk


def change_own_draft(client, actor, world):
    article = article_by(actor, world)
    response = client.post(change_url(article), article_post_data(article, title="Retitled draft"))
    return response, Article.objects.get(pk=article.pk).title == "Retitled draft"


def change_others_draft(client, actor, world):
    article = article_by(world["other"], world)
    response = client.post(change_url(article), article_post_data(article, title="Retitled by someone else"))
    return response, Article.objects.get(pk=article.pk).title == "Retitled by someone else"


def change_own_published(client, actor, world):
    article = article_by(actor, world, published=True)
    response = client.post(change_url(article), article_post_data(article, title="Retitled live story"))
    return response, Article.objects.get(pk=article.pk).title == "Retitled live story"


def publish_via_form(client, actor, world):
    article = article_by(actor, world)
    response = client.post(change_url(article), article_post_data(article, status=Article.Status.PUBLISHED))
    return response, Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED


def publish_via_action(client, actor, world):
    article = article_by(actor, world)
    response = client.post(changelist_url(), action_post_data("publish_selected", article))
    return response, Article.objects.get(pk=article.pk).is_live


def unpublish(client, actor, world):
    article = article_by(actor, world, published=True)
    response = client.post(changelist_url(), action_post_data("unpublish_selected", article))
    return response, Article.objects.get(pk=article.pk).status != Article.Status.PUBLISHED


def feature(client, actor, world):
    article = article_by(actor, world, published=True)
    response = client.post(changelist_url(), action_post_data("feature_selected", article))
    return response, Article.objects.get(pk=article.pk).featured


def delete_own(client, actor, world):
    article = article_by(actor, world)
    response = client.post(delete_url(article), {"post": "yes"})
    return response, not Article.objects.filter(pk=article.pk).exists()


def delete_others(client, actor, world):
    article = article_by(world["other"], world)
    response = client.post(delete_url(article), {"post": "yes"})
    return response, not Article.objects.filter(pk=article.pk).exists()


ACTIONS = {
    "view changelist": view_changelist,
    "add": add_article,
    "change own draft": change_own_draft,
    "change other's draft": change_others_draft,
    "change own published": change_own_published,
    "publish via form": publish_via_form,
    "publish via action": publish_via_action,
    "unpublish": unpublish,
    "feature": feature,
    "delete own": delete_own,
    "delete other's": delete_others,
}

WRITER_MAY = {"view changelist", "add", "change own draft", "delete own"}
ALLOWED = {
    "writer": WRITER_MAY,
    "editor": set(ACTIONS),
    "superuser": set(ACTIONS),
    "no_group": set(),
}

# How each refusal looks to the user: a 403 page, the form again with an error, or a
# redirect back to the changelist with a message. Never a 500.
WRITER_REFUSALS = {
    "change other's draft": 403,
    "change own published": 403,
    "publish via form": 200,
    "publish via action": 302,
    "unpublish": 302,
    "feature": 302,
    "delete other's": 403,
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, world, role, action):
    actor = make_user(role)
    client.login(username=actor.username, password=ADMIN_PASSWORD)

    response, happened = ACTIONS[action](client, actor, world)

    expected = action in ALLOWED[role]
    assert happened is expected, f"{role} / {action}: expected {'allowed' if expected else 'refused'}"
    assert response.status_code < 500
    if expected:
        assert response.status_code in {200, 302}
    elif role == "no_group":
        assert response.status_code == 403
    else:
        assert response.status_code == WRITER_REFUSALS[action]


def test_writer_publishing_through_a_forged_form_sees_why_and_keeps_what_they_typed(client, world):
    writer = make_user("writer")
    article = article_by(writer, world)
    client.login(username=writer.username, password=ADMIN_PASSWORD)

    response = client.post(
        change_url(article),
        article_post_data(article, title="My typed headline", status=Article.Status.PUBLISHED),
    )

    assert response.status_code == 200
    assert "Only editors can publish articles." in response.content.decode()
    assert 'value="My typed headline"' in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.title != "My typed headline"


def test_writer_status_menu_does_not_offer_published(client, world):
    writer = make_user("writer")
    client.login(username=writer.username, password=ADMIN_PASSWORD)

    html = client.get(add_url()).content.decode()

    assert 'value="draft"' in html and 'value="review"' in html
    assert 'value="published"' not in html


def test_editor_status_menu_offers_published(client, world):
    editor = make_user("editor")
    client.login(username=editor.username, password=ADMIN_PASSWORD)

    assert 'value="published"' in client.get(add_url()).content.decode()


def test_writer_sees_anothers_article_read_only(client, world):
    writer = make_user("writer")
    article = article_by(world["other"], world, title="Someone else's draft")
    client.login(username=writer.username, password=ADMIN_PASSWORD)

    response = client.get(change_url(article))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else&#x27;s draft" in html or "Someone else's draft" in html
    assert 'name="_save"' not in html
    assert 'name="title"' not in html


def test_writer_cannot_feature_or_schedule_by_posting_hidden_fields(client, world):
    from datetime import timedelta

    from django.utils import timezone

    writer = make_user("writer")
    article = article_by(writer, world)
    client.login(username=writer.username, password=ADMIN_PASSWORD)

    response = client.post(
        change_url(article),
        article_post_data(article, featured=True, published_at=timezone.now() + timedelta(days=3), title="Still mine"),
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Still mine"
    assert article.featured is False
    assert article.published_at is None


def test_writer_action_skips_others_articles_and_says_how_many(client, world):
    writer = make_user("writer")
    mine = article_by(writer, world)
    theirs = [article_by(world["other"], world), article_by(world["other"], world)]
    client.login(username=writer.username, password=ADMIN_PASSWORD)

    response = client.post(changelist_url(), action_post_data("submit_for_review", mine, *theirs), follow=True)

    text = response.content.decode()
    assert "1 article submitted for review." in text
    assert "2 articles skipped: you may not change them." in text
    assert Article.objects.get(pk=mine.pk).status == Article.Status.IN_REVIEW
    assert {a.status for a in Article.objects.filter(pk__in=[t.pk for t in theirs])} == {Article.Status.DRAFT}


def test_writer_is_not_offered_the_editors_actions(client, world):
    writer = make_user("writer")
    article_by(writer, world)
    client.login(username=writer.username, password=ADMIN_PASSWORD)

    html = client.get(changelist_url()).content.decode()

    assert "submit_for_review" in html
    for action in ["publish_selected", "unpublish_selected", "feature_selected"]:
        assert action not in html


def test_staff_without_a_group_sees_no_articles_in_the_admin(client, world):
    staff = make_user("no_group")
    client.login(username=staff.username, password=ADMIN_PASSWORD)

    index = client.get("/admin/")

    assert index.status_code == 200
    assert changelist_url() not in index.content.decode()
    assert client.get(add_url()).status_code == 403


def test_groups_come_from_the_data_migration_with_publish_only_for_editors():
    writer = Group.objects.get(name="Writer")
    editor = Group.objects.get(name="Editor")

    assert not writer.permissions.filter(codename="publish_article").exists()
    assert editor.permissions.filter(codename="publish_article").exists()


def test_inactive_editor_may_do_nothing(world):
    editor = make_user("editor")
    editor.is_active = False
    editor.save()
    article = article_by(editor, world)

    assert not permissions.can_publish(editor)
    assert not permissions.can_edit_article(editor, article)
    assert not permissions.can_delete_article(editor, article)


def test_writer_may_not_replace_a_picture_that_a_published_article_shows(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from articles.tests.factories import ImageFactory, image_bytes

    writer = make_user("writer")
    used = ImageFactory(title="Front page picture")
    ArticleFactory(hero_image=used, created_by=world["other"])  # live, someone else's
    own = ImageFactory(title="My own picture")
    article_by(writer, world, hero_image=own)  # the writer's own draft
    client.login(username=writer.username, password=ADMIN_PASSWORD)

    def replace(image):
        return client.post(
            reverse("admin:articles_image_change", args=[image.pk]),
            {
                "title": "Replaced", "alt_text": "New", "caption": "", "credit": "",
                "file": SimpleUploadedFile("new.jpg", image_bytes(500, 500), content_type="image/jpeg"),
                "renditions-TOTAL_FORMS": "0", "renditions-INITIAL_FORMS": "0",
            },
        )

    assert replace(used).status_code == 403
    assert replace(own).status_code == 302
    used.refresh_from_db()
    own.refresh_from_db()
    assert used.title == "Front page picture"
    assert own.title == "Replaced" and own.width == 500


def test_writer_may_not_change_a_picture_shown_inside_a_published_story(world):
    from articles import services
    from articles.tests.factories import ImageFactory

    writer = make_user("writer")
    inline, in_gallery, nearby = ImageFactory(), ImageFactory(), ImageFactory()
    ArticleFactory(body=f"Opening.\n\n[image {inline.pk}]\n\n[gallery {nearby.pk} {in_gallery.pk}]", created_by=world["other"])
    free = ImageFactory(title="Not used yet")

    for picture in (inline, in_gallery, nearby):
        assert not permissions.can_change_image(writer, picture)
        picture.title = "Changed"
        with pytest.raises(PermissionDenied, match="ask an editor"):
            services.image_save(image=picture, by=writer)
    assert permissions.can_change_image(writer, free)
    assert permissions.can_change_image(make_user("editor"), inline)


def test_image_save_service_refuses_a_writer_with_a_message(world):
    from articles import services
    from articles.tests.factories import ImageFactory

    writer = make_user("writer")
    picture = ImageFactory()
    ArticleFactory(hero_image=picture)
    picture.title = "Changed"

    with pytest.raises(PermissionDenied, match="ask an editor"):
        services.image_save(image=picture, by=writer)
