"""The admin pages staff use every day fit a 1280×800 and a 1440×900 screen with the menu open.

No page scrolls sideways, no list hides columns behind a scrollbar, and article titles keep
several words on a line.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import services as article_services
from articles.models import Article
from articles.tests.factories import ArticleFactory, UserFactory
from comments.tests.factories import CommentFactory
from comments.tests.helpers import ensure_staff_groups
from magazine.tests.factories import EditionFactory
from newsletter.models import Delivery
from newsletter.tests.factories import SendFactory, SubscriberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = [pytest.param((1280, 800), id="1280x800"), pytest.param((1440, 900), id="1440x900")]
LONG = "The longest headline an editor could write about the night markets, ferries and tea houses of the old town"

OVERFLOW = """() => {
  const doc = document.documentElement;
  const tables = [...document.querySelectorAll('#changelist .results')]
    .filter((el) => el.scrollWidth > el.clientWidth).length;
  return {page: doc.scrollWidth > window.innerWidth, tables};
}"""


@pytest.fixture
def pages():
    """Every list and form of the issue, filled with long values, as (name, url)."""
    article = ArticleFactory(title=LONG, featured=True)
    comment = CommentFactory(
        article=article,
        pending=True,
        name="A reader with a rather long display name",
        email="someone.with.a.long.address@example-mail-provider.com",
        body="A long remark about the ferries and the night markets of the old town " * 3,
    )
    send = SendFactory(subject=LONG, status="sending", scheduled_for=timezone.now() + timedelta(days=2))
    # Mails in every state, so the issue list shows its counts and progress bar.
    for n, state in enumerate(["sent", "sent", "queued", "failed", "skipped"]):
        Delivery.objects.create(send=send, subscriber=SubscriberFactory(email=f"reader{n}@example.com"), state=state)
    edition = EditionFactory()
    chief = UserFactory(username="chief", is_superuser=True)
    ensure_staff_groups()
    # Work in every block of the index's newsroom dashboard, with long titles and a long note.
    editor = UserFactory(username="ed", groups=["Editor"])
    ArticleFactory(title=LONG, draft=True, created_by=chief)
    ArticleFactory(title=LONG, created_by=chief, published_at=timezone.now() + timedelta(days=1))
    ArticleFactory(title=LONG, status=Article.Status.IN_REVIEW, published_at=None, created_by=chief)
    returned = ArticleFactory(title=LONG, status=Article.Status.IN_REVIEW, published_at=None, created_by=chief)
    article_services.article_send_back(article=returned, by=editor, note="Two names are wrong; " * 12)
    return [
        ("index", reverse("admin:index")),
        ("articles", reverse("admin:articles_article_changelist")),
        ("article form", reverse("admin:articles_article_change", args=[article.pk])),
        ("comments queue", reverse("admin:comments_comment_changelist")),
        ("comment form", reverse("admin:comments_comment_change", args=[comment.pk])),
        ("newsletter issues", reverse("admin:newsletter_send_changelist")),
        ("issue form", reverse("admin:newsletter_send_change", args=[send.pk])),
        ("issue preview", reverse("admin:newsletter_send_preview", args=[send.pk])),
        ("subscribers", reverse("admin:newsletter_subscriber_changelist")),
        ("editions", reverse("admin:magazine_edition_changelist")),
        ("edition form", reverse("admin:magazine_edition_change", args=[edition.pk])),
        ("site settings", reverse("admin:magazine_sitesettings_changelist")),
        ("comment policy", reverse("admin:comments_commentpolicy_changelist")),
    ]


@pytest.mark.parametrize("screen", SCREENS)
def test_admin_pages_fit_the_screen(live_server, browser_page, pages, screen):
    width, height = screen
    page = browser_page(width=width, height=height)
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "chief")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))

    overflowing = {}
    for name, url in pages:
        response = page.goto(live_server.url + url)
        assert response.ok, name
        found = page.evaluate(OVERFLOW)
        if found["page"] or found["tables"]:
            overflowing[name] = found
    assert overflowing == {}

    page.goto(live_server.url + reverse("admin:newsletter_send_changelist"))
    assert page.locator("#result_list progress").is_visible()

    page.goto(live_server.url + reverse("admin:articles_article_changelist"))
    title = page.locator("#result_list td.field-title, #result_list th.field-title").first
    # A long title keeps several words a line: its cell is at least 11 em (about 150 px) wide.
    assert title.bounding_box()["width"] >= 150


ROLES = [pytest.param(["Writer"], id="writer"), pytest.param(["Editor"], id="editor"), pytest.param(None, id="admin")]


@pytest.mark.parametrize("groups", ROLES)
def test_admin_index_fits_the_screen_for_each_role(live_server, browser_page, groups):
    """The newsroom dashboard at 1280×800 as a writer, an editor and an admin: nothing scrolls sideways."""
    ensure_staff_groups()
    user = UserFactory(username="someone", groups=groups or [], is_superuser=groups is None)
    editor = UserFactory(username="ed", groups=["Editor"])
    now = timezone.now()
    for n in range(8):
        ArticleFactory(title=f"{LONG} {n}", draft=True, created_by=user)
        ArticleFactory(title=f"Short {n}", created_by=user, published_at=now + timedelta(days=n % 3, hours=n + 1))
        ArticleFactory(title=f"{LONG} {n}", status=Article.Status.IN_REVIEW, published_at=None, created_by=user)
        ArticleFactory(title=f"{LONG} {n}", published_at=now - timedelta(hours=n + 1))
    returned = ArticleFactory(title=LONG, status=Article.Status.IN_REVIEW, published_at=None, created_by=user)
    article_services.article_send_back(article=returned, by=editor, note="Two names are wrong; " * 12)
    CommentFactory(pending=True, body="A long remark about the ferries and the night markets " * 4)

    page = browser_page(width=1280, height=800)
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "someone")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))

    assert page.evaluate(OVERFLOW) == {"page": False, "tables": 0}
    assert page.locator("#newsroom-drafts").is_visible()
    if groups != ["Writer"]:
        calendar = page.locator("#newsroom-calendar")
        assert calendar.locator("tbody tr").count() == 14
        # The day column stays narrow even when the titles are short; the stories get the rest.
        assert calendar.locator("tbody th").first.bounding_box()["width"] <= 200
        assert calendar.locator("td").first.bounding_box()["width"] >= 300
