import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.tests.factories import ArticleFactory
from comments.models import Comment
from comments.selectors import article_thread

pytestmark = pytest.mark.django_db


def _discussion(article, total):
    """``total`` approved comments: a quarter top-level, the rest replies up to four deep."""
    made = []
    for n in range(total):
        parent = made[n // 3 - 1] if n >= 3 and n % 4 else None
        made.append(
            Comment.objects.create(
                article=article,
                parent=parent,
                root=(parent.root or parent) if parent else None,
                depth=min(parent.depth + 1, 4) if parent else 0,
                name=f"Reader {n}",
                email=f"r{n}@example.com",
                body=f"Comment body {n}",
                state=Comment.State.APPROVED,
            )
        )
    return made


def _page_queries(client, article):
    with CaptureQueriesContext(connection) as context:
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return len(context), response.content.decode()


def _refresh(article):
    from comments.services import article_counts_refresh

    article_counts_refresh(article_ids=[article.pk])
    article.refresh_from_db()


def test_thread_selector_reads_one_page_in_two_queries_and_many_in_three(settings, django_assert_num_queries):
    article = ArticleFactory()
    _discussion(article, 120)
    _refresh(article)
    threads = Comment.objects.filter(article=article, parent=None).count()
    with django_assert_num_queries(2):
        page = article_thread(article=article, per_page=50)
    assert page.num_pages == 1 and len(page.roots) == threads
    with django_assert_num_queries(3):
        page = article_thread(article=article, per_page=10)
    assert page.num_pages == -(-threads // 10) and len(page.roots) == 10
    with django_assert_num_queries(3):
        last = article_thread(article=article, page=99, per_page=10)
    assert last.number == page.num_pages


def test_article_without_comments_costs_no_thread_query(django_assert_num_queries):
    article = ArticleFactory()
    with django_assert_num_queries(0):
        page = article_thread(article=article)
    assert page.roots == []


def test_article_with_500_comments_renders_in_the_same_queries_as_with_5(client):
    small, big = ArticleFactory.create_batch(2)
    _discussion(small, 60)  # 15 threads: one page
    _discussion(big, 500)  # 125 threads: three pages
    _refresh(small)
    _refresh(big)
    for article in (small, big):  # the page's own caches (menus, discovery blocks) warm up once
        _page_queries(client, article)
    small_count, _ = _page_queries(client, small)
    big_count, html = _page_queries(client, big)
    assert big_count <= small_count + 1  # the one extra is counting the threads for the pager
    assert html.count('class="comment ') > 300
    assert "Page 1 of" in html  # beyond a page of threads the rest is paginated


def test_comment_count_on_cards_needs_no_query_per_card(client, django_assert_max_num_queries):
    articles = ArticleFactory.create_batch(8)
    for article in articles:
        Comment.objects.create(article=article, name="A", email="a@example.com", body="x", state="approved")
    from comments.services import article_counts_refresh

    article_counts_refresh(article_ids=[a.pk for a in articles])
    region = articles[0].region
    html = client.get(region.get_absolute_url()).content.decode()
    assert "1 comment" in html
