"""The newsroom's workflow through the real admin: submit, review count, send back with a note,
publish and schedule, and internal notes that readers never see."""

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import emails, services
from articles.models import Article, ArticleNote
from articles.tests.admin_helpers import (
    ADMIN_PASSWORD,
    action_post_data,
    article_post_data,
    change_url,
    changelist_url,
)
from articles.tests.factories import ArticleFactory, AuthorFactory, UserFactory
from magazine import outbox
from magazine.models import OutboxTask

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=ADMIN_PASSWORD)
    return client


def send_back_url(article) -> str:
    return reverse("admin:articles_article_send_back", args=[article.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def writer():
    return UserFactory(username="writer-li", first_name="Li", last_name="Na", groups=["Writer"])


@pytest.fixture
def editor():
    return UserFactory(username="editor-chen", first_name="Chen", last_name="Wei", groups=["Editor"])


@pytest.fixture
def second_editor():
    return UserFactory(username="editor-zhou", groups=["Editor"])


@pytest.fixture
def draft(writer):
    article = ArticleFactory(draft=True, created_by=writer, title="Night markets of Hongkou", authors=[AuthorFactory()])
    return article


@pytest.fixture
def in_review(writer):
    return ArticleFactory(
        status=Article.Status.IN_REVIEW, published_at=None, created_by=writer, title="Bund tunnel closes", authors=[AuthorFactory()]
    )


# --- Submitting mails the editors ----------------------------------------------------------


def test_writer_submitting_through_the_form_mails_every_editor(
    writer, editor, second_editor, draft, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://mag.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        response = login(writer).post(change_url(draft), article_post_data(draft, status=Article.Status.IN_REVIEW))

    assert response.status_code == 302
    assert sorted(m.to[0] for m in mailoutbox) == sorted([editor.email, second_editor.email])
    message = mailoutbox[0]
    assert message.subject == "To review: “Night markets of Hongkou”"
    assert message.from_email == "City Magazine <newsroom@mag.example.com>"
    assert message.extra_headers["Message-ID"].endswith("@mag.example.com>")
    assert f"https://mag.example.com{change_url(draft)}" in message.body
    assert "Li Na submitted a story for review" in message.body
    assert "1 story in review now" in message.body


def test_submit_action_mails_the_editors_once_and_saving_again_mails_nobody(
    writer, editor, draft, mailoutbox, django_capture_on_commit_callbacks
):
    client = login(writer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist_url(), action_post_data("submit_for_review", draft), follow=True)
    assert [m.to for m in mailoutbox] == [[editor.email]]

    draft.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(draft), article_post_data(draft, title="Night markets of Hongkou, revised"))
    assert response.status_code == 302
    assert len(mailoutbox) == 1


def test_the_review_mail_is_promised_in_the_same_transaction_as_the_submit(writer, editor, draft):
    services.article_submit_for_review(article=draft, by=writer)

    row = OutboxTask.objects.get()
    assert row.task_path == "articles.tasks.send_review_request"
    assert row.args == [draft.pk, writer.pk]


# --- The count editors see -----------------------------------------------------------------


def test_editors_see_how_many_stories_wait_for_review_and_writers_do_not(writer, editor, in_review):
    ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None)
    ArticleFactory(draft=True)

    page = login(editor).get(changelist_url()).content.decode()
    assert re.search(r'href="/admin/articles/article/\?visibility=review"[^>]*>2 stories in review</a>', page)

    filtered = login(editor).get(changelist_url() + "?visibility=review")
    assert filtered.context["cl"].result_count == 2

    assert "in review</a>" not in login(writer).get(changelist_url()).content.decode()


# --- Sending a story back with a note ------------------------------------------------------


def test_editor_sends_a_story_back_with_a_note_the_writer_reads_in_mail_and_on_the_article(
    writer, editor, in_review, mailoutbox, django_capture_on_commit_callbacks
):
    client = login(editor)
    change_page = client.get(change_url(in_review)).content.decode()
    assert f'href="{send_back_url(in_review)}"' in change_page
    form_page = client.get(send_back_url(in_review))
    assert form_page.status_code == 200
    assert "writer-li@example.com" in form_page.content.decode()

    note = "The second paragraph needs a source.\nAnd <b>check</b> the date."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_back_url(in_review), {"note": note}, follow=True)

    in_review.refresh_from_db()
    assert in_review.status == Article.Status.DRAFT
    stored = ArticleNote.objects.get(article=in_review)
    assert (stored.kind, stored.text, stored.created_by) == (ArticleNote.Kind.SENT_BACK, note, editor)
    assert any("sent back to its writer" in m and "Li Na gets your note by mail" in m for m in messages_of(response))

    assert [m.to for m in mailoutbox] == [[writer.email]]
    assert mailoutbox[0].subject == "Sent back to you: “Bund tunnel closes”"
    assert "The second paragraph needs a source." in mailoutbox[0].body
    assert "Chen Wei sent your story back" in mailoutbox[0].body

    writer_page = login(writer).get(change_url(in_review))
    html = writer_page.content.decode()
    assert writer_page.status_code == 200
    box = html.split('id="sent-back-note"', 1)[1].split("</div>", 1)[0]
    assert "Sent back by Chen Wei" in box
    assert "The second paragraph needs a source.<br>And &lt;b&gt;check&lt;/b&gt; the date." in box


