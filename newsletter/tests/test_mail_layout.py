"""The layout of newsletter mails as a mail program receives them: a table layout with the
masthead, styles written on the elements, every image absolute and sized with alt text, a text
part with every link, Chinese text intact; the CSS inlined once per issue, not once per mail."""

from __future__ import annotations

import email
import email.policy
import re
from html.parser import HTMLParser

import pytest

from articles.renditions import create_renditions
from articles.tests.factories import ArticleFactory, ImageFactory, RegionFactory, TopicFactory
from newsletter import emails, sending, services
from newsletter.models import Send, SendArticle
from newsletter.tests.factories import SendFactory, SubscriberFactory
from newsletter.tests.smtp_sink import smtp_sink

pytestmark = pytest.mark.django_db

SITE = "https://magazine.example"


class Elements(HTMLParser):
    """Every start tag of a document with its attributes, and whether it sits in <head>."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.tags if name == tag]

    def with_class(self, css_class: str) -> list[dict]:
        return [attrs for _, attrs in self.tags if css_class in (attrs.get("class") or "").split()]


class InlineCounter:
    """Stands in for the CSS inliner and counts how often it really inlines."""

    def __init__(self, inliner):
        self.inliner = inliner
        self.calls = 0

    def inline(self, html: str) -> str:
        self.calls += 1
        return self.inliner.inline(html)


@pytest.fixture
def inlining(monkeypatch):
    counter = InlineCounter(emails._INLINER)
    monkeypatch.setattr(emails, "_INLINER", counter)
    emails._inline_layout.cache_clear()
    yield counter
    emails._inline_layout.cache_clear()


@pytest.fixture
def smtp(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.SITE_URL = SITE
    with smtp_sink() as (sink, port):
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        yield sink


def _picture(**fields):
    image = ImageFactory(**fields)
    create_renditions(image)
    image.refresh_from_db()
    return image


@pytest.fixture
def chinese_issue(weekly):
    shanghai = RegionFactory(name="上海", slug="shanghai")
    food = TopicFactory(name="美食", slug="food")
    send = SendFactory(newsletter=weekly, subject="本周上海：灯笼与饺子", intro="你好，读者们。\n\n元宵节到了。")
    stories = [
        ArticleFactory(
            title="外滩的灯笼", standfirst="一年一度的灯会开幕。", region=shanghai, topic=food,
            hero_image=_picture(alt_text="江边的红灯笼"),
        ),
        ArticleFactory(title="Where to eat dumplings & noodles <tonight>", hero_image=_picture(alt_text="")),
        ArticleFactory(title="A story without a picture"),
    ]
    for order, article in enumerate(stories):
        SendArticle.objects.create(send=send, article=article, sort_order=order)
    return send, stories


def _send(send, capture):
    with capture(execute=True):
        services.send_start(send=send)
    send.refresh_from_db()
    assert send.status == Send.Status.SENT


def _received(sink) -> dict[str, email.message.EmailMessage]:
    return {
        rcpt[0]: email.message_from_bytes(content, policy=email.policy.default) for rcpt, content in sink.messages
    }


def _parts(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_issue_mail_is_a_table_layout_with_masthead_styled_on_the_elements(
    weekly, chinese_issue, smtp, settings, django_capture_on_commit_callbacks
):
    send, _ = chinese_issue
    SubscriberFactory(email="reader@example.org", lists=[weekly])
    _send(send, django_capture_on_commit_callbacks)
    [message] = _received(smtp).values()
    _, html = _parts(message)
    page = Elements(html)

    tables = page.all("table")
    assert tables and all(table.get("role") == "presentation" for table in tables)
    shell = page.with_class("shell")[0]
    assert "max-width: 600px" in shell["style"]
    [masthead] = page.with_class("masthead-name")
    assert "font-size: 30px" in masthead["style"]
    assert f'href="{SITE}/" style="' in html and f">{settings.SITE_NAME}</a>" in html
    # The article blocks carry their styles themselves: clients that drop <style> still show them.
    for css_class in ("article", "article-title", "article-link", "article-kicker", "article-standfirst", "footer"):
        found = page.with_class(css_class)
        assert found and all(attrs.get("style") for attrs in found), css_class
    # What stays in <style> is the phone layout only; no script, form or external stylesheet.
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    assert len(styles) == 1 and styles[0].strip().startswith("@media")
    for absent in ("<script", "<form", "<link", "<iframe"):
        assert absent not in html
    assert all(href.startswith(("https://", "mailto:")) for href in (a["href"] for a in page.all("a")))


def test_every_image_is_an_absolute_sized_jpeg_with_alt_text(
    weekly, chinese_issue, smtp, django_capture_on_commit_callbacks
):
    send, stories = chinese_issue
    SubscriberFactory(email="reader@example.org", lists=[weekly])
    _send(send, django_capture_on_commit_callbacks)
    [message] = _received(smtp).values()
    images = Elements(_parts(message)[1]).all("img")

    assert len(images) == 2  # the story without a picture shows none
    for img in images:
        assert img["src"].startswith(f"{SITE}/media/renditions/") and img["src"].endswith(".jpeg")
        assert img["width"] == "560" and img["height"] == "315"  # 1600×900 shown in the 560 px column
        assert "alt" in img
    assert [img["alt"] for img in images] == ["江边的红灯笼", ""]  # a picture with no description is decorative
    assert images[0]["src"] == SITE + stories[0].hero_image.sources("jpeg")[1]["url"]  # the 800 px JPEG


def test_text_part_keeps_every_link_and_both_parts_link_the_web_version(
    weekly, chinese_issue, smtp, django_capture_on_commit_callbacks
):
    send, stories = chinese_issue
    SubscriberFactory(email="reader@example.org", lists=[weekly])
    _send(send, django_capture_on_commit_callbacks)
    [message] = _received(smtp).values()
    text, html = _parts(message)
    web = f"{SITE}/newsletter/issues/{send.web_id}/"

    for article in stories:
        assert f"{SITE}{article.get_absolute_url()}" in text
        assert f'href="{SITE}{article.get_absolute_url()}"' in html
    unsubscribe = re.search(rf"{SITE}/newsletter/unsubscribe/[^\s]+/", text).group(0)
    preferences = re.search(rf"{SITE}/newsletter/preferences/[^\s]+/", text).group(0)
    assert f'href="{unsubscribe}"' in html and f'href="{preferences}"' in html
    assert str(message["List-Unsubscribe"]).strip().startswith(f"<{unsubscribe}>, <mailto:")
    assert f"View in your browser: {web}" in text
    assert re.search(rf'<a [^>]*href="{re.escape(web)}"[^>]*>View in your browser</a>', html)
    assert html.index("View in your browser") < html.index('class="masthead-name"')  # at the top


def test_chinese_subject_and_titles_come_through_and_html_is_escaped(
    weekly, chinese_issue, smtp, django_capture_on_commit_callbacks
):
    send, _ = chinese_issue
    SubscriberFactory(email="reader@example.org", lists=[weekly])
    _send(send, django_capture_on_commit_callbacks)
    [(_, raw)] = smtp.messages
    message = email.message_from_bytes(raw, policy=email.policy.default)
    text, html = _parts(message)

    assert message["Subject"] == "本周上海：灯笼与饺子"
    assert message.get_body(("html",)).get_content_charset() == "utf-8"
    for words in ("外滩的灯笼", "一年一度的灯会开幕。", "上海 · 美食", "你好，读者们。", "元宵节到了。"):
        assert words in text
    for words in ("外滩的灯笼", "一年一度的灯会开幕。", "上海 · 美食", "你好，读者们。", "元宵节到了。", "本周上海：灯笼与饺子"):
        assert words in html
    assert "Where to eat dumplings &amp; noodles &lt;tonight&gt;" in html
    assert "<tonight>" not in html


def test_each_reader_gets_their_own_links_while_the_issue_is_inlined_once(
    weekly, chinese_issue, inlining, settings, mail_settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.NEWSLETTER_BATCH_SIZE = 2  # three batches: the inlined layout outlives a batch
    send, _ = chinese_issue
    for n in range(5):
        SubscriberFactory(email=f"reader{n}@example.org", lists=[weekly])
    SubscriberFactory(email="plain@example.org", lists=[weekly], format="text")
    _send(send, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 6
    assert inlining.calls == 1
    htmls = [dict((mime, body) for body, mime in m.alternatives).get("text/html") for m in mail.outbox]
    personal = set()
    for message, html in zip(mail.outbox, htmls, strict=True):
        unsubscribe = message.extra_headers["List-Unsubscribe"].split(">", 1)[0].lstrip("<")
        assert unsubscribe in message.body
        assert html is None or f'href="{unsubscribe}"' in html
        assert emails.IssueMail.PREFERENCES not in message.body and (html is None or emails.IssueMail.PREFERENCES not in html)
        personal.add(unsubscribe)
    assert len(personal) == 6
    layouts = {re.sub(r"/newsletter/(unsubscribe|preferences)/[^/]+/", "", html) for html in htmls if html}
    assert len(layouts) == 1  # apart from the personal links, one and the same mail


def test_digest_is_inlined_once_per_set_of_articles(weekly, inlining, mail_settings, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    shanghai, beijing = RegionFactory(name="Shanghai"), RegionFactory(name="Beijing")
    recent = timezone.now() - timedelta(hours=1)
    ArticleFactory(title="A Shanghai story", region=shanghai, published_at=recent)
    ArticleFactory(title="A Beijing story", region=beijing, published_at=recent)
    for _ in range(3):
        SubscriberFactory(lists=[weekly], regions=[shanghai])
        SubscriberFactory(lists=[weekly], regions=[beijing])
    digest, _ = services.digest_create(newsletter=weekly)
    _send(digest, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 6
    assert inlining.calls == 2


def test_deliver_claimed_builds_each_mail_from_one_issue_layout(
    weekly, chinese_issue, inlining, mail_settings, django_assert_max_num_queries
):
    """Building a mail costs no query of its own and no inlining after the first."""
    send, _ = chinese_issue
    for _ in range(20):
        SubscriberFactory(lists=[weekly])
    Send.objects.filter(pk=send.pk).update(status=Send.Status.SENDING)
    sending.deliveries_create(send=send)
    claim = sending.claim_batch(send_id=send.pk, size=100)
    with django_assert_max_num_queries(30):
        counts = sending.deliver_claimed(send=send, claim=claim)
    assert counts["sent"] == 20 and inlining.calls == 1


def test_confirmation_and_welcome_mails_share_the_masthead_layout(weekly, smtp):
    subscriber = SubscriberFactory(email="new@example.org", pending=True)
    emails.confirmation_message(subscriber=subscriber, newsletters=[weekly]).send()
    emails.welcome_message(subscriber=subscriber, newsletters=[weekly]).send()
    confirm, welcome = (email.message_from_bytes(raw, policy=email.policy.default) for _, raw in smtp.messages)
    for message, link in ((confirm, "/newsletter/confirm/"), (welcome, "/newsletter/preferences/")):
        text, html = _parts(message)
        page = Elements(html)
        assert page.with_class("masthead-name") and all(t.get("role") == "presentation" for t in page.all("table"))
        [button] = page.with_class("button")
        assert button["href"].startswith(f"{SITE}{link}") and button["href"] in text
        assert "background-color: #c8102e" in page.with_class("button-cell")[0]["style"]
    assert "<strong>7 Days in China</strong>" in _parts(welcome)[1]


def test_mail_image_is_the_narrowest_jpeg_that_fills_the_column(settings):
    settings.SITE_URL = SITE
    wide = _picture()  # 1600×900: renditions at 400, 800 and 1200 px
    assert emails.mail_image(wide) == {
        "src": SITE + wide.sources("jpeg")[1]["url"], "width": 560, "height": 315, "alt": wide.alt_text
    }
    from django.core.files.base import ContentFile

    from articles.tests.factories import image_bytes

    small = _picture(file=ContentFile(image_bytes(width=300, height=200), name="small.jpg"))
    shown = emails.mail_image(small)
    assert (shown["width"], shown["height"]) == (300, 200)  # never blown up past its own size
    assert emails.mail_image(ImageFactory()) is None  # renditions not made yet: no picture rather than the original
    assert emails.mail_image(None) is None


def test_media_on_another_host_keeps_its_own_address(settings):
    settings.SITE_URL = SITE
    assert emails.absolute_media("/media/a.jpeg") == f"{SITE}/media/a.jpeg"
    assert emails.absolute_media("//cdn.example/a.jpeg") == "https://cdn.example/a.jpeg"
    assert emails.absolute_media("https://cdn.example/a.jpeg") == "https://cdn.example/a.jpeg"
