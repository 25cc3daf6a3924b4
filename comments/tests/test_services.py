import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from articles.models import Article
from articles.tests.factories import ArticleFactory, UserFactory
from comments import services, spam
from comments.models import Comment, CommentPolicy, KnownCommenter
from comments.selectors import comments_are_open
from comments.tests.conftest import set_policy
from comments.tests.factories import CommentFactory, reply_to
from magazine.cache import cache_version

pytestmark = pytest.mark.django_db
State = Comment.State


@pytest.fixture
def moderator():
    return UserFactory(groups=["Moderator"])


def _post(article, **kwargs):
    values = dict(
        article=article, parent=None, name="Reader", email="reader@example.com", body="Words", ip="198.51.100.1",
        form_timestamp=spam.form_timestamp(article_id=article.pk),
    )
    values.update(kwargs)
    return services.comment_post(**values)


def _count(article):
    return Article.objects.get(pk=article.pk).comment_count


APPROVED_BEFORE, CONFIRMED_ONLY = KnownCommenter.Reason.APPROVED, KnownCommenter.Reason.CONFIRMED


@pytest.mark.parametrize(
    ("mode", "known", "proven", "expected"),
    [
        (CommentPolicy.Mode.HOLD_ALL, None, False, State.PENDING),
        (CommentPolicy.Mode.HOLD_ALL, APPROVED_BEFORE, True, State.PENDING),
        (CommentPolicy.Mode.HOLD_FIRST, None, False, State.PENDING),
        (CommentPolicy.Mode.HOLD_FIRST, None, True, State.PENDING),
        (CommentPolicy.Mode.HOLD_FIRST, CONFIRMED_ONLY, True, State.PENDING),  # no moderator has approved one
        (CommentPolicy.Mode.HOLD_FIRST, APPROVED_BEFORE, False, State.PENDING),  # a known address, typed
        (CommentPolicy.Mode.HOLD_FIRST, APPROVED_BEFORE, True, State.APPROVED),
        (CommentPolicy.Mode.PUBLISH, None, False, State.APPROVED),
    ],
)
def test_policy_decides_whether_a_comment_is_held(policy, mode, known, proven, expected):
    set_policy(policy, mode=mode)
    if known:
        KnownCommenter.objects.create(email="reader@example.com", reason=known)
    article = ArticleFactory()
    result = _post(article, email="Reader@Example.com", address_proven=proven)
    assert result.comment.state == expected
    assert _count(article) == (1 if expected == State.APPROVED else 0)


def test_moderator_approval_makes_commenter_known(policy, moderator):
    set_policy(policy, mode=CommentPolicy.Mode.HOLD_FIRST)
    article = ArticleFactory()
    first = _post(article).comment
    services.comment_approve(comment=first, by=moderator)
    second = _post(article, body="Second thought", address_proven=True).comment
    assert second.state == State.APPROVED
    assert KnownCommenter.objects.get().reason == KnownCommenter.Reason.APPROVED


def test_moderator_approval_upgrades_a_confirmed_address_to_a_returning_commenter(policy, moderator):
    set_policy(policy, mode=CommentPolicy.Mode.HOLD_FIRST)
    first = _post(ArticleFactory()).comment
    services.comment_confirm(comment=first)
    assert KnownCommenter.objects.get().reason == KnownCommenter.Reason.CONFIRMED
    services.comment_approve(comment=first, by=moderator)
    assert KnownCommenter.objects.get().reason == KnownCommenter.Reason.APPROVED


def test_comments_published_without_a_moderator_make_nobody_a_returning_commenter(policy):
    set_policy(policy, mode=CommentPolicy.Mode.PUBLISH)
    article = ArticleFactory()
    assert _post(article).comment.state == State.APPROVED
    set_policy(policy, mode=CommentPolicy.Mode.HOLD_FIRST)
    assert _post(article, body="Now held", address_proven=True).comment.state == State.PENDING
    assert not KnownCommenter.objects.exists()


def test_spam_comment_gets_no_email(policy, django_capture_on_commit_callbacks):
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        result = _post(article, honeypot="filled")
    assert result.comment.state == State.SPAM
    assert mail.outbox == []


def test_counts_follow_approve_spam_remove_restore_and_delete(moderator):
    article = ArticleFactory()
    a, b, c = CommentFactory.create_batch(3, article=article, pending=True)
    report = services.comments_moderate(comments=[a, b, c], action=services.APPROVE, by=moderator)
    assert (report.changed, report.unchanged) == (3, 0)
    assert _count(article) == 3
    services.comment_mark_spam(comment=a, by=moderator)
    assert _count(article) == 2
    services.comment_remove(comment=b, by=moderator)
    assert _count(article) == 1
    services.comment_restore(comment=a, by=moderator)
    services.comment_restore(comment=b, by=moderator)
    assert _count(article) == 3
    services.comment_delete_by_author(comment=Comment.objects.get(pk=c.pk))
    assert _count(article) == 2
    services.comments_delete(comments=[Comment.objects.get(pk=a.pk)], by=UserFactory(is_superuser=True))
    assert _count(article) == 1


