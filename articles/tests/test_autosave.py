"""Autosave of the article form: a draft copy per person and story that never touches the article."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import autosave, services
from articles.models import Article, ArticleAutosave, SearchDocument
from articles.tests.admin_helpers import add_url, article_post_data, change_url
from articles.tests.factories import ArticleFactory, AuthorFactory, RegionFactory, TopicFactory, UserFactory
from magazine import workers

pytestmark = pytest.mark.django_db

URL = reverse("articles:autosave")
DISCARD_URL = reverse("articles:autosave_discard")


@pytest.fixture
def editor():
    return UserFactory(username="ling", first_name="Ling", last_name="Wu", groups=["Editor"])


@pytest.fixture
def other_editor():
    return UserFactory(username="tom", first_name="Tom", last_name="Li", groups=["Editor"])


@pytest.fixture
def writer():
    return UserFactory(username="writer-one", groups=["Writer"])


@pytest.fixture
def article():
    return ArticleFactory(
        title="Night markets of Shanghai",
        standfirst="Where to eat after dark.",
        body="Stalls open at dusk.\n\nThe best one is on Shouning Road.\n\nBring cash.",
        authors=[AuthorFactory(name="Mei Chen")],
        tags=["food"],
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def typed(article=None, **fields) -> dict:
    """What the form's script posts: the article's stored text with ``fields`` typed over it."""
    values = autosave.stored_text(article)
    values.update(fields)
    data = {name: values[name] for name in autosave.TEXT_FIELDS}
    if article is not None:
        data.update(article=article.pk, version=article.version)
    return data


def offer_of(response):
    return response.context["autosave_offer"]


def test_autosave_keeps_a_copy_and_leaves_the_article_its_revisions_and_search_alone(
    editor, article, django_assert_max_num_queries
):
    client = signed_in(editor)
    client.get(change_url(article))  # sign-in, session and permissions are in place
    stored = Article.objects.values().get(pk=article.pk)
    revisions_before = article.history.count()
    document_before = SearchDocument.objects.filter(pk=article.pk).values().first()

    payload = typed(article, body="Stalls open at dusk.\n\nA new line typed.", title="Ranked")
    # Session (none when sessions are read from Redis), user, article, the user's permissions (2);
    # then update_or_create: a savepoint, the select for update, a savepoint around the insert,
    # the insert, and the two releases.
    with django_assert_max_num_queries(11):
        response = client.post(URL, payload)

    assert response.status_code == 200
    answer = response.json()
    assert answer["kept"] is True
    assert answer["warning"] == ""
    assert answer["saved_at_display"] == timezone.localtime(ArticleAutosave.objects.get().saved_at).strftime("%H:%M")
    assert response["Cache-Control"] == "private, no-store"
    copy = ArticleAutosave.objects.get()
    assert (copy.user, copy.article, copy.base_version) == (editor, article, article.version)
    assert copy.fields["title"] == "Ranked"
    assert copy.fields["body"] == "Stalls open at dusk.\n\nA new line typed."
    assert Article.objects.values().get(pk=article.pk) == stored
    assert article.history.count() == revisions_before
    assert SearchDocument.objects.filter(pk=article.pk).values().first() == document_before

    # The next autosave updates the same copy; line breaks as browsers send them are kept as LF.
    payload = typed(article, body="Line one\r\nLine two")
    with django_assert_max_num_queries(9):  # the same, with an update in place of the insert
        client.post(URL, payload)
    assert ArticleAutosave.objects.get().fields["body"] == "Line one\nLine two"


def test_each_editor_has_a_copy_of_their_own_and_never_sees_anyone_elses(editor, other_editor, article):
    ling, tom = signed_in(editor), signed_in(other_editor)
    assert ling.post(URL, typed(article, body="Ling's version.")).status_code == 200
    assert tom.post(URL, typed(article, body="Tom's version.")).status_code == 200
    assert ArticleAutosave.objects.count() == 2

    ling_offer = offer_of(ling.get(change_url(article)))
    tom_offer = offer_of(tom.get(change_url(article)))
    assert ling_offer.autosave.fields["body"] == "Ling's version."
    assert tom_offer.autosave.fields["body"] == "Tom's version."

    # Tom cannot discard Ling's copy, even by its number.
    refused = tom.post(DISCARD_URL, {"autosave": ling_offer.autosave.pk})
    assert refused.json() == {"discarded": False}
    assert ArticleAutosave.objects.filter(user=editor).exists()
    # A third editor sees no offer at all.
    third = signed_in(UserFactory(username="third", groups=["Editor"]))
    assert offer_of(third.get(change_url(article))) is None


def test_autosave_for_a_deleted_article_is_gone_with_a_clear_message(editor, article):
    client = signed_in(editor)
    payload = typed(article, body="Typed while a colleague deleted it.")
    services.article_delete(article=article, by=editor)

    response = client.post(URL, payload)

    assert response.status_code == 410
    assert response.json()["error"] == (
        "This article was deleted; your text is still in the form — copy it before leaving."
    )
    assert not ArticleAutosave.objects.exists()


def test_autosave_for_an_article_that_never_was_is_not_found(editor):
    response = signed_in(editor).post(URL, {"article": 987654, "version": 1, "body": "text"})
    assert response.status_code == 404
    assert "no article with this number" in response.json()["error"]


def test_autosave_after_the_article_was_published_meanwhile_is_kept_and_says_so(editor, other_editor):
    draft = ArticleFactory(draft=True, title="A draft", created_by=editor)
    opened_at = draft.version
    services.article_publish(article=draft, by=other_editor)
    draft.refresh_from_db()
    assert draft.version > opened_at

    response = signed_in(editor).post(URL, {**typed(draft, body="My late edit."), "version": opened_at})

    assert response.status_code == 200
    warning = response.json()["warning"]
    assert warning.startswith("This article changed since you opened it: Tom Li published it at ")
    assert "Saving the form will be refused; copy your text first." in warning
    copy = ArticleAutosave.objects.get()
    assert copy.fields["body"] == "My late edit."
    assert copy.base_version == opened_at


def test_autosave_after_a_colleague_saved_says_they_saved_it(editor, other_editor, article):
    opened_at = article.version
    tom = signed_in(other_editor)
    assert tom.post(change_url(article), article_post_data(article, title="Tom's title")).status_code == 302

    response = signed_in(editor).post(URL, {**typed(article, body="Mine."), "version": opened_at})

    assert response.status_code == 200
    assert response.json()["warning"].startswith("This article changed since you opened it: Tom Li saved it at ")


def test_a_copy_arriving_after_the_editors_own_save_is_not_kept(editor, article):
    """An autosave still on its way when the editor pressed Save must not come back as an offer."""
    client = signed_in(editor)
    opened_at = article.version
    late = {**typed(article, body="Typed before the last few words."), "version": opened_at}
    assert client.post(change_url(article), article_post_data(article, body="The saved text.")).status_code == 302

    response = client.post(URL, late)

    assert response.status_code == 200
    assert response.json()["kept"] is False
    assert response.json()["warning"].startswith("You saved this article since this form was opened")
    assert not ArticleAutosave.objects.exists()
    assert offer_of(client.get(change_url(article))) is None


def test_writer_cannot_autosave_someone_elses_article_but_can_their_own(writer, editor):
    theirs = ArticleFactory(draft=True, created_by=editor)
    mine = ArticleFactory(draft=True, created_by=writer)
    client = signed_in(writer)

    refused = client.post(URL, typed(theirs, body="Not mine to write."))
    assert refused.status_code == 403
    assert refused.json()["error"] == "You may not change this article, so your text is not autosaved."
    assert client.post(URL, typed(mine, body="Mine to write.")).status_code == 200
    assert list(ArticleAutosave.objects.values_list("article", flat=True)) == [mine.pk]


def test_writer_whose_draft_was_published_meanwhile_is_told_to_copy_the_text(writer, editor):
    mine = ArticleFactory(draft=True, created_by=writer)
    payload = typed(mine, body="Still typing.")
    services.article_publish(article=mine, by=editor)

    refused = signed_in(writer).post(URL, payload)

    assert refused.status_code == 403
    assert "published and only an editor can change it now" in refused.json()["error"]
    assert "copy it before leaving" in refused.json()["error"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"body": "no story named"}, "Name the article, or the draft key of a new story."),
        ({"article": "abc", "body": "x"}, "The article is named by its number."),
        ({"draft_key": "short", "body": "x"}, "The draft key is 8 to 40 letters"),
        ({"draft_key": "k" * 12, "body": "x" * 500_001}, "The body is too long to autosave (more than 500,000 characters)."),
        ({"draft_key": "k" * 12, "version": "二", "body": "x"}, "The version is a whole number."),
    ],
)
def test_a_payload_the_form_refuses_is_a_400_with_the_message(editor, payload, message):
    response = signed_in(editor).post(URL, payload)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not ArticleAutosave.objects.exists()


def test_only_signed_in_staff_may_autosave_and_only_by_post_with_csrf(editor, article):
    assert Client().post(URL, typed(article)).status_code == 403
    reader = UserFactory(username="reader", is_staff=False)
    assert signed_in(reader).post(URL, typed(article)).status_code == 403
    assert signed_in(editor).get(URL).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(URL, typed(article)).status_code == 403
    assert not ArticleAutosave.objects.exists()


def test_reopening_offers_a_newer_different_copy_with_what_differs(editor, article):
    client = signed_in(editor)
    client.post(URL, typed(article, title="Shanghai's night markets, ranked", body="Stalls open at dusk.\n\nBring coins."))

    response = client.get(change_url(article))

    offer = offer_of(response)
    assert [change.name for change in offer.changes] == ["title", "body"]
    content = response.content.decode()
    assert "You have unsaved changes from" in content
    assert "Restore them" in content and "Discard" in content
    assert "<ins>Bring coins.</ins>" in content and "<del>Bring cash.</del>" in content
    data = json.loads(response.content.decode().split('id="autosave-data" type="application/json">')[1].split("</script>")[0])
    assert data["fields"]["title"] == "Shanghai's night markets, ranked"
    assert data["base_version"] == article.version
    # The status line the script writes to, and the script itself.
    assert 'id="autosave-status"' in content
    assert "articles/autosave.js" in content


def test_no_offer_when_the_copy_is_the_stored_text_or_older_than_the_last_save(editor, article):
    client = signed_in(editor)
    client.post(URL, typed(article, tags="food"))  # the stored text, as the form shows it
    assert offer_of(client.get(change_url(article))) is None

    client.post(URL, typed(article, body="An edit."))
    assert offer_of(client.get(change_url(article))) is not None
    ArticleAutosave.objects.update(saved_at=article.updated_at - timedelta(seconds=1))
    assert offer_of(client.get(change_url(article))) is None


def test_discard_deletes_the_copy(editor, article):
    client = signed_in(editor)
    client.post(URL, typed(article, body="Throw me away."))
    copy = ArticleAutosave.objects.get()

    response = client.post(DISCARD_URL, {"autosave": copy.pk})

    assert response.json() == {"discarded": True}
    assert not ArticleAutosave.objects.exists()
    assert offer_of(client.get(change_url(article))) is None
    assert client.post(DISCARD_URL, {"autosave": "x"}).status_code == 400


def test_saving_the_article_clears_the_editors_copy_but_not_a_colleagues(editor, other_editor, article):
    ling, tom = signed_in(editor), signed_in(other_editor)
    ling.post(URL, typed(article, body="Ling's draft."))
    tom.post(URL, typed(article, body="Tom's draft."))

    saved = ling.post(change_url(article), article_post_data(article, body="Ling's draft."))

    assert saved.status_code == 302
    assert list(ArticleAutosave.objects.values_list("user", flat=True)) == [other_editor.pk]


def test_a_save_refused_by_the_edit_lock_keeps_the_copy(editor, other_editor, article):
    opened_at = article.version
    ling, tom = signed_in(editor), signed_in(other_editor)
    ling.post(URL, typed(article, body="Ling's draft."))
    assert tom.post(change_url(article), article_post_data(article, title="Tom's title")).status_code == 302

    refused = ling.post(
        change_url(article), article_post_data(article, body="Ling's draft, and the words typed just before saving.", version=opened_at)
    )

    assert refused.status_code == 409
    # The copy now holds what the refused form held, even words typed too late to be autosaved.
    assert ArticleAutosave.objects.get(user=editor).fields["body"] == "Ling's draft, and the words typed just before saving."
    assert offer_of(refused) is None  # the form shows what was typed already

    # Reloading offers the copy (older than Tom's save, but typed against the version he saved
    # over), saying who saved since and showing that restoring would put back the old title too.
    reopened = ling.get(change_url(article))
    offer = offer_of(reopened)
    assert [change.name for change in offer.changes] == ["title", "body"]
    assert offer.changed_since.saved_by in {other_editor.get_full_name(), other_editor.username}
    assert "after your copy was typed" in reopened.content.decode()
    # Restoring fills the form opened now (its current version): the save goes through.
    current = reopened.context["adminform"].form["version"].value()
    restored = ling.post(
        change_url(article),
        article_post_data(article, title=offer.autosave.fields["title"], body=offer.autosave.fields["body"], version=current),
    )
    assert restored.status_code == 302
    article.refresh_from_db()
    assert article.body == "Ling's draft, and the words typed just before saving."


def test_the_add_form_offers_a_new_story_draft_and_saving_the_story_clears_it(editor):
    client = signed_in(editor)
    first = client.get(add_url())
    key = first.context["autosave_draft_key"]
    assert len(key) >= 8 and f'name="_autosave_key" id="autosave-key" value="{key}"' in first.content.decode()
    assert offer_of(first) is None
    assert client.post(URL, {"draft_key": key, "title": "A new story", "body": "Begun, not saved."}).status_code == 200

    again = client.get(add_url())
    offer = offer_of(again)
    assert offer.autosave.draft_key == key
    assert [change.name for change in offer.changes] == ["title", "body"]
    assert again.context["autosave_draft_key"] != key  # a fresh page gets a fresh key until it restores

    data = article_post_data(
        None, title="A new story", slug="a-new-story", standfirst="Short.", body="Begun, now saved.",
        region=RegionFactory().pk, topic=TopicFactory().pk, authors=[AuthorFactory()], _autosave_key=key,
    )
    assert client.post(add_url(), data).status_code == 302
    assert not ArticleAutosave.objects.exists()


def test_a_writer_reading_a_published_article_gets_no_autosave(writer, editor):
    published = ArticleFactory(created_by=writer)
    ArticleAutosave.objects.create(user=writer, article=published, fields={"body": "old"}, saved_at=timezone.now())
    response = signed_in(writer).get(change_url(published))
    assert response.status_code == 200
    assert "autosave_offer" not in response.context
    assert 'id="autosave-status"' not in response.content.decode()


def test_the_workers_sweep_prunes_copies_older_than_30_days(editor, article):
    now = timezone.now()
    old = ArticleAutosave.objects.create(
        user=editor, article=article, fields={"body": "old"}, saved_at=now - timedelta(days=31)
    )
    fresh = ArticleAutosave.objects.create(
        user=editor, draft_key="fresh-key-1", fields={"body": "fresh"}, saved_at=now - timedelta(days=29)
    )

    workers.prune_finished(now=now)

    assert list(ArticleAutosave.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not ArticleAutosave.objects.filter(pk=old.pk).exists()
