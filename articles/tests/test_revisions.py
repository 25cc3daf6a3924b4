"""Article revisions: every save keeps one, staff read a diff in the admin and restore one."""

import pytest
from django.urls import reverse

from articles import revisions, services
from articles.models import Article
from articles.tests.admin_helpers import article_post_data, change_url
from articles.tests.factories import ArticleFactory, AuthorFactory, RegionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return UserFactory(username="desk-editor", groups=["Editor"])


@pytest.fixture
def writer():
    return UserFactory(username="staff-writer", groups=["Writer"])


def history_url(article):
    return reverse("admin:articles_article_history", args=[article.pk])


def revision_url(article, record):
    return reverse("admin:articles_article_simple_history", args=[article.pk, record.history_id])


def restore_data(record, stored):
    """What the restore form posts: the revision's fields, the publishing state as it is now."""
    instance = record.instance
    revisions.keep_publishing_state(instance, stored)
    return article_post_data(instance)


@pytest.fixture
def edited(client, editor):
    """A live article edited once in the admin: its first version, then a new title and body."""
    author = AuthorFactory()
    article = ArticleFactory(
        title="Night markets of Shanghai",
        slug="night-markets-of-shanghai",
        body="Stalls open at dusk.\n\nThe best one is on Shouning Road.\n\nBring cash.",
        authors=[author],
        region=RegionFactory(slug="shanghai", name="Shanghai"),
        topic=TopicFactory(),
    )
    client.force_login(editor)
    data = article_post_data(
        article,
        title="Shanghai's night markets, ranked",
        slug="shanghai-night-markets-ranked",
        body="Stalls open at dusk.\n\nThe best one is on Wujiang Road <script>alert(1)</script>.\n\nBring cash.",
    )
    response = client.post(change_url(article), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    article.refresh_from_db()
    return article


def test_every_admin_save_keeps_a_revision_with_the_user_and_the_fields_it_changed(edited, editor):
    first, latest = edited.history.order_by("history_date")
    assert latest.history_user == editor and latest.history_type == "~"
    changed = [change.label for change in revisions.changes_between(first, latest)]
    assert changed == ["Title", "Slug", "Body"]
    assert first.title == "Night markets of Shanghai" and latest.title == "Shanghai's night markets, ranked"


def test_service_writes_record_who_made_them(editor, writer):
    article = ArticleFactory(draft=True, created_by=writer)
    article.title = "A new headline"
    services.article_save(article=article, by=writer)
    services.article_publish(article=article, by=editor)
    services.article_set_featured(article=article, by=editor)
    users = [r.history_user for r in article.history.order_by("history_date")][1:]
    assert users == [writer, editor, editor]
    assert article.history.first().featured is True


def test_counters_and_the_rendered_body_are_not_part_of_revisions(edited):
    before = edited.history.count()
    Article.objects.filter(pk=edited.pk).update(share_count=5, comment_count=2)
    assert edited.history.count() == before
    fields = {f.name for f in Article.history.model._meta.fields}
    assert not fields & {"share_count", "comment_count", "body_html", "body_blocks"}


def test_history_page_lists_who_when_and_a_readable_escaped_diff(client, edited, editor):
    response = client.get(history_url(edited))
    assert response.status_code == 200
    html = response.content.decode()
    assert "desk-editor" in html
    assert "Night markets of Shanghai" in html and "Shanghai&#x27;s night markets, ranked" in html
    assert '<del class="revision-old">night-markets-of-shanghai</del>' in html
    # The body is a line diff: the changed line out, the new one in, an unchanged line around it.
    assert '<span class="diff-line diff-del"><span class="diff-sign" aria-hidden="true">−</span><del>The best one is on Shouning Road.</del>' in html
    assert "The best one is on Wujiang Road &lt;script&gt;alert(1)&lt;/script&gt;." in html
    assert "<script>alert(1)" not in html
    assert "First version" in html
    assert html.count('class="diff-line diff-same"') >= 1


def test_history_page_runs_the_same_number_of_queries_however_many_revisions(client, editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(editor)
    counts = []
    for saves in (2, 12):
        article = ArticleFactory(region=RegionFactory(), topic=TopicFactory())
        for n in range(saves):
            article.title = f"Headline {n}"
            article.body += f"\n\nParagraph {n}."
            services.article_save(article=article, by=editor)
        client.get(history_url(article))  # the first request of a process fills Django's own caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(history_url(article)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_editor_restores_a_previous_revision_and_old_links_follow(client, edited, editor):
    first = edited.history.order_by("history_date").first()
    Article.objects.filter(pk=edited.pk).update(share_count=7)

    page = client.get(revision_url(edited, first))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Restoring it changes" in html and 'value="Revert"' in html
    form = page.context["adminform"].form
    assert form.initial["title"] == "Night markets of Shanghai"

    response = client.post(revision_url(edited, first), restore_data(first, edited))
    assert response.status_code == 302
    edited.refresh_from_db()
    assert edited.title == "Night markets of Shanghai"
    assert edited.slug == "night-markets-of-shanghai"
    assert "Shouning Road" in edited.body and "Shouning Road" in edited.body_html
    assert edited.share_count == 7  # counters are never rolled back
    latest = edited.history.first()
    assert latest.history_user == editor
    assert latest.history_change_reason.startswith("Restored the revision of ")
    # The slug went back: its address works again and the renamed one leads to it.
    assert client.get(edited.get_absolute_url()).status_code == 200
    renamed = edited.get_absolute_url().replace("night-markets-of-shanghai", "shanghai-night-markets-ranked")
    moved = client.get(renamed)
    assert moved.status_code == 301 and moved["Location"] == edited.get_absolute_url()


def test_restoring_keeps_the_publishing_state_as_it_is_now(client, editor, writer):
    article = ArticleFactory(draft=True, created_by=writer, title="First draft")
    article.title = "Ready for the desk"
    services.article_save(article=article, by=writer)
    services.article_publish(article=article, by=editor)
    article.refresh_from_db()
    published_at = article.published_at
    draft_revision = article.history.get(title="First draft")
    assert draft_revision.status == Article.Status.DRAFT

    client.force_login(editor)
    page = client.get(revision_url(article, draft_revision))
    assert page.context["adminform"].form.initial["status"] == Article.Status.PUBLISHED
    response = client.post(revision_url(article, draft_revision), restore_data(draft_revision, article))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "First draft"
    # (The admin's date and time inputs carry whole seconds.)
    assert article.status == Article.Status.PUBLISHED and article.published_at == published_at.replace(microsecond=0)


def test_writer_restores_a_revision_of_their_own_draft(client, writer):
    article = ArticleFactory(draft=True, created_by=writer, title="Dumplings: a field guide", authors=[AuthorFactory()])
    article.title = "Dumplings, briefly"
    services.article_save(article=article, by=writer)
    first = article.history.get(title="Dumplings: a field guide")
    client.force_login(writer)
    response = client.post(revision_url(article, first), restore_data(first, article))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Dumplings: a field guide" and article.status == Article.Status.DRAFT
    assert article.history.first().history_user == writer


def test_writer_cannot_publish_by_restoring_a_published_revision(client, editor, writer):
    article = ArticleFactory(draft=True, created_by=writer, title="Was live once", authors=[AuthorFactory()])
    services.article_publish(article=article, by=editor)
    article.refresh_from_db()
    services.article_unpublish(article=article, by=editor)
    published_revision = article.history.filter(status=Article.Status.PUBLISHED).first()

    client.force_login(writer)
    page = client.get(revision_url(article, published_revision))
    assert page.context["adminform"].form.initial["status"] == Article.Status.DRAFT
    forged = restore_data(published_revision, article) | {"status": Article.Status.PUBLISHED}
    response = client.post(revision_url(article, published_revision), forged)
    assert response.status_code == 200
    assert "Only editors can publish articles" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


@pytest.mark.parametrize("case", ["published", "someone else's"])
def test_writer_may_read_but_not_restore_articles_they_may_not_change(client, writer, case):
    other = UserFactory(groups=["Writer"])
    if case == "published":
        article = ArticleFactory(created_by=writer, title="Live story")
    else:
        article = ArticleFactory(draft=True, created_by=other, title="Their draft")
    original_title = article.title
    article.title = "Changed"
    article.save()
    first = article.history.get(title=original_title)

    client.force_login(writer)
    assert client.get(history_url(article)).status_code == 200
    page = client.get(revision_url(article, first))
    assert page.status_code == 200 and 'value="Revert"' not in page.content.decode()
    response = client.post(revision_url(article, first), restore_data(first, article))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "Changed"


def test_a_revision_of_another_article_is_not_found(client, edited):
    other = ArticleFactory()
    record = other.history.first()
    assert client.get(revision_url(edited, record)).status_code == 404


def test_history_of_an_article_imported_without_revisions_says_so(client, editor):
    # Bulk loads (seed_demo, imports) skip save(), so their articles start with no revision.
    article = ArticleFactory(region=RegionFactory(), topic=TopicFactory())
    article.history.all().delete()
    client.force_login(editor)

    response = client.get(history_url(article))

    assert response.status_code == 200
    assert "This article has no saved revisions yet: it was loaded in bulk" in response.content.decode()


def test_saving_an_unchanged_body_from_a_browser_is_not_a_body_change(client, editor):
    # Browsers send a textarea's line breaks as CRLF; the stored body uses LF.
    article = ArticleFactory(
        body="Stalls open at dusk.\n\nBring cash.", standfirst="Where to eat.\nAnd when.",
        authors=[AuthorFactory()], region=RegionFactory(), topic=TopicFactory(),
    )
    client.force_login(editor)
    data = article_post_data(
        article,
        title="A new headline",
        body=article.body.replace("\n", "\r\n"),
        standfirst=article.standfirst.replace("\n", "\r\n"),
    )

    response = client.post(change_url(article), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors

    article.refresh_from_db()
    assert "\r" not in article.body and "\r" not in article.standfirst
    older, newer = article.history.order_by("history_date")[:2]
    assert [change.label for change in revisions.changes_between(older, newer)] == ["Title"]
