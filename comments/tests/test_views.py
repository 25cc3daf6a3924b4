import pytest
from django.core import mail

from articles.tests.factories import ArticleFactory, UserFactory
from comments.models import Comment, CommentFlag, CommentPolicy
from comments.tests.conftest import set_policy
from comments.tests.factories import CommentFactory, reply_to
from comments.tests.helpers import form_data, links_in_last_mail, post_url

pytestmark = pytest.mark.django_db


def test_article_page_shows_comment_form_and_approved_comments_only(client):
    article = ArticleFactory()
    CommentFactory(article=article, body="Visible words")
    CommentFactory(article=article, body="Held words", pending=True)
    CommentFactory(article=article, body="Spammy words", spam=True)
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="comment-form"' in html
    assert "Visible words" in html
    assert "Held words" not in html
    assert "Spammy words" not in html
    assert 'name="website"' in html  # the honeypot is in the form


def test_posting_holds_comment_tells_reader_and_mails_confirmation(client, policy, django_capture_on_commit_callbacks):
    set_policy(policy, mode=CommentPolicy.Mode.HOLD_FIRST)
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(post_url(article), form_data(article), follow=True)
    comment = Comment.objects.get()
    assert comment.state == Comment.State.PENDING
    html = response.content.decode()
    assert "awaits moderation" in html
    assert "Awaiting moderation" in html  # the reader sees their own held comment, marked
    assert "A fine piece about the new metro line." in html
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["li.wei@example.com"]
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    assert set(links_in_last_mail("li.wei@example.com")) == {"confirm", "delete"}


def test_held_comment_is_not_shown_to_other_readers(client, policy, django_capture_on_commit_callbacks):
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(post_url(article), form_data(article))
    other = client.__class__()
    assert "A fine piece about the new metro line." not in other.get(article.get_absolute_url()).content.decode()


def test_confirm_link_get_shows_button_and_post_confirms_but_first_timer_waits_for_moderator(
    client, policy, django_capture_on_commit_callbacks
):
    set_policy(policy, mode=CommentPolicy.Mode.HOLD_FIRST)
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(post_url(article), form_data(article))
    confirm = links_in_last_mail("li.wei@example.com")["confirm"]
    page = client.get(confirm)
    assert page.status_code == 200
    assert "Confirm my comment" in page.content.decode()
    comment = Comment.objects.get()
    assert comment.confirmed_at is None and comment.state == Comment.State.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(confirm)
    comment.refresh_from_db()
    article.refresh_from_db()
    assert done.status_code == 200
    assert comment.confirmed_at is not None
    assert comment.state == Comment.State.PENDING  # the moderator sees a first-timer's first comment
    assert article.comment_count == 0
    assert "awaits moderation" in done.content.decode()


def test_confirming_under_hold_all_keeps_comment_pending(client, policy, django_capture_on_commit_callbacks):
    set_policy(policy, mode=CommentPolicy.Mode.HOLD_ALL)
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(post_url(article), form_data(article))
    client.post(links_in_last_mail("li.wei@example.com")["confirm"])
    comment = Comment.objects.get()
    assert comment.confirmed_at is not None
    assert comment.state == Comment.State.PENDING


@pytest.mark.parametrize("token", ["garbage", "a:b:c", "x" * 300, "%00", "eyJjIjoxfQ:1tZ:abc"])
def test_bad_token_shows_page_that_explains(client, token):
    for kind in ("confirm", "delete", "unsubscribe"):
        response = client.get(f"/comments/{kind}/{token}/")
        assert response.status_code == 400, (kind, token)
        assert "This link is not valid" in response.content.decode()


def test_expired_confirm_link_says_it_expired(client, settings, policy, django_capture_on_commit_callbacks):
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(post_url(article), form_data(article))
    settings.COMMENTS_CONFIRM_MAX_AGE = -1
    response = client.get(links_in_last_mail("li.wei@example.com")["confirm"])
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()


def test_confirm_link_cannot_be_used_to_delete(client, policy, django_capture_on_commit_callbacks):
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(post_url(article), form_data(article))
    confirm = links_in_last_mail("li.wei@example.com")["confirm"]
    token = confirm.split("/")[-2]
    response = client.post(f"/comments/delete/{token}/")
    assert response.status_code == 400
    assert Comment.objects.count() == 1


def test_delete_link_removes_comment_and_updates_count(client, policy, django_capture_on_commit_callbacks):
    set_policy(policy, mode=CommentPolicy.Mode.PUBLISH)
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(post_url(article), form_data(article))
    article.refresh_from_db()
    assert article.comment_count == 1
    delete = links_in_last_mail("li.wei@example.com")["delete"]
    assert "Delete my comment" in client.get(delete).content.decode()
    assert Comment.objects.count() == 1  # GET changes nothing
    client.post(delete)
    article.refresh_from_db()
    assert Comment.objects.count() == 0
    assert article.comment_count == 0
    again = client.get(delete)
    assert again.status_code == 404
    assert "no longer exists" in again.content.decode()


def test_reply_link_opens_form_page_without_javascript_and_posts_a_reply(client, policy):
    set_policy(policy, mode=CommentPolicy.Mode.PUBLISH)
    parent = CommentFactory(name="Zhang San", body="Original thought")
    page = client.get(f"/comments/{parent.pk}/reply/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Reply to Zhang San" in html and "Original thought" in html
    assert f'name="parent" value="{parent.pk}"' in html
    response = client.post(post_url(parent.article), form_data(parent.article, parent=parent.pk, body="My answer"))
    assert response.status_code == 302
    answer = Comment.objects.get(body="My answer")
    assert answer.parent == parent and answer.root == parent and answer.depth == 1


def test_threads_nest_at_least_three_deep_on_the_page(client):
    top = CommentFactory(body="level zero")
    one = reply_to(top, body="level one")
    two = reply_to(one, body="level two")
    reply_to(two, body="level three")
    html = client.get(top.article.get_absolute_url()).content.decode()
    assert html.count('class="comment-replies') >= 3
    for word in ("zero", "one", "two", "three"):
        assert f"level {word}" in html


def test_reply_to_deepest_comment_joins_its_parent(client, settings, policy):
    settings.COMMENTS_MAX_DEPTH = 2
    set_policy(policy, mode=CommentPolicy.Mode.PUBLISH)
    top = CommentFactory()
    one = reply_to(top)
    two = reply_to(one)
    client.post(post_url(top.article), form_data(top.article, parent=two.pk, body="deeper"))
    deeper = Comment.objects.get(body="deeper")
    assert deeper.parent == one and deeper.depth == 2


def test_invalid_form_keeps_what_reader_typed_with_clear_message(client, policy):
    article = ArticleFactory()
    response = client.post(post_url(article), form_data(article, email="not-an-email", body="Keep me please"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Keep me please" in html
    assert "Enter a valid email address" in html
    assert Comment.objects.count() == 0


def test_too_long_body_is_refused_with_the_limit_and_the_text_kept(client, settings, policy):
    article = ArticleFactory()
    body = "words " * 20_000  # about 120 KB
    response = client.post(post_url(article), form_data(article, body=body))
    html = response.content.decode()
    assert response.status_code == 400
    assert f"the limit is {settings.COMMENTS_MAX_LENGTH:,}" in html
    assert "words words words" in html
    assert Comment.objects.count() == 0


def test_posting_to_closed_article_is_refused_with_text_kept(client, policy):
    article = ArticleFactory(comments_open=False)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Comments on this article are closed" in html
    assert 'id="comment-form"' not in html
    response = client.post(post_url(article), form_data(article, body="Too late?"))
    assert response.status_code == 400
    assert "closed" in response.content.decode() and "Too late?" in response.content.decode()


def test_posting_to_draft_article_is_not_found(client, policy):
    article = ArticleFactory(draft=True)
    assert client.post(post_url(article), form_data(article)).status_code == 404
    assert client.post("/comments/post/999999/", {}).status_code == 404


def test_get_on_post_url_is_not_allowed(client):
    article = ArticleFactory()
    assert client.get(post_url(article)).status_code == 405


REPORT = {"reason": "spam"}


def test_reader_can_flag_once_and_flags_raise_count(client):
    comment = CommentFactory()
    first = client.post(f"/comments/{comment.pk}/flag/", REPORT, follow=True)
    assert "Thanks, a moderator will look at it." in first.content.decode()
    second = client.post(f"/comments/{comment.pk}/flag/", REPORT, follow=True)
    assert "already reported" in second.content.decode()
    comment.refresh_from_db()
    assert comment.flag_count == 1
    assert CommentFlag.objects.count() == 1
    other_reader = client.__class__(HTTP_USER_AGENT="Another browser")
    other_reader.post(f"/comments/{comment.pk}/flag/", REPORT)
    comment.refresh_from_db()
    assert comment.flag_count == 2


def test_flags_are_rate_limited_per_address(client, settings):
    settings.COMMENTS_FLAG_RATE_LIMIT = (2, 3600)
    comments = CommentFactory.create_batch(3)
    for comment in comments:
        response = client.post(f"/comments/{comment.pk}/flag/", REPORT, follow=True)
    assert "many comments in a short time" in response.content.decode()
    assert CommentFlag.objects.count() == 2


def test_flag_get_only_shows_the_report_form(client):
    comment = CommentFactory()
    response = client.get(f"/comments/{comment.pk}/flag/")
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    assert not CommentFlag.objects.exists()


def test_flag_without_csrf_token_is_refused():
    from django.test import Client

    comment = CommentFactory()
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/comments/{comment.pk}/flag/", REPORT).status_code == 403
    comment.refresh_from_db()
    assert comment.flag_count == 0


def test_comment_pages_paginate_top_level_comments(client, settings):
    settings.COMMENTS_PER_PAGE = 3
    article = ArticleFactory()
    for n in range(7):
        CommentFactory(article=article, body=f"number-{n}-here")
    first = client.get(article.get_absolute_url()).content.decode()
    assert "number-0-here" in first and "number-3-here" not in first
    assert "Page 1 of 3" in first
    third = client.get(article.get_absolute_url() + "?comments_page=3").content.decode()
    assert "number-6-here" in third and "number-0-here" not in third
    odd = client.get(article.get_absolute_url() + "?comments_page=abc")
    assert odd.status_code == 200


def test_removed_comment_with_replies_stays_as_placeholder(client):
    top = CommentFactory(body="Rude remark", removed=True)
    reply_to(top, body="Polite answer")
    html = client.get(top.article.get_absolute_url()).content.decode()
    assert "Rude remark" not in html
    assert "removed by a moderator" in html
    assert "Polite answer" in html


def test_many_replies_collapse_behind_show_more(client, settings):
    settings.COMMENTS_REPLIES_SHOWN = 2
    top = CommentFactory()
    for _ in range(5):
        reply_to(top)
    html = client.get(top.article.get_absolute_url()).content.decode()
    assert "Show 3 more replies" in html


def test_unsubscribe_link_stops_reply_emails(client, policy, django_capture_on_commit_callbacks):
    moderator = UserFactory(groups=["Moderator"])
    set_policy(policy, mode=CommentPolicy.Mode.HOLD_ALL)
    parent = CommentFactory(email="asker@example.com", notify_replies=True)
    parent.confirmed_at = parent.created_at
    parent.save()
    from comments import services

    reply = reply_to(parent, pending=True, email="answerer@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_approve(comment=reply, by=moderator)
    links = links_in_last_mail("asker@example.com")
    assert "unsubscribe" in links
    assert "Stop reply emails" in client.get(links["unsubscribe"]).content.decode()
    client.post(links["unsubscribe"])
    parent.refresh_from_db()
    assert parent.notify_replies is False
