"""Autosave of the article form in a real browser: close the tab mid-edit, come back, restore, save.

Set ``AUTOSAVE_SCREENSHOTS=DIR`` to keep screenshots of the form at 1280 px.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from articles.models import Article, ArticleAutosave
from articles.tests.factories import ArticleFactory, AuthorFactory, UserFactory
from comments.tests.helpers import ensure_staff_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("AUTOSAVE_SCREENSHOTS")

CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def newsroom():
    ensure_staff_groups()  # a transactional test run before this one may have flushed them
    writer = UserFactory(username="writer-one", groups=["Writer"])
    draft = ArticleFactory(
        draft=True, created_by=writer, title="Ferry timetable changes", body="An opening paragraph.", authors=[AuthorFactory()]
    )
    return {"article": draft, "change": reverse("admin:articles_article_change", args=[draft.pk])}


def watched(page, problems, *, expected=()):
    page.add_init_script(CSP_LISTENER)
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
        and response.status not in expected
        and problems.append(f"{response.status} {response.url}"),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page


def sign_in(live_server, page):
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "writer-one")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))


def shot(page, name):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


def test_a_closed_tab_keeps_the_typed_text_and_the_form_offers_it_back(live_server, browser_page, newsroom):
    from playwright.sync_api import expect

    problems = []
    page = watched(browser_page(width=1280, height=900), problems)
    sign_in(live_server, page)
    page.goto(live_server.url + newsroom["change"])
    assert page.locator("#autosave-offer").count() == 0

    body = page.locator("#id_body")
    body.click()
    body.press("End")
    body.press_sequentially("\n\nThe night ferry now leaves at 23:40.", delay=5)
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("Draft saved", timeout=10_000)
    shot(page, "autosave-status-1280.png")
    assert page.evaluate("window.__cspViolations") == []
    # The article itself is as it was: only the draft copy has the new line.
    article = Article.objects.get(pk=newsroom["article"].pk)
    assert article.body == "An opening paragraph."
    assert "23:40" in ArticleAutosave.objects.get().fields["body"]
    page.close()

    again = watched(page.context.new_page(), problems)
    again.goto(live_server.url + newsroom["change"])
    offer = again.locator("#autosave-offer")
    expect(offer).to_contain_text("You have unsaved changes from")
    expect(offer).to_contain_text("body")
    assert again.locator("#id_body").input_value() == "An opening paragraph."
    expect(offer.locator("ins", has_text="The night ferry now leaves at 23:40.")).to_be_visible()
    shot(again, "autosave-offer-1280.png")
    assert again.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    again.locator("[data-autosave-restore]").click()
    expect(offer).to_have_count(0)
    assert again.locator("#id_body").input_value() == "An opening paragraph.\n\nThe night ferry now leaves at 23:40."
    expect(again.locator("#autosave-status")).to_contain_text("Restored your draft from")
    # The live preview follows the restored text.
    again.locator(".body-editor-rendered p", has_text="23:40").wait_for()

    again.locator("input[name=_save]").click()
    again.wait_for_url(live_server.url + reverse("admin:articles_article_changelist"))
    expect(again.locator(".messagelist")).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert article.body == "An opening paragraph.\n\nThe night ferry now leaves at 23:40."
    assert not ArticleAutosave.objects.exists()
    assert again.evaluate("window.__cspViolations") == []
    assert problems == []


def test_discard_removes_the_offer_and_the_copy(live_server, browser_page, newsroom):
    from playwright.sync_api import expect

    writer = newsroom["article"].created_by
    ArticleAutosave.objects.create(
        user=writer, article=newsroom["article"], base_version=1, fields={"body": "A line I do not want."},
        saved_at=newsroom["article"].updated_at + timedelta(minutes=5),
    )
    problems = []
    page = watched(browser_page(width=1280, height=900), problems)
    sign_in(live_server, page)
    page.goto(live_server.url + newsroom["change"])
    page.locator("[data-autosave-discard]").click()
    expect(page.locator("#autosave-offer")).to_have_count(0)
    expect(page.locator("#autosave-status")).to_contain_text("Discarded your draft")
    assert not ArticleAutosave.objects.exists()
    assert problems == []


def test_typing_into_a_deleted_article_says_so_in_the_status_line(live_server, browser_page, newsroom):
    from playwright.sync_api import expect

    problems = []
    page = watched(browser_page(width=1280, height=900), problems, expected=(410,))
    sign_in(live_server, page)
    page.goto(live_server.url + newsroom["change"])
    page.locator(".body-editor-rendered p").first.wait_for()  # no request in flight while the test writes
    Article.objects.filter(pk=newsroom["article"].pk).delete()

    title = page.locator("#id_title")
    title.click()
    title.press("End")
    title.press_sequentially(" (updated)", delay=5)

    status = page.locator("#autosave-status")
    expect(status).to_have_text(
        "This article was deleted; your text is still in the form — copy it before leaving.", timeout=10_000
    )
    assert page.locator("#id_title").input_value() == "Ferry timetable changes (updated)"
    shot(page, "autosave-deleted-1280.png")
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []


def test_closing_the_tab_right_after_typing_still_keeps_the_text(live_server, browser_page, newsroom):
    """No wait for the 3 s pause: the page sends what it has as it goes (pagehide, keepalive)."""
    from playwright.sync_api import expect

    problems = []
    page = watched(browser_page(width=1280, height=900), problems)
    sign_in(live_server, page)
    page.goto(live_server.url + newsroom["change"])
    standfirst = page.locator("#id_standfirst")
    standfirst.fill("")
    standfirst.press_sequentially("Typed just before the tab closed.", delay=5)
    page.close(run_before_unload=True)

    again = watched(browser_page(width=1280, height=900), problems)
    sign_in(live_server, again)
    again.goto(live_server.url + newsroom["change"])
    expect(again.locator("#autosave-offer")).to_contain_text("standfirst")
    assert ArticleAutosave.objects.get().fields["standfirst"] == "Typed just before the tab closed."
    assert problems == []


def test_the_add_page_offers_back_a_new_story_that_was_never_saved(live_server, browser_page, newsroom):
    from playwright.sync_api import expect

    problems = []
    page = watched(browser_page(width=1280, height=900), problems)
    sign_in(live_server, page)
    add = live_server.url + reverse("admin:articles_article_add")
    page.goto(add)
    key = page.locator("#autosave-key").input_value()
    page.locator("#id_title").press_sequentially("Lantern festival by the river", delay=5)
    page.locator("#id_body").press_sequentially("Lanterns go up at seven.", delay=5)
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved", timeout=10_000)
    page.close()

    again = watched(page.context.new_page(), problems)
    again.goto(add)
    offer = again.locator("#autosave-offer")
    expect(offer).to_contain_text("You began a new story and left it unsaved; it has text in: title, slug, body.")
    shot(again, "autosave-add-offer-1280.png")
    assert again.locator("#autosave-key").input_value() != key
    again.locator("[data-autosave-restore]").click()
    assert again.locator("#id_title").input_value() == "Lantern festival by the river"
    assert again.locator("#id_body").input_value() == "Lanterns go up at seven."
    # Later autosaves go on with the restored draft, not a new one.
    assert again.locator("#autosave-key").input_value() == key
    again.locator("#id_body").press_sequentially(" Bring a coat.", delay=5)
    expect(again.locator("#autosave-status")).to_contain_text("Draft saved", timeout=10_000)
    copy = ArticleAutosave.objects.get()
    assert (copy.draft_key, copy.fields["body"]) == (key, "Lanterns go up at seven. Bring a coat.")
    assert again.evaluate("window.__cspViolations") == []
    assert problems == []


def test_the_status_line_says_when_the_article_changed_since_it_was_opened(live_server, browser_page, newsroom):
    from playwright.sync_api import expect

    from articles import services

    editor = UserFactory(username="editor-one", first_name="Ling", last_name="Wu", groups=["Editor"])
    problems = []
    page = watched(browser_page(width=1280, height=900), problems)
    sign_in(live_server, page)
    page.goto(live_server.url + newsroom["change"])
    page.locator(".body-editor-rendered p").first.wait_for()  # no request in flight while the test writes
    article = Article.objects.get(pk=newsroom["article"].pk)
    article.standfirst = "Changed by an editor meanwhile."
    services.article_save(article=article, by=editor)

    body = page.locator("#id_body")
    body.click()
    body.press("End")
    body.press_sequentially(" More.", delay=5)

    status = page.locator("#autosave-status")
    expect(status).to_contain_text("This article changed since you opened it: Ling Wu saved it at", timeout=10_000)
    expect(status).to_contain_text("Saving the form will be refused; copy your text first.")
    shot(page, "autosave-warning-1280.png")
    assert problems == []