def test_sending_back_without_a_note_asks_for_one_and_changes_nothing(
    writer, editor, in_review, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(editor).post(send_back_url(in_review), {"note": "   "})

    assert response.status_code == 200
    assert "Say what the writer should change" in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == Article.Status.IN_REVIEW
    assert not ArticleNote.objects.exists()
    assert mailoutbox == []


def test_a_note_too_long_comes_back_with_what_was_typed(editor, in_review):
    long_note = "x" * 4001
    response = login(editor).post(send_back_url(in_review), {"note": long_note})

    assert response.status_code == 200
    assert response.context["form"].errors["note"]
    assert long_note in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == Article.Status.IN_REVIEW


def test_writer_cannot_send_back_or_see_the_button(writer, in_review):
    client = login(writer)
    assert send_back_url(in_review) not in client.get(change_url(in_review)).content.decode()
    assert client.get(send_back_url(in_review)).status_code == 403
    assert client.post(send_back_url(in_review), {"note": "mine"}).status_code == 403
    in_review.refresh_from_db()
    assert in_review.status == Article.Status.IN_REVIEW
    assert not ArticleNote.objects.exists()


def test_a_story_no_longer_in_review_is_not_sent_back(editor, draft):
    response = login(editor).post(send_back_url(draft), {"note": "Too late"}, follow=True)

    assert any("is not in review" in m for m in messages_of(response))
    assert not ArticleNote.objects.exists()


def test_send_back_of_an_unknown_article_is_a_404(editor):
    assert login(editor).get("/admin/articles/article/999999/send-back/").status_code == 404
    assert login(editor).get("/admin/articles/article/abc/send-back/").status_code == 404


# --- Publishing tells the writer -----------------------------------------------------------


def test_writer_is_mailed_when_an_editor_publishes_their_story(
    writer, editor, in_review, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(editor).post(changelist_url(), action_post_data("publish_selected", in_review), follow=True)

    in_review.refresh_from_db()
    assert in_review.is_live
    assert [m.to for m in mailoutbox] == [[writer.email]]
    assert mailoutbox[0].subject == "Published: “Bund tunnel closes”"
    assert in_review.get_absolute_url() in mailoutbox[0].body


def test_publishing_through_the_form_mails_the_writer_too(
    writer, editor, in_review, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(editor).post(change_url(in_review), article_post_data(in_review, status=Article.Status.PUBLISHED))

    assert response.status_code == 302
    assert [m.subject for m in mailoutbox] == ["Published: “Bund tunnel closes”"]


def test_an_editor_publishing_their_own_story_gets_no_mail(editor, mailoutbox, django_capture_on_commit_callbacks):
    own = ArticleFactory(draft=True, created_by=editor)
    with django_capture_on_commit_callbacks(execute=True):
        login(editor).post(changelist_url(), action_post_data("publish_selected", own), follow=True)

    assert mailoutbox == []


def test_saving_a_scheduled_article_says_when_and_the_writer_is_mailed_when_it_goes_live(
    writer, editor, in_review, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.TIME_ZONE = "Asia/Shanghai"
    later = timezone.make_aware(datetime(2031, 3, 4, 9, 30), timezone=timezone.get_fixed_timezone(8 * 60))
    with django_capture_on_commit_callbacks(execute=True):
        response = login(editor).post(
            change_url(in_review), article_post_data(in_review, status=Article.Status.PUBLISHED, published_at=later), follow=True
        )

    assert "Scheduled for Tuesday 4 March 2031, 09:30 (Asia/Shanghai)." in messages_of(response)
    assert mailoutbox == []  # not yet: it is not live
    row = OutboxTask.objects.get(task_path="articles.tasks.send_published_notice")
    assert row.run_after == later

    # The time comes: the worker's sweep runs the promise.
    OutboxTask.objects.filter(pk=row.pk).update(run_after=timezone.now())
    assert outbox.execute(row.pk) == "done"
    assert [m.subject for m in mailoutbox] == ["Published: “Bund tunnel closes”"]
    assert "Published Tuesday 4 March 2031, 09:30 (Asia/Shanghai)." in mailoutbox[0].body


def test_a_scheduled_article_moved_or_unpublished_mails_only_for_its_new_time(
    writer, editor, in_review, mailoutbox, django_capture_on_commit_callbacks
):
    first = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    second = first + timedelta(days=1)
    client = login(editor)
    client.post(change_url(in_review), article_post_data(in_review, status=Article.Status.PUBLISHED, published_at=first))
    in_review.refresh_from_db()
    client.post(change_url(in_review), article_post_data(in_review, published_at=second))

    rows = list(OutboxTask.objects.filter(task_path="articles.tasks.send_published_notice").order_by("pk"))
    assert [r.run_after for r in rows] == [first, second]
    OutboxTask.objects.update(run_after=timezone.now())
    assert outbox.execute(rows[0].pk) == "done"
    assert mailoutbox == []  # that time is no longer the article's

    in_review.refresh_from_db()
    services.article_unpublish(article=in_review, by=editor)
    assert outbox.execute(rows[1].pk) == "done"
    assert mailoutbox == []


def test_every_save_of_a_scheduled_article_says_when_it_goes_live(editor, django_capture_on_commit_callbacks):
    scheduled = ArticleFactory(scheduled=True, created_by=editor, authors=[AuthorFactory()])
    response = login(editor).post(change_url(scheduled), article_post_data(scheduled, title="New title"), follow=True)

    assert any(m.startswith("Scheduled for ") for m in messages_of(response))

    live = ArticleFactory(created_by=editor, authors=[AuthorFactory()])
    response = login(editor).post(change_url(live), article_post_data(live, title="Live title"), follow=True)
    assert not any(m.startswith("Scheduled for ") for m in messages_of(response))


# --- Internal notes ------------------------------------------------------------------------


def test_staff_add_internal_notes_on_the_change_form_that_readers_never_see(
    writer, editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory(created_by=writer, authors=[AuthorFactory()], body="A public paragraph.")
    with django_capture_on_commit_callbacks(execute=True):
        response = login(editor).post(
            change_url(article), article_post_data(article, notes=["Legal checked the quote from the mayor."])
        )
    assert response.status_code == 302
    note = ArticleNote.objects.get()
    assert (note.kind, note.created_by, note.text) == (ArticleNote.Kind.INTERNAL, editor, "Legal checked the quote from the mayor.")

    # Kept on the article's admin page, and the next save keeps it as it is.
    page = login(editor).get(change_url(article)).content.decode()
    assert "Legal checked the quote from the mayor." in page
    login(editor).post(change_url(article), article_post_data(article))
    assert ArticleNote.objects.get().text == "Legal checked the quote from the mayor."

    reader = Client()
    public = reader.get(article.get_absolute_url())
    assert public.status_code == 200
    assert "A public paragraph." in public.content.decode()
    assert "Legal checked" not in public.content.decode()


def test_a_sent_back_note_never_reaches_the_preview_or_the_public_page(writer, editor, in_review):
    services.article_send_back(article=in_review, by=editor, note="Secret: the source asked not to be named.")
    preview = login(editor).get(reverse("articles:preview", args=[in_review.pk]))
    assert preview.status_code == 200
    assert "Secret: the source" not in preview.content.decode()

    services.article_publish(article=in_review, by=editor)
    public = Client().get(in_review.get_absolute_url())
    assert public.status_code == 200
    assert "Secret: the source" not in public.content.decode()


def test_writer_adds_a_note_to_their_own_draft_but_cannot_edit_stored_notes(writer, editor, draft):
    services.article_note_add(article=draft, by=editor, text="Editor's remark.")
    response = login(writer).post(change_url(draft), article_post_data(draft, notes=["Photos come on Friday."]))

    assert response.status_code == 302
    assert sorted(ArticleNote.objects.values_list("text", "created_by__username")) == [
        ("Editor's remark.", "editor-chen"),
        ("Photos come on Friday.", "writer-li"),
    ]
    # A forged change to the stored note is ignored: notes are kept as written.
    data = article_post_data(draft)
    data["notes-0-text"] = "Changed"
    data["notes-1-text"] = "Changed"
    login(writer).post(change_url(draft), data)
    assert "Changed" not in ArticleNote.objects.values_list("text", flat=True)


def test_services_refuse_what_a_writer_may_not_do(writer, in_review):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.article_send_back(article=in_review, by=writer, note="No")
    other = ArticleFactory(draft=True)
    with pytest.raises(PermissionDenied):
        services.article_note_add(article=other, by=writer, text="Not mine")
    assert mail.outbox == []


def test_publishing_a_scheduled_story_now_mails_the_writer_once(
    writer, editor, in_review, mailoutbox, django_capture_on_commit_callbacks
):
    services.article_publish(article=in_review, by=editor, at=timezone.now() + timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        login(editor).post(changelist_url(), action_post_data("publish_selected", in_review), follow=True)
    assert [m.subject for m in mailoutbox] == ["Published: “Bund tunnel closes”"]

    # The promise made for the old time finds the story already live at another time.
    OutboxTask.objects.update(run_after=timezone.now())
    for row in OutboxTask.objects.filter(state=OutboxTask.State.PENDING):
        outbox.execute(row.pk)
    assert len(mailoutbox) == 1


def test_adding_a_scheduled_article_says_when_it_goes_live(editor):
    placed = ArticleFactory()
    later = (timezone.now() + timedelta(days=5)).replace(second=0, microsecond=0)
    data = article_post_data(
        title="Dragon boat races",
        slug="dragon-boat-races",
        standfirst="On the river.",
        body="Text.",
        region=placed.region,
        topic=placed.topic,
        status=Article.Status.PUBLISHED,
        published_at=later,
        authors=[AuthorFactory()],
    )
    response = login(editor).post(reverse("admin:articles_article_add"), data, follow=True)

    assert f"Scheduled for {emails.when_display(later)}." in messages_of(response)
    assert Article.objects.get(slug="dragon-boat-races").is_scheduled
