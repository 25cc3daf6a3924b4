"""Reporting a comment: the reader says why, is thanked, and moderators see the reason."""

import pytest

from articles.tests.factories import UserFactory
from comments import services, spam
from comments.models import Comment, CommentFlag
from comments.tests.factories import CommentFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/comments/comment/"


def report_url(comment) -> str:
    return f"/comments/{comment.pk}/flag/"


def test_the_thread_links_each_comment_to_a_report_page_that_asks_why(client):
    comment = CommentFactory(body="Buy cheap watches")
    thread = client.get(comment.article.get_absolute_url()).content.decode()
    assert f'href="{report_url(comment)}"' in thread

    page = client.get(report_url(comment))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Buy cheap watches" in html
    for value, label in CommentFlag.Reason.choices:
        assert f'value="{value}"' in html and label in html
    assert 'name="note"' in html


def test_a_report_stores_the_reason_and_note_and_thanks_the_reader(client):
    comment = CommentFactory()

    response = client.post(
        report_url(comment), {"reason": "misinformation", "note": "The museum closed in 2019."}, follow=True
    )

    assert response.redirect_chain[-1][0].endswith(f"{comment.article.get_absolute_url()}#comments")
    assert "Thanks, a moderator will look at it." in response.content.decode()
    flag = CommentFlag.objects.get()
    assert (flag.comment, flag.reason, flag.note) == (comment, "misinformation", "The museum closed in 2019.")
    assert Comment.objects.get(pk=comment.pk).flag_count == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Please choose a reason"),
        ({"reason": "boring"}, "Please choose one of the reasons listed."),
        ({"reason": "other", "note": "x" * 501}, "Please keep the note to 500 characters"),
    ],
)
def test_a_report_without_a_valid_reason_shows_the_form_again_keeping_the_note(client, data, message):
    comment = CommentFactory()
    note = data.get("note", "I typed this note")

    response = client.post(report_url(comment), {**data, "note": note})

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert note in html
    assert not CommentFlag.objects.exists()
    assert Comment.objects.get(pk=comment.pk).flag_count == 0


def test_a_report_on_a_comment_no_longer_shown_says_so(client):
    comment = CommentFactory(removed=True)
    response = client.post(report_url(comment), {"reason": "spam"}, follow=True)
    assert "This comment is no longer shown." in response.content.decode()
    assert not CommentFlag.objects.exists()


def test_unknown_comments_are_404():
    from django.test import Client

    assert Client().get("/comments/999999/flag/").status_code == 404


def test_the_service_refuses_an_unknown_reason():
    with pytest.raises(ValueError, match="Unknown report reason"):
        services.comment_flag(comment=CommentFactory(), fingerprint="f", ip="198.51.100.1", reason="boring")
    with pytest.raises(spam.Refused):
        services.comment_flag(comment=CommentFactory(spam=True), fingerprint="f", ip="198.51.100.1", reason="spam")


@pytest.fixture
def moderator_client(client):
    client.force_login(UserFactory(username="mod", groups=["Moderator"]))
    return client


def _report(comment, reason, n, note=""):
    services.comment_flag(comment=comment, fingerprint=f"reader-{n}", ip=f"198.51.100.{n}", reason=reason, note=note)


def test_moderators_see_the_reasons_in_the_queue_and_filter_by_them(moderator_client):
    spammy = CommentFactory(body="spammy words")
    rude = CommentFactory(body="rude words")
    CommentFactory(body="quiet words")
    _report(spammy, "spam", 1)
    _report(spammy, "spam", 2)
    _report(spammy, "off_topic", 3)
    _report(rude, "abuse", 4, note="Insults another reader")

    html = moderator_client.get(CHANGELIST).content.decode()
    assert "3 reader reports: Spam (2), Off-topic" in html
    assert "1 reader report: Abuse or harassment" in html

    html = moderator_client.get(CHANGELIST, {"report_reason": "abuse"}).content.decode()
    assert "rude words" in html and "spammy words" not in html and "quiet words" not in html

    change = moderator_client.get(f"{CHANGELIST}{rude.pk}/change/").content.decode()
    assert "Abuse or harassment: “Insults another reader”" in change


def test_the_queue_reads_every_report_in_one_query(moderator_client, django_assert_max_num_queries):
    comments = CommentFactory.create_batch(3)
    moderator_client.get(CHANGELIST)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        moderator_client.get(CHANGELIST)
    for n, comment in enumerate(comments * 3):
        _report(comment, "spam", n)
    CommentFactory.create_batch(5)
    with CaptureQueriesContext(connection) as many:
        assert "Spam (3)" in moderator_client.get(CHANGELIST).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_report_list_shows_and_filters_reasons(admin_client):
    comment = CommentFactory()
    _report(comment, "misinformation", 1, note="Wrong date")
    html = admin_client.get("/admin/comments/commentflag/", {"reason__exact": "misinformation"}).content.decode()
    assert "Misinformation" in html and "Wrong date" in html
    assert "Wrong date" not in admin_client.get("/admin/comments/commentflag/", {"reason__exact": "spam"}).content.decode()
