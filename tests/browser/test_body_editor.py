"""The article body editor in the admin: live server-side preview, word count, toolbar, shortcuts.

Set ``BODY_EDITOR_SCREENSHOTS=DIR`` to keep screenshots of the editor at 1280 and 900 px.
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from articles.tests.factories import ArticleFactory, UserFactory
from comments.tests.helpers import ensure_staff_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("BODY_EDITOR_SCREENSHOTS")

CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def newsroom():
    """A writer's draft with a hand-picked READ MORE article, made before the browser starts."""
    ensure_staff_groups()  # a transactional test run before this one may have flushed them
    writer = UserFactory(username="writer-one", groups=["Writer"])
    linked = ArticleFactory(title="Where to eat by the ferry pier")
    draft = ArticleFactory(draft=True, created_by=writer, body="An opening paragraph.", read_more=[linked])
    return {"change": reverse("admin:articles_article_change", args=[draft.pk]), "login": reverse("admin:login")}


def open_editor(live_server, browser_page, newsroom, *, width):
    page = browser_page(width=width, height=900)
    page.add_init_script(CSP_LISTENER)
    problems = []
    # Failed requests are told apart by address below (the browser's own /favicon.ico is a 404).
    page.on(
        "console",
        lambda message: message.type == "error"
        and not message.text.startswith("Failed to load resource")
        and problems.append(message.text),
    )
    page.on(
        "response",
        lambda response: response.status >= 400
        and not response.url.endswith("/favicon.ico")
        and problems.append(f"{response.status} {response.url}"),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server.url + newsroom["login"])
    page.fill("#id_username", "writer-one")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))
    page.goto(live_server.url + newsroom["change"])
    page.locator(".body-editor-rendered p").first.wait_for()
    return page, problems


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_typing_updates_the_preview_and_the_toolbar_writes_markdown(live_server, browser_page, newsroom):
    from playwright.sync_api import expect

    page, problems = open_editor(live_server, browser_page, newsroom, width=1280)
    rendered = page.locator(".body-editor-rendered")
    status = page.locator(".body-editor-status")
    # Without a slot, the hand-picked link follows the body, as on the article page.
    assert rendered.inner_text().split() == "An opening paragraph. READ MORE: Where to eat by the ferry pier".split()
    assert status.inner_text() == "3 words · 1 min read"

    body = page.locator("#id_body")
    body.fill("")
    body.press_sequentially("## The harbour\n\nBoats leave at dawn and 外滩夜景 at night.", delay=5)
    page.locator(".body-editor-rendered h2", has_text="The harbour").wait_for()
    expect(rendered).to_contain_text("Boats leave at dawn and 外滩夜景 at night.")  # the last keystroke's preview
    expect(status).to_have_text("13 words (4 Chinese characters counted as words) · 1 min read")

    # A READ MORE slot from the toolbar, after the heading, is filled with the hand-picked link.
    body.evaluate("(el) => { const i = el.value.indexOf('harbour') + 7; el.setSelectionRange(i, i); }")
    page.locator(".body-editor-toolbar [data-action=read-more]").click()
    assert body.input_value().startswith("## The harbour\n\n[read more]\n\nBoats leave")
    page.locator(".body-editor-rendered h2 + .read-more a", has_text="Where to eat by the ferry pier").wait_for()

    # Bold from the toolbar around a selection, italic from the keyboard shortcut.
    body.evaluate("(el) => { const i = el.value.indexOf('Boats'); el.setSelectionRange(i, i + 5); }")
    page.locator(".body-editor-toolbar [data-action=bold]").click()
    page.locator(".body-editor-rendered strong", has_text="Boats").wait_for()
    body.evaluate("(el) => { const i = el.value.indexOf('dawn'); el.setSelectionRange(i, i + 4); }")
    body.press("Control+i")
    page.locator(".body-editor-rendered em", has_text="dawn").wait_for()
    assert "**Boats** leave at *dawn*" in body.input_value()

    # What the page may not show is left out, and the preview says so.
    body.press("End")
    body.press_sequentially("\n\n[old file](ftp://example.com/f)", delay=5)
    page.locator(".body-editor-removed", has_text="a href").wait_for()
    assert page.locator(".body-editor-rendered a", has_text="old file").get_attribute("href") is None

    # Side by side at 1280 px, and nothing scrolls sideways.
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / "body-editor-1280.png"))
    text_box = body.bounding_box()
    preview_box = page.locator(".body-editor-preview").bounding_box()
    assert preview_box["x"] >= text_box["x"] + text_box["width"]
    assert no_sideways_scroll(page)
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []


def test_the_preview_stacks_below_the_text_on_narrower_screens(live_server, browser_page, newsroom):
    page, problems = open_editor(live_server, browser_page, newsroom, width=900)
    text_box = page.locator("#id_body").bounding_box()
    preview_box = page.locator(".body-editor-preview").bounding_box()
    assert preview_box["y"] >= text_box["y"] + text_box["height"]
    assert no_sideways_scroll(page)
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / "body-editor-900.png"), full_page=True)
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []
