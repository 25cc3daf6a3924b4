"""Two people editing one article: the second save is refused, explained, and loses nothing.

Also: revisions keep the bylines, tags and READ MORE links, show their changes and restore them.
"""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from articles import services
from articles.models import Article
from articles.tests.admin_helpers import article_post_data, change_url
from articles.tests.factories import ArticleFactory, AuthorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_editor():
    return UserFactory(username="ling", first_name="Ling", last_name="Wu", groups=["Editor"])


@pytest.fixture
def second_editor():
    return UserFactory(username="tom", groups=["Editor"])


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


def opened_version(client, article) -> int:
    """Open the article's change form as a browser would; the version it carries."""
    response = client.get(change_url(article))
    assert response.status_code == 200
    return int(response.context["adminform"].form["version"].value())


def test_second_save_of_the_same_version_is_refused_with_who_when_diff_and_the_typed_text(
    article, first_editor, second_editor
):
    first, second = signed_in(first_editor), signed_in(second_editor)
    first_version, second_version = opened_version(first, article), opened_version(second, article)
    assert first_version == second_version == article.version

    saved = first.post(
        change_url(article),
        article_post_data(
            article,
            version=first_version,
            title="Shanghai's night markets, ranked",
            body="Stalls open at dusk.\n\nThe best one is on Wujiang Road.\n\nBring cash.",
        ),
    )
    assert saved.status_code == 302

    newcomer = AuthorFactory(name="Zhang Yi")
    other = ArticleFactory(title="Breakfast on Wuding Road")
    revisions_before = article.history.count()
    refused = second.post(
        change_url(article),
        article_post_data(
            article,
            version=second_version,
            title="Night markets <b>after</b> the rain",
            body="My own <script>draft</script> of the body.",
            tags="food, rain",
            authors=[newcomer],
            read_more=[other],
        ),
    )

    assert refused.status_code == 409
    html = refused.content.decode()
    form = refused.context["adminform"].form
    # Who saved meanwhile, and when, at the top; the way forward.
    # Said once (the form's error), not again in the box that explains the way forward.
    assert html.count("Ling Wu saved this article at") == 1
    assert "kept as your draft" in html and "reload the article" in html
    assert form.non_field_errors() and "Not saved: Ling Wu saved this article" in form.non_field_errors()[0]
    # A diff of what changed meanwhile: the title and the body line that moved.
    titles = [change.label for change in form.edit_conflict.changes]
    assert titles == ["Title", "Body"]
    assert "<ins>The best one is on Wujiang Road.</ins>" in html
    assert "<del>The best one is on Shouning Road.</del>" in html
    # Everything this editor typed is still in the form, escaped.
    assert form["title"].value() == "Night markets <b>after</b> the rain"
    assert 'value="Night markets &lt;b&gt;after&lt;/b&gt; the rain"' in html
    assert "My own &lt;script&gt;draft&lt;/script&gt; of the body." in html
    assert "<script>draft" not in html
    assert form["tags"].value() == "food, rain"
    bylines, links = (f.formset for f in refused.context["inline_admin_formsets"][:2])
    assert [f["author"].value() for f in bylines.forms if not f["DELETE"].value()] == [str(newcomer.pk)]
    assert [f["target"].value() for f in links.forms] == [str(other.pk)]
    assert "Zhang Yi" in html and "Breakfast on Wuding Road" in html
    # Nothing of the second save is stored.
    article.refresh_from_db()
    assert article.title == "Shanghai's night markets, ranked"
    assert list(article.authors.values_list("name", flat=True)) == ["Mei Chen"]
    assert list(article.tags.names()) == ["food"]
    assert not article.read_more_links.exists()
    assert article.history.count() == revisions_before
    assert article.version == first_version + 1

    # Saving the refused form again as it is is refused again: reloading is the way on.
    again = second.post(change_url(article), {**refused.context["adminform"].form.data.dict(), "_save": "Save"})
    assert again.status_code == 409


def test_save_with_the_stored_version_succeeds_and_moves_the_version_on(article, first_editor):
    client = signed_in(first_editor)
    version = opened_version(client, article)
    response = client.post(change_url(article), article_post_data(article, version=version, title="Ranked"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.version) == ("Ranked", version + 1)
    # The next save from the reloaded form works too.
    response = client.post(change_url(article), article_post_data(article, version=opened_version(client, article)))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.version == version + 2


def test_a_form_without_its_version_is_refused_with_a_message(article, first_editor):
    data = article_post_data(article, title="No version sent")
    del data["version"]
    response = signed_in(first_editor).post(change_url(article), data)
    assert response.status_code == 200
    assert "came without its version number" in response.content.decode()
    article.refresh_from_db()
    assert article.title == "Night markets of Shanghai"


def test_publishing_from_the_list_meanwhile_refuses_the_open_form(article, first_editor, second_editor):
    article.status, article.published_at = Article.Status.DRAFT, None
    article.save()
    client = signed_in(second_editor)
    version = opened_version(client, article)
    services.article_publish(article=Article.objects.get(pk=article.pk), by=first_editor)
    response = client.post(change_url(article), article_post_data(article, version=version, title="Still a draft?"))
    assert response.status_code == 409
    assert Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED


def test_service_refuses_a_stale_copy_and_stores_nothing(article, first_editor):
    stale = Article.objects.get(pk=article.pk)
    fresh = Article.objects.get(pk=article.pk)
    fresh.title = "First in"
    services.article_save(article=fresh, by=first_editor)
    stale.title = "Second, too late"
    with pytest.raises(services.ArticleEditConflict):
        services.article_save(article=stale, by=first_editor)
    article.refresh_from_db()
    assert (article.title, article.version) == ("First in", fresh.version)


def test_revision_lists_byline_tag_and_read_more_changes(article, first_editor):
    client = signed_in(first_editor)
    newcomer = AuthorFactory(name="Zhang Yi")
    other = ArticleFactory(title="Breakfast on Wuding Road")
    data = article_post_data(
        article, version=opened_version(client, article), tags="food, late night", authors=[newcomer], read_more=[other]
    )
    assert client.post(change_url(article), data).status_code == 302

    latest = article.history.order_by("-history_date").first()
    assert latest.relations == {
        "authors": [[newcomer.pk, "Zhang Yi"]],
        "tags": ["food", "late night"],
        "read_more": [[other.pk, "Breakfast on Wuding Road"]],
    }
    page = client.get(reverse("admin:articles_article_history", args=[article.pk])).content.decode()
    assert "Authors (byline order)" in page and "Tags" in page and "READ MORE links" in page
    assert '<del class="revision-old">Mei Chen</del>' in page
    assert '<ins class="revision-new">Zhang Yi</ins>' in page
    assert '<ins class="revision-new">food, late night</ins>' in page
    assert '<ins class="revision-new">Breakfast on Wuding Road</ins>' in page


def test_restoring_a_revision_brings_back_its_bylines_tags_and_read_more_links(article, first_editor):
    client = signed_in(first_editor)
    first_revision = article.history.order_by("history_date").first()
    other = ArticleFactory(title="Breakfast on Wuding Road")
    data = article_post_data(
        article, version=opened_version(client, article), tags="rain", authors=[AuthorFactory()], read_more=[other]
    )
    assert client.post(change_url(article), data).status_code == 302

    url = reverse("admin:articles_article_simple_history", args=[article.pk, first_revision.history_id])
    shown = client.get(url)
    assert shown.status_code == 200
    form = shown.context["adminform"].form
    assert [tag.name for tag in form["tags"].value()] == ["food"]
    assert 'name="tags" value="food"' in shown.content.decode()
    posted = {name: form[name].value() for name in ("title", "slug", "standfirst", "body", "version")}
    article.refresh_from_db()
    restore = article_post_data(article, tags="food", **posted)
    assert client.post(url, restore).status_code == 302

    article.refresh_from_db()
    assert list(article.authors.order_by("bylines__sort_order").values_list("name", flat=True)) == ["Mei Chen"]
    assert list(article.tags.names()) == ["food"]
    assert not article.read_more_links.exists()
    assert article.history.order_by("-history_date").first().relations["authors"][0][1] == "Mei Chen"


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite's in-memory test database locks whole tables: a waiting writer fails"
)
@pytest.mark.django_db(transaction=True)
def test_a_save_that_lands_between_the_forms_check_and_its_save_is_refused_too(article, first_editor, second_editor):
    """The first editor's save commits while the second's form is already past its check:
    the second's ``UPDATE … WHERE version`` waits for the row, finds it moved, and the form
    comes back refused with nothing of it stored."""
    client = signed_in(second_editor)
    version = opened_version(client, article)
    holding, release, done = threading.Event(), threading.Event(), threading.Event()

    def first_save():
        try:
            with transaction.atomic():
                mine = Article.objects.get(pk=article.pk)
                mine.title = "First in"
                services.article_save(article=mine, by=first_editor)
                holding.set()
                release.wait(timeout=10)  # still uncommitted while the second form validates
        finally:
            done.set()
            connection.close()

    worker = threading.Thread(target=first_save)
    worker.start()
    assert holding.wait(timeout=10)
    timer = threading.Timer(1.0, release.set)  # commit once the second save is waiting for the row
    timer.start()
    try:
        response = client.post(change_url(article), article_post_data(article, version=version, title="Second"))
    finally:
        release.set()
        worker.join(timeout=10)
        timer.cancel()
    assert done.is_set()
    assert response.status_code == 409
    assert "Ling Wu saved this article" in response.content.decode()
    assert response.context["adminform"].form["title"].value() == "Second"
    article.refresh_from_db()
    assert (article.title, article.version) == ("First in", version + 1)
