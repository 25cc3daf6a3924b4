import pytest
from django.contrib.auth.models import Group

from articles.models import Article
from articles.tests.factories import ArticleFactory, RegionFactory, UserFactory
from comments.models import Comment
from comments.tests.factories import CommentFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/comments/comment/"


@pytest.fixture
def moderator_client(client):
    user = UserFactory(username="mod", groups=["Moderator"])
    client.force_login(user)
    return client


def _action(client, action, comments, **params):
    return client.post(
        CHANGELIST + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""),
        {"action": action, "_selected_action": [c.pk for c in comments]},
        follow=True,
    )


@pytest.mark.parametrize(
    ("perm", "granted"),
    [
        ("comments.moderate_comment", True),
        ("comments.change_comment", True),
        ("comments.delete_comment", True),
        ("comments.add_blockedterm", True),
        ("comments.view_commentpolicy", True),
        ("comments.change_commentpolicy", False),
        ("articles.change_article", False),
        ("articles.add_article", False),
        ("articles.delete_article", False),
        ("articles.publish_article", False),
    ],
)
def test_moderator_group_may_moderate_comments_but_not_edit_articles(perm, granted):
    user = UserFactory(groups=["Moderator"])
    assert user.has_perm(perm) is granted


def test_editor_group_may_choose_the_comment_policy():
    assert UserFactory(groups=["Editor"]).has_perm("comments.change_commentpolicy")
    assert Group.objects.filter(name="Moderator").exists()


def test_moderator_cannot_open_article_change_form(moderator_client):
    article = ArticleFactory()
    response = moderator_client.get(f"/admin/articles/article/{article.pk}/change/")
    assert response.status_code == 200  # they may look at the article a comment is on
    assert 'name="_save"' not in response.content.decode()
    refused = moderator_client.post(f"/admin/articles/article/{article.pk}/change/", {"title": "Changed"})
    assert refused.status_code == 403
    article.refresh_from_db()
    assert article.title != "Changed"


def test_queue_shows_pending_count_and_state_counts(moderator_client):
    CommentFactory.create_batch(3, pending=True)
    CommentFactory(spam=True)
    html = moderator_client.get(CHANGELIST).content.decode()
    assert "<strong>3</strong> comments awaiting moderation" in html
    assert "Pending (3)" in html and "Spam (1)" in html


def test_bulk_actions_report_counts_and_change_site_counts(moderator_client):
    article = ArticleFactory()
    pending = CommentFactory.create_batch(3, article=article, pending=True)
    already = CommentFactory(article=article)
    response = _action(moderator_client, "approve_selected", [*pending, already])
    html = response.content.decode()
    assert "3 comments approved." in html
    assert "1 comment left as it was" in html
    assert Article.objects.get(pk=article.pk).comment_count == 4
    html = _action(moderator_client, "mark_spam_selected", pending[:2]).content.decode()
    assert "2 comments marked as spam." in html
    assert Article.objects.get(pk=article.pk).comment_count == 2
    _action(moderator_client, "remove_selected", [already])
    assert Article.objects.get(pk=article.pk).comment_count == 1
    html = _action(moderator_client, "restore_selected", [*pending[:2], already]).content.decode()
    assert "3 comments restored." in html
    assert Article.objects.get(pk=article.pk).comment_count == 4
    page = moderator_client.get(article.get_absolute_url()).content.decode()
    assert "4 User Comments" in page


def test_admin_delete_updates_the_count(admin_client):
    comment = CommentFactory()
    assert Article.objects.get(pk=comment.article_id).comment_count == 1
    admin_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [comment.pk], "post": "yes"}, follow=True
    )
    assert not Comment.objects.exists()
    assert Article.objects.get(pk=comment.article_id).comment_count == 0


def test_filters_by_state_region_article_and_flags(moderator_client):
    shanghai = RegionFactory(name="Shanghai", slug="shanghai")
    in_shanghai = CommentFactory(article=ArticleFactory(region=shanghai), body="shanghai words", pending=True)
    elsewhere = CommentFactory(body="elsewhere words", flag_count=2)
    html = moderator_client.get(CHANGELIST, {"state__exact": "pending"}).content.decode()
    assert "shanghai words" in html and "elsewhere words" not in html
    html = moderator_client.get(CHANGELIST, {"article__region__id__exact": shanghai.pk}).content.decode()
    assert "shanghai words" in html and "elsewhere words" not in html
    html = moderator_client.get(CHANGELIST, {"article__id__exact": elsewhere.article_id}).content.decode()
    assert "elsewhere words" in html and "shanghai words" not in html
    html = moderator_client.get(CHANGELIST, {"flagged": "yes"}).content.decode()
    assert "elsewhere words" in html and "shanghai words" not in html
    html = moderator_client.get(CHANGELIST, {"q": "shanghai"}).content.decode()
    assert "shanghai words" in html and in_shanghai.email in html


def test_flagged_comments_rise_in_the_queue(moderator_client):
    CommentFactory(body="quiet one", pending=True)
    CommentFactory(body="reported one", pending=True, flag_count=3)
    CommentFactory(body="newest quiet", pending=True)
    html = moderator_client.get(CHANGELIST, {"state__exact": "pending"}).content.decode()
    assert html.index("reported one") < html.index("newest quiet") < html.index("quiet one")


def test_queue_page_uses_a_fixed_number_of_queries(moderator_client, django_assert_max_num_queries):
    for article in ArticleFactory.create_batch(5):
        CommentFactory.create_batch(6, article=article, pending=True)
    with django_assert_max_num_queries(16):
        response = moderator_client.get(CHANGELIST)
    assert response.status_code == 200


def test_moderator_edit_rerenders_body(moderator_client):
    comment = CommentFactory(body="Call me on 555 0101")
    response = moderator_client.post(
        f"{CHANGELIST}{comment.pk}/change/", {"name": comment.name, "body": "Call me [number removed]"}, follow=True
    )
    assert response.status_code == 200
    comment.refresh_from_db()
    assert comment.body_html == "<p>Call me [number removed]</p>"


def test_policy_change_in_admin_applies_at_once(admin_client, django_capture_on_commit_callbacks):
    from comments.models import CommentPolicy

    CommentPolicy.load()  # cached
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/comments/commentpolicy/1/change/", {"enabled": "", "mode": "hold_all", "close_after_days": ""})
    assert CommentPolicy.load().enabled is False
