"""A new reader comments, confirms by email and replies; a moderator works the queue; only the
browser that confirmed an address is trusted with it."""

import re

import pytest
from django.core import mail

from articles.tests.factories import ArticleFactory, UserFactory
from comments.models import CommentPolicy
from comments.tests.factories import CommentFactory
from comments.tests.helpers import ensure_staff_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def journey(settings):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    ensure_staff_groups()
    policy, _ = CommentPolicy.objects.get_or_create(pk=1)
    policy.mode = CommentPolicy.Mode.HOLD_ALL
    policy.save()
    article = ArticleFactory(title="The new ferry to Chongming")
    existing = CommentFactory(article=article, name="Zhang San", body="I took it last week: forty minutes, no queue.")
    UserFactory(username="moderator", groups=["Moderator"])
    mail.outbox.clear()
    return {"url": article.get_absolute_url(), "existing": existing.pk}


def _confirm_path() -> str:
    body = mail.outbox[-1].body
    return re.search(r"https?://[^/\s]+(/comments/confirm/\S+/)", body).group(1)


def _run_action(page, base, query, action, message):
    page.goto(f"{base}/admin/comments/comment/?{query}")
    page.check("#action-toggle")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")
    page.get_by_text(message).wait_for()


def test_reader_comments_confirms_replies_and_moderator_approves_spams_restores(live_server, browser_page, journey):
    base = live_server.url
    reader = browser_page(width=1280)
    reader.goto(base + journey["url"])
    assert reader.locator("#comments-title").text_content().strip() == "1 User Comment"

    # A new reader posts a comment and is told it awaits moderation.
    reader.fill("#id_name", "Wang Fang")
    reader.fill("#id_email", "wang.fang@example.com")
    reader.fill("#id_body", "Does the journey ferry take bicycles?\n\nAsking for a weekend trip <b>soon</b>.")
    reader.click("text=Post comment")
    reader.get_by_text("your comment awaits moderation").wait_for()
    own = reader.locator(".comment-pending")
    assert "Awaiting moderation" in own.inner_text()
    assert "<b>soon</b>" in own.locator(".comment-body").inner_text()  # shown as text, not markup

    # The email's link shows a button; pressing it confirms.
    assert mail.outbox[-1].to == ["wang.fang@example.com"]
    reader.goto(base + _confirm_path())
    reader.click("text=Confirm my comment")
    reader.get_by_text("your email is confirmed").wait_for()
    assert "awaits moderation" in reader.content()

    # Reply to another reader's comment: the form moves under that comment.
    reader.goto(base + journey["url"])
    existing = reader.locator(f"#comment-{journey['existing']}")
    existing.locator("a.comment-reply-link").click()
    assert existing.locator("#comment-form").count() == 1
    assert "Replying to Zhang San" in existing.inner_text()
    reader.fill("#id_name", "Wang Fang")
    reader.fill("#id_email", "wang.fang@example.com")
    reader.fill("#id_body", "Thanks, that journey sounds quick!")
    reader.click("text=Post comment")
    reader.get_by_text("your comment awaits moderation").wait_for()
    assert reader.locator(f"#comment-{journey['existing']} .comment-pending").count() == 1

    # A moderator approves both in bulk, marks them as spam, restores them; the count follows.
    moderator = browser_page(width=1280)
    moderator.goto(f"{base}/admin/login/?next=/admin/comments/comment/")
    moderator.fill("#id_username", "moderator")
    moderator.fill("#id_password", "correct-horse-battery")
    moderator.click("input[type=submit]")
    moderator.get_by_text("2 comments awaiting moderation").wait_for()
    _run_action(moderator, base, "state__exact=pending", "approve_selected", "2 comments approved.")

    visitor = browser_page(width=390)
    visitor.goto(base + journey["url"])
    assert visitor.locator("#comments-title").text_content().strip() == "3 User Comments"
    assert visitor.get_by_text("Thanks, that journey sounds quick!").is_visible()

    _run_action(moderator, base, "q=journey", "mark_spam_selected", "2 comments marked as spam.")
    visitor.reload()
    assert visitor.locator("#comments-title").text_content().strip() == "1 User Comment"
    assert visitor.get_by_text("Thanks, that journey sounds quick!").count() == 0

    _run_action(moderator, base, "state__exact=spam", "restore_selected", "2 comments restored.")
    visitor.reload()
    assert visitor.locator("#comments-title").text_content().strip() == "3 User Comments"


def test_first_timer_waits_for_the_moderator_and_only_the_browser_that_confirmed_is_trusted(
    live_server, browser_page, journey
):
    CommentPolicy.objects.filter(pk=1).update(mode=CommentPolicy.Mode.HOLD_FIRST)
    base = live_server.url
    reader = browser_page(width=1280)
    reader.goto(base + journey["url"])
    reader.fill("#id_name", "Wang Fang")
    reader.fill("#id_email", "wang.fang@example.com")
    reader.fill("#id_body", "First time here: is the ferry running in winter?")
    reader.click("text=Post comment")
    reader.get_by_text("your comment awaits moderation").wait_for()

    # Confirming proves the address, but a first comment still waits for the moderator.
    reader.goto(base + _confirm_path())
    assert "confirming does not publish this one" in reader.content()
    reader.click("text=Confirm my comment")
    reader.get_by_text("your email is confirmed").wait_for()
    assert "a moderator reads a new commenter" in reader.content()
    proof = [c for c in reader.context.cookies() if c["name"] == "commenter"]
    assert proof and proof[0]["httpOnly"] and proof[0]["sameSite"] == "Lax"
    assert "commenter=" not in reader.evaluate("document.cookie")  # out of reach of scripts
    assert "wang.fang" not in proof[0]["value"]

    moderator = browser_page(width=1280)
    moderator.goto(f"{base}/admin/login/?next=/admin/comments/comment/")
    moderator.fill("#id_username", "moderator")
    moderator.fill("#id_password", "correct-horse-battery")
    moderator.click("input[type=submit]")
    _run_action(moderator, base, "state__exact=pending", "approve_selected", "1 comment approved.")

    # Approved once: from the browser that confirmed, the next comment is published at once.
    reader.goto(base + journey["url"])
    reader.fill("#id_name", "Wang Fang")
    reader.fill("#id_email", "wang.fang@example.com")
    reader.fill("#id_body", "Found it: it runs all year.")
    reader.click("text=Post comment")
    reader.get_by_text("your comment is published").wait_for()

    # Someone else typing the same address in another browser is held, and not shown.
    stranger = browser_page(width=390)
    stranger.goto(base + journey["url"])
    stranger.fill("#id_name", "Impostor")
    stranger.fill("#id_email", "wang.fang@example.com")
    stranger.fill("#id_body", "The ferry is terrible, never take it.")
    stranger.click("text=Post comment")
    stranger.get_by_text("your comment awaits moderation").wait_for()

    visitor = browser_page(width=390)
    visitor.goto(base + journey["url"])
    assert visitor.get_by_text("Found it: it runs all year.").is_visible()
    assert visitor.get_by_text("The ferry is terrible").count() == 0
    assert "Impostor" not in visitor.content()
