"""A story from the first word to the front page, in chromium at 1280 px, as the newsroom works.

A writer writes a new story with a picture uploaded in the editor, a gallery picked from the
library and a video embed, and sees the preview follow; closes the tab mid-edit and restores
the autosaved text; meets a colleague's save and keeps what they typed; submits the story. The
editor sees the count and the mail, sends it back with a note, and publishes the resubmitted
story; the writer is told. No admin page on the way scrolls sideways, and the reader's page
shows the pictures and a video that loads nothing until clicked.

Set ``EDITOR_JOURNEY_SCREENSHOTS=DIR`` to keep a screenshot of every admin page on the way.
"""

import os
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from articles.models import Article, ArticleAutosave, Image
from articles.renditions import create_renditions
from articles.tests.factories import AuthorFactory, ImageFactory, RegionFactory, TopicFactory, UserFactory, image_bytes
from comments.tests.helpers import ensure_staff_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("EDITOR_JOURNEY_SCREENSHOTS")
PASSWORD = "correct-horse-battery"
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
TITLE = "Night noodles on Huanghe Road"
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


class Desk:
    """One person's browser session: every admin page it opens is checked for sideways scroll."""

    def __init__(self, live_server, browser_page, username):
        self.url = live_server.url
        self.page = self._watch(browser_page(width=1280, height=800))
        self.username = username
        self.sideways: list[str] = []
        self.problems: list[str] = []
        self.page.goto(self.url + reverse("admin:login"))
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("input[type=submit]")
        self.page.wait_for_url(self.url + reverse("admin:index"))
        self.look("index")

    def _watch(self, page):
        page.add_init_script(CSP_LISTENER)
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        return page

    def new_tab(self):
        self.page = self._watch(self.page.context.new_page())
        return self.page

    def go(self, path, name):
        self.page.goto(self.url + path)
        self.look(name)

    def look(self, name):
        """Sideways scroll and CSP on the page as it stands; a screenshot when asked for."""
        self.page.wait_for_load_state("load")
        if not self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
            self.sideways.append(f"{self.username}: {name}")
        self.problems.extend(f"{name}: {v}" for v in self.page.evaluate("window.__cspViolations || []"))
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(SCREENSHOTS) / f"{self.username}-{name}.png"), full_page=True)


