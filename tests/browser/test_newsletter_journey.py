"""A new subscriber's journey in a real browser, reading the mails from the test outbox.

Sign up from an article, confirm from the mail, receive the next issue, open the preference
centre from it, switch to one region and plain text, then unsubscribe with one click.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail

from articles.tests.factories import ArticleFactory, RegionFactory, TopicFactory
from newsletter import services
from newsletter.models import Newsletter, SendArticle, Subscriber
from newsletter.tests.factories import SendFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def link_in(message, kind: str, origin: str) -> str:
    path = re.search(rf"https?://[^/\s]+(/newsletter/{kind}/[^\s>]+/)", message.body).group(1)
    return origin + path


@pytest.mark.parametrize("width", [390, 1280])
def test_reader_signs_up_confirms_gets_an_issue_sets_preferences_and_unsubscribes(width, browser_page, live_server, settings):
    settings.SITE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    weekly, _ = Newsletter.objects.get_or_create(
        slug="7-days-in-china", defaults={"name": "7 Days in China", "cadence": "weekly on Wednesday", "is_default": True}
    )
    shanghai = RegionFactory(name="Shanghai", slug="shanghai")
    RegionFactory(name="Beijing", slug="beijing")
    TopicFactory(name="Food & Drink", slug="food-drink")
    article = ArticleFactory(title="The best jianbing in town", region=shanghai)
    mail.outbox = []

    page = browser_page(width=width)
    page.goto(live_server.url + article.get_absolute_url())
    promo = page.locator("aside.promo-newsletter")
    promo.get_by_label("Email address").fill("new.reader@example.org")
    promo.get_by_label("I agree to receive").check()
    promo.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()

    assert [m.to for m in mail.outbox] == [["new.reader@example.org"]]
    page.goto(link_in(mail.outbox[0], "confirm", live_server.url))
    assert Subscriber.objects.get().state == Subscriber.State.PENDING  # opening the link changed nothing
    page.get_by_role("button", name="Yes, subscribe me").click()
    page.get_by_role("heading", name="You are subscribed").wait_for()

    send = SendFactory(newsletter=weekly, subject="This week in Shanghai")
    SendArticle.objects.create(send=send, article=article)
    services.send_start(send=send)
    issue = mail.outbox[-1]
    assert issue.subject == "This week in Shanghai" and "The best jianbing in town" in issue.body

    page.goto(link_in(issue, "preferences", live_server.url))
    page.get_by_role("heading", name="Your newsletter preferences").wait_for()
    page.get_by_label("Shanghai").check()
    page.get_by_label("Plain text").check()
    page.get_by_role("button", name="Save my choices").click()
    page.get_by_text("Your choices are saved.").wait_for()
    subscriber = Subscriber.objects.get()
    assert subscriber.format == "text" and [r.slug for r in subscriber.regions.all()] == ["shanghai"]

    unsubscribe_url = re.match(r"<(https?:[^>]+)>", issue.extra_headers["List-Unsubscribe"]).group(1)
    response = page.request.post(
        unsubscribe_url,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.UNSUBSCRIBED
