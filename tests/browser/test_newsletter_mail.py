"""An issue mail opened in a real browser, as a mail program shows it: at 600 px (a desktop
reading pane) and at 390 px (a phone), with and without its <style> block (Gmail's app and
Outlook drop it, keeping only the inlined styles). Nothing may scroll sideways, every image
loads at the size its attributes promise, and the masthead and articles are there.

Set LAYOUT_SCREENSHOTS to a folder to keep screenshots.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from articles.renditions import create_renditions
from articles.tests.factories import ArticleFactory, ImageFactory, RegionFactory, TopicFactory
from newsletter import emails, selectors
from newsletter.models import Newsletter, SendArticle
from newsletter.tests.factories import SendFactory, SubscriberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("LAYOUT_SCREENSHOTS", "")


def _picture(color, alt):
    from django.core.files.base import ContentFile

    from articles.tests.factories import image_bytes

    image = ImageFactory(alt_text=alt, file=ContentFile(image_bytes(color=color), name="photo.jpg"))
    create_renditions(image)
    image.refresh_from_db()
    return image


@pytest.fixture
def mail_file(live_server, settings, tmp_path):
    settings.SITE_URL = live_server.url
    weekly, _ = Newsletter.objects.get_or_create(slug="7-days-in-china", defaults={"name": "7 Days in China"})
    shanghai, food = RegionFactory(name="Shanghai", slug="shanghai"), TopicFactory(name="Food & Drink", slug="food")
    send = SendFactory(
        newsletter=weekly,
        subject="本周上海：灯笼、饺子和外滩的夜晚",
        intro="Hello readers. The lantern festival is here, and the city is lit up from the Bund to the Old Town.\n\n"
        "Here is where to go, what to eat and how to get home after the last metro.",
    )
    stories = [
        ArticleFactory(
            title="外滩的灯笼：一年一度的灯会开幕",
            standfirst="Thousands of lanterns line the river for two weeks; the best views are from the ferry.",
            region=shanghai, topic=food, hero_image=_picture((180, 40, 60), "Red lanterns over the river at dusk"),
        ),
        ArticleFactory(
            title="Where to eat dumplings after midnight in Jing'an",
            standfirst="Six places that stay open late, from a family counter to a Michelin-listed room.",
            region=shanghai, topic=food, hero_image=_picture((40, 90, 160), ""),
        ),
        ArticleFactory(title="A story without a picture", standfirst="Some stories are words only.", region=shanghai, topic=food),
    ]
    for order, article in enumerate(stories):
        SendArticle.objects.create(send=send, article=article, sort_order=order)
    subscriber = SubscriberFactory(lists=[weekly])
    message = emails.issue_message(send=send, subscriber=subscriber, articles=selectors.send_articles(send=send))
    html = dict((mime, body) for body, mime in message.alternatives)["text/html"]
    path = tmp_path / "issue.html"
    path.write_text(html, encoding="utf-8")
    return path


def _look(page, name):
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name}: scrolls sideways"
    images = page.evaluate(
        "[...document.images].map(i => ({loaded: i.complete && i.naturalWidth > 0, w: i.width, attr: +i.getAttribute('width')}))"
    )
    assert len(images) == 2 and all(image["loaded"] for image in images), images
    width = page.viewport_size["width"]
    assert all(image["w"] <= min(image["attr"], width) for image in images), images
    assert page.get_by_role("link", name="View in your browser").is_visible()
    assert page.get_by_role("link", name="外滩的灯笼：一年一度的灯会开幕").is_visible()
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [600, 390])
def test_issue_mail_fits_a_reading_pane_and_a_phone(mail_file, browser_page, width):
    page = browser_page(width=width, height=900)
    page.goto(mail_file.as_uri())
    _look(page, f"newsletter-mail-{width}")
    # A client that drops <style> still gets the layout from the inlined styles.
    page.evaluate("document.querySelectorAll('style').forEach(s => s.remove())")
    _look(page, f"newsletter-mail-{width}-no-style-block")


@pytest.mark.parametrize("kind", ["confirmation", "welcome"])
def test_confirmation_and_welcome_mails_fit_a_phone(kind, live_server, settings, tmp_path, browser_page):
    settings.SITE_URL = live_server.url
    weekly, _ = Newsletter.objects.get_or_create(slug="7-days-in-china", defaults={"name": "7 Days in China"})
    weekly.cadence, weekly.description = "weekly on Wednesday", "The best of the week, from every city we cover."
    subscriber = SubscriberFactory(lists=[weekly])
    build = emails.confirmation_message if kind == "confirmation" else emails.welcome_message
    html = dict((mime, body) for body, mime in build(subscriber=subscriber, newsletters=[weekly]).alternatives)["text/html"]
    path = tmp_path / f"{kind}.html"
    path.write_text(html, encoding="utf-8")
    page = browser_page(width=390, height=700)
    page.goto(path.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    button = page.get_by_role("link", name="Confirm my subscription" if kind == "confirmation" else "Choose your regions and topics")
    assert button.is_visible() and button.bounding_box()["height"] >= 40  # a thumb-sized target
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"newsletter-{kind}-390.png"), full_page=True)