def pick(page, field_id, text):
    """Choose ``text`` in the admin's autocomplete (select2) for the field ``field_id``."""
    page.locator(f"#{field_id} + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


@pytest.fixture
def newsroom(tmp_path):
    ensure_staff_groups()  # a transactional test run before this one may have flushed them
    writer = UserFactory(username="mei", first_name="Mei", last_name="Chen", email="mei@example.com", groups=["Writer"])
    editor = UserFactory(username="ling", first_name="Ling", last_name="Wu", email="ling@example.com", groups=["Editor"])
    RegionFactory(name="Shanghai", slug="shanghai")
    TopicFactory(name="Food & Drink", slug="food")
    AuthorFactory(name="Mei Chen", slug="mei-chen", user=writer)
    for title, colour in [("Steam over the noodle pots", (200, 90, 30)), ("Queue at midnight", (40, 90, 160))]:
        picture = ContentFile(image_bytes(1200, 800, color=colour), name="library.jpg")
        create_renditions(ImageFactory(title=title, alt_text=title, file=picture))
    picture = tmp_path / "noodle-stall.png"
    picture.write_bytes(image_bytes(900, 600, fmt="PNG", color=(180, 140, 40)))
    return {"writer": writer, "editor": editor, "picture": picture}


def test_a_story_from_the_first_word_to_the_front_page(live_server, browser_page, newsroom, mailoutbox):
    from playwright.sync_api import expect

    mei = Desk(live_server, browser_page, "mei")
    page = mei.page

    # --- Write: a new story, its placement and byline, a body with a picture, a gallery, a video.
    mei.go(reverse("admin:articles_article_add"), "add-article")
    page.fill("#id_title", TITLE)
    page.fill("#id_standfirst", "The stalls that feed the night shift, from eleven till four.")
    pick(page, "id_region", "Shanghai")
    pick(page, "id_topic", "Food & Drink")
    pick(page, "id_bylines-0-author", "Mei Chen")
    body = page.locator("#id_body")
    body.fill("The first pot boils at eleven.")
    rendered = page.locator(".body-editor-rendered")
    rendered.locator("p", has_text="The first pot boils at eleven.").wait_for()
    expect(page.locator(".body-editor-status")).to_contain_text("6 words")

    body.evaluate("(el) => el.setSelectionRange(el.value.length, el.value.length)")
    page.locator(".body-editor-toolbar [data-action=image]").click()
    dialog = page.locator("dialog[data-body-dialog=image]")
    dialog.locator("[data-field=file]").set_input_files(str(newsroom["picture"]))
    dialog.locator("[data-field=title]").fill("Noodle stall")
    dialog.locator("[data-field=alt_text]").fill("A cook lifting noodles out of a steaming pot")
    dialog.locator("[data-field=caption]").fill("Wang Jun's stall, open since 1998")
    dialog.locator("[data-field=credit]").fill("Mei Chen")
    dialog.locator("[data-dialog-action=upload]").click()
    rendered.locator("figure.body-figure img[alt='A cook lifting noodles out of a steaming pot']").wait_for()

    body.evaluate("(el) => el.setSelectionRange(el.value.length, el.value.length)")
    page.locator(".body-editor-toolbar [data-action=gallery]").click()
    library = page.locator("dialog[data-body-dialog=image]")
    library.locator(".body-editor-library-item", has_text="Steam over the noodle pots").click()
    library.locator(".body-editor-library-item", has_text="Queue at midnight").click()
    library.locator("[data-dialog-action=insert-gallery]").click()
    rendered.locator(".body-gallery figure").nth(1).wait_for()

    body.evaluate("(el) => el.setSelectionRange(el.value.length, el.value.length)")
    page.locator(".body-editor-toolbar [data-action=embed]").click()
    embed = page.locator("dialog[data-body-dialog=embed]")
    embed.locator("[data-field=link]").fill(YOUTUBE)
    embed.locator("[data-field=label]").fill("The night shift in two minutes")
    embed.locator("[data-dialog-action=embed]").click()
    rendered.locator("figure.embed .embed-title", has_text="The night shift in two minutes").wait_for()
    assert rendered.locator("iframe").count() == 0  # the admin preview loads nothing third-party
    mei.look("writing")

    page.locator("input[name=_continue]").click()
    page.wait_for_url("**/change/")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    article = Article.objects.get(title=TITLE)
    uploaded = Image.objects.get(title="Noodle stall")
    assert f"[image {uploaded.pk}]" in article.body and "[gallery " in article.body and "[embed " in article.body
    change = reverse("admin:articles_article_change", args=[article.pk])
    mei.look("draft-saved")

    # --- No lost work: a line typed, the tab closed before saving; the reopened form offers it back.
    body = page.locator("#id_body")
    body.click()
    body.press("Control+End")
    body.press_sequentially("\n\nBring cash: the stalls take no cards.", delay=5)
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved", timeout=10_000)
    page.close()

    page = mei.new_tab()
    mei.go(change, "autosave-offer")
    offer = page.locator("#autosave-offer")
    expect(offer).to_contain_text("You have unsaved changes from")
    page.locator("[data-autosave-restore]").click()
    assert page.locator("#id_body").input_value().endswith("Bring cash: the stalls take no cards.")
    page.locator(".body-editor-rendered p", has_text="Bring cash").wait_for()

    # --- A colleague saves while the writer still has the form open: the writer's save is refused,
    # with who and what changed, and everything typed still in the form.
    ling = Desk(live_server, browser_page, "ling")
    ling.go(change, "editor-opens-draft")
    ling.page.fill("#id_standfirst", "Where the night shift eats, from eleven till four.")
    ling.page.locator("input[name=_continue]").click()
    expect(ling.page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.locator("#id_body").press("Control+End")
    page.locator("#id_body").press_sequentially("\n\nThe last bowl goes at four.", delay=5)
    page.locator("input[name=_save]").click()
    conflict = page.locator("#edit-conflict")
    expect(conflict).to_contain_text("Your text is kept")
    expect(page.locator(".errornote, .errorlist").first).to_be_visible()
    expect(page.locator("ul.errorlist.nonfield")).to_contain_text("Not saved: Ling Wu saved this article at")
    expect(conflict.locator("ins", has_text="Where the night shift eats")).to_be_visible()
    typed = page.locator("#id_body").input_value()
    assert typed.endswith("Bring cash: the stalls take no cards.\n\nThe last bowl goes at four.")
    mei.look("edit-conflict")
    article.refresh_from_db()
    assert "The last bowl" not in article.body

    # Reloading shows the colleague's version and offers the typed text back; restoring it and
    # submitting the story for review goes through.
    mei.go(change, "autosave-after-conflict")
    expect(page.locator("#autosave-offer")).to_contain_text("after your copy was typed")
    page.locator("[data-autosave-restore]").click()
    assert page.locator("#id_body").input_value() == typed
    page.select_option("#id_status", "review")
    page.locator("input[name=_save]").click()
    page.wait_for_url(live_server.url + reverse("admin:articles_article_changelist"))
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    mei.look("articles-after-submit")
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW and article.body == typed.replace("\r\n", "\n")
    assert not ArticleAutosave.objects.filter(user=newsroom["writer"]).exists()

    # --- The editor: a mail, a count on the dashboard and the list; sent back with a note.
    to_review = [m for m in mailoutbox if m.subject == f"To review: “{TITLE}”"]
    assert [m.to for m in to_review] == [["ling@example.com"]]
    ling.go(reverse("admin:index"), "dashboard-with-story-in-review")
    expect(ling.page.locator("#newsroom-review-title .newsroom-count")).to_have_text("1")
    ling.go(reverse("admin:articles_article_changelist"), "articles-in-review")
    expect(ling.page.locator(".object-tools")).to_contain_text("1 story in review")
    ling.go(change, "story-in-review")
    ling.page.locator(".object-tools a", has_text="Send back to the writer").click()
    ling.look("send-back")
    ling.page.fill("#id_note", "Say which bus gets there after midnight.")
    ling.page.locator("input[type=submit]").click()
    expect(ling.page.locator(".messagelist")).to_be_visible()
    sent_back = [m for m in mailoutbox if m.subject == f"Sent back to you: “{TITLE}”"]
    assert [m.to for m in sent_back] == [["mei@example.com"]]
    assert "Say which bus gets there after midnight." in sent_back[0].body

    mei.go(change, "sent-back")
    expect(page.locator("#sent-back-note")).to_contain_text("Say which bus gets there after midnight.")
    page.locator("#id_body").press("Control+End")
    page.locator("#id_body").press_sequentially("\n\nThe 24 night bus stops at the corner.", delay=5)
    page.select_option("#id_status", "review")
    page.locator("input[name=_save]").click()
    page.wait_for_url(live_server.url + reverse("admin:articles_article_changelist"))

    # --- The editor publishes; the writer is told.
    ling.go(change, "before-publishing")
    ling.page.select_option("#id_status", "published")
    ling.page.locator("input[name=_save]").click()
    ling.page.wait_for_url(live_server.url + reverse("admin:articles_article_changelist"))
    ling.look("articles-after-publish")
    article.refresh_from_db()
    assert article.is_live
    published = [m for m in mailoutbox if m.subject == f"Published: “{TITLE}”"]
    assert [m.to for m in published] == [["mei@example.com"]]

    # --- The reader's page: the pictures with their sizes, and a video that waits for a click.
    reader = browser_page(width=390, height=844)
    outside = []
    reader.route(lambda url: not url.startswith(live_server.url), lambda route: (outside.append(route.request.url), route.abort()))
    reader.goto(live_server.url + article.get_absolute_url())
    figure = reader.locator("figure.body-figure img[alt='A cook lifting noodles out of a steaming pot']")
    assert figure.get_attribute("width") and figure.get_attribute("height")
    assert reader.locator(".body-gallery figure").count() == 2
    assert reader.locator("figure.embed").count() == 1 and reader.locator("iframe").count() == 0
    assert "The 24 night bus stops at the corner." in reader.locator(".article-body").inner_text()
    assert outside == []

    assert mei.sideways == [] and ling.sideways == []
    assert mei.problems == [] and ling.problems == []