def test_bulk_moderation_recounts_each_touched_article_in_one_update(moderator, django_assert_num_queries):
    first, second = ArticleFactory.create_batch(2)
    comments = [*CommentFactory.create_batch(3, article=first, pending=True),
                *CommentFactory.create_batch(2, article=second, pending=True)]
    ids = [c.pk for c in comments]
    services.can_moderate(moderator)  # the permission lookup is cached on the user from here on
    # savepoint, lock the rows, one state UPDATE, ONE count UPDATE for both articles,
    # one known-commenter INSERT, release
    with django_assert_num_queries(6):
        services.comments_moderate(comments=Comment.objects.filter(pk__in=ids), action=services.APPROVE, by=moderator)
    assert (_count(first), _count(second)) == (3, 2)


def test_moderation_reports_comments_already_in_that_state(moderator):
    approved = CommentFactory()
    pending = CommentFactory(pending=True)
    report = services.comments_moderate(comments=[approved, pending], action=services.APPROVE, by=moderator)
    assert (report.changed, report.unchanged) == (1, 1)


def test_restore_leaves_pending_comments_alone(moderator):
    pending = CommentFactory(pending=True)
    report = services.comment_restore(comment=pending, by=moderator)
    assert report.changed == 0
    pending.refresh_from_db()
    assert pending.state == State.PENDING


def test_only_moderators_may_moderate():
    writer = UserFactory(groups=["Writer"])
    with pytest.raises(PermissionDenied):
        services.comment_approve(comment=CommentFactory(pending=True), by=writer)


def test_moderation_bumps_the_article_cache_version(moderator, django_capture_on_commit_callbacks):
    comment = CommentFactory(pending=True)
    before = cache_version("article", comment.article_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_approve(comment=comment, by=moderator)
    assert cache_version("article", comment.article_id) == before + 1


def test_author_deleting_comment_with_replies_leaves_empty_placeholder():
    parent = CommentFactory(name="Gone", email="gone@example.com", body="secret")
    child = reply_to(parent)
    services.comment_delete_by_author(comment=parent)
    parent.refresh_from_db()
    assert (parent.name, parent.email, parent.body, parent.ip) == ("", "", "", None)
    assert parent.state == State.REMOVED and parent.removed_by_author
    assert Comment.objects.filter(pk=child.pk).exists()
    assert _count(parent.article) == 1


def test_approved_reply_mails_parent_author_once_with_unsubscribe(moderator, django_capture_on_commit_callbacks):
    parent = CommentFactory(email="asker@example.com", notify_replies=True, confirmed_at=timezone.now())
    reply = reply_to(parent, pending=True, email="answer@example.com", name="Answerer")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_approve(comment=reply, by=moderator)
    assert [m.to for m in mail.outbox] == [["asker@example.com"]]
    message = mail.outbox[0]
    assert "Answerer replied" in message.subject
    assert "/comments/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://testserver/comments/unsubscribe/")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_remove(comment=reply, by=moderator)
        services.comment_restore(comment=reply, by=moderator)
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("parent_kwargs", "reply_email"),
    [
        ({"notify_replies": False, "confirmed_at": timezone.now()}, "answer@example.com"),
        ({"notify_replies": True, "confirmed_at": None}, "answer@example.com"),  # address never proven
        ({"notify_replies": True, "confirmed_at": timezone.now()}, "asker@example.com"),  # own reply
    ],
)
def test_reply_mail_is_not_sent_when_not_wanted(moderator, parent_kwargs, reply_email, django_capture_on_commit_callbacks):
    parent = CommentFactory(email="asker@example.com", **parent_kwargs)
    reply = reply_to(parent, pending=True, email=reply_email)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_approve(comment=reply, by=moderator)
    assert mail.outbox == []


def test_comments_close_after_the_configured_days(policy, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 14
    fresh = ArticleFactory(published_at=timezone.now() - timezone.timedelta(days=3))
    old = ArticleFactory(published_at=timezone.now() - timezone.timedelta(days=15))
    assert comments_are_open(article=fresh)
    assert not comments_are_open(article=old)
    set_policy(policy, close_after_days=0)  # the policy overrides the setting: never close
    assert comments_are_open(article=old)


def test_site_wide_switch_closes_every_article(policy):
    article = ArticleFactory()
    set_policy(policy, enabled=False)
    assert not comments_are_open(article=article)
    with pytest.raises(spam.Refused):
        _post(article)


def test_reply_to_a_hidden_comment_is_refused():
    parent = CommentFactory(spam=True)
    with pytest.raises(spam.Refused):
        _post(parent.article, parent=parent)


def test_flag_on_hidden_comment_is_refused():
    with pytest.raises(spam.Refused):
        services.comment_flag(
            comment=CommentFactory(removed=True), fingerprint="f", ip="198.51.100.1", reason="spam"
        )


def test_moderation_digest_mails_the_chosen_staff(policy, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    chief = UserFactory(email="chief@example.com")
    policy.digest_recipients.add(chief)
    CommentFactory(pending=True, body="Waiting here")
    for _ in range(2):  # cron may run it twice: one digest a day
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_moderation_digest", stdout=open("/dev/null", "w"))
    assert [m.to for m in mail.outbox] == [["chief@example.com"]]
    assert "1 comment awaiting moderation" in mail.outbox[0].subject
    assert "Waiting here" in mail.outbox[0].body


def test_moderation_digest_sends_nothing_when_queue_is_empty(policy, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    policy.digest_recipients.add(UserFactory(email="chief@example.com"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_moderation_digest", stdout=open("/dev/null", "w"))
    assert mail.outbox == []
