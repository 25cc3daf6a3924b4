"""Sending an issue in a real browser: the confirmation step in the admin at 1280 px, and the
issue's web version ("view in browser") on a phone at 390 px.

Set LAYOUT_SCREENSHOTS to a folder to keep screenshots of the pages visited.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core import mail

from articles.tests.factories import ArticleFactory, UserFactory
from newsletter.models import Newsletter, Send, SendArticle
from newsletter.tests.conftest import _newsletter_seed_data  # noqa: F401 (autouse: the manager group after a flush)
from newsletter.tests.factories import SendFactory, SubscriberFactory
from tests.browser.test_layout import CSP_LISTENER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("LAYOUT_SCREENSHOTS", "")
PASSWORD = "a-long-test-password"


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    assert page.evaluate("window.__cspViolations") == [], "Content Security Policy violations"


@pytest.fixture
def issue(live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    weekly, _ = Newsletter.objects.get_or_create(slug="7-days-in-china", defaults={"name": "7 Days in China"})
    for _ in range(3):
        SubscriberFactory(lists=[weekly])
    send = SendFactory(newsletter=weekly, subject="The week of the lantern festival")
    SendArticle.objects.create(send=send, article=ArticleFactory(title="Lanterns over the river"), sort_order=0)
    UserFactory(username="sender", email="sender@example.org", groups=["Newsletter manager"], password=PASSWORD)
    return send


def _sign_in(page, base: str) -> None:
    page.goto(base + "/admin/login/")
    page.get_by_label("Username").fill("sender")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/admin/")


def test_manager_tests_then_confirms_a_send_in_the_admin(issue, browser_page, live_server):
    mail.outbox = []
    page = browser_page(width=1280)
    page.add_init_script(CSP_LISTENER)
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/newsletter/send/{issue.pk}/send/")
    page.get_by_role("link", name="Send now…").click()
    page.get_by_role("button", name="Send now to 3 subscribers").wait_for()
    _fits(page)
    _shot(page, "admin-send-confirm-1280")

    page.get_by_role("button", name="Send a test to me first").click()
    page.get_by_text("A test was sent to sender@example.org").wait_for()
    assert [m.to for m in mail.outbox] == [["sender@example.org"]]
    issue.refresh_from_db()
    assert issue.status == Send.Status.DRAFT

    page.get_by_role("button", name="Send now to 3 subscribers").click()
    page.get_by_text("to 3 subscribers of 7 Days in China has started").wait_for()
    _fits(page)
    _shot(page, "admin-send-started-1280")
    assert len(mail.outbox) == 4


def test_web_version_of_a_sent_issue_fits_a_phone(issue, browser_page, live_server):
    Send.objects.filter(pk=issue.pk).update(status=Send.Status.SENT)
    page = browser_page(width=390)
    page.add_init_script(CSP_LISTENER)
    response = page.goto(f"{live_server.url}/newsletter/issues/{issue.web_id}/")
    assert response.status == 200
    page.get_by_role("heading", name="The week of the lantern festival").wait_for()
    assert page.get_by_role("link", name="Lanterns over the river").first.is_visible()
    _fits(page)
    _shot(page, "newsletter-web-version-390")


def test_progress_on_the_issue_page_updates_by_itself_while_sending(issue, browser_page, live_server):
    from newsletter.models import Delivery, Subscriber

    Send.objects.filter(pk=issue.pk).update(status=Send.Status.SENDING)
    for subscriber in Subscriber.objects.all():
        Delivery.objects.create(send=issue, subscriber=subscriber)
    page = browser_page(width=1280)
    page.add_init_script(CSP_LISTENER)
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/newsletter/send/{issue.pk}/change/")
    progress = page.locator(".send-progress")
    assert progress.text_content() == "3 queued, 0 sent, 0 failed, 0 skipped of 3"
    Delivery.objects.filter(send=issue).update(state=Delivery.State.SENT)
    Send.objects.filter(pk=issue.pk).update(status=Send.Status.SENT)
    from playwright.sync_api import expect

    expect(progress).to_have_text("0 queued, 3 sent, 0 failed, 0 skipped of 3", timeout=10_000)  # no reload
    assert page.locator(".field-status .readonly").text_content() == "Sent"
    assert progress.get_attribute("data-status") == "sent"
    _fits(page)
    _shot(page, "admin-send-progress-1280")
