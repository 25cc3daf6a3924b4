"""Media inside a story in a real browser: upload a picture through the editor's dialog, embed
a video, see the preview; on the article page the video loads only on the reader's click.

Set ``BODY_MEDIA_SCREENSHOTS=DIR`` to keep screenshots (admin at 1280 px, article at 390 px).
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from articles.tests.factories import ArticleFactory, ImageFactory, UserFactory, image_bytes
from comments.tests.helpers import ensure_staff_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("BODY_MEDIA_SCREENSHOTS")
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def shoot(page, name, **options):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), **options)


def watch(page):
    problems = []
    page.add_init_script(CSP_LISTENER)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda response: response.status >= 400 and not response.url.endswith("/favicon.ico")
        and problems.append(f"{response.status} {response.url}"),
    )
    return problems


def test_a_writer_uploads_a_picture_and_embeds_a_video_and_the_preview_shows_both(live_server, browser_page, tmp_path):
    ensure_staff_groups()
    writer = UserFactory(username="media-writer", groups=["Writer"])
    draft = ArticleFactory(draft=True, created_by=writer, body="The night market opens at six.")
    ImageFactory(title="Lanterns on Dongtai Road", caption="Lanterns")
    picture = tmp_path / "dumpling-stall.png"
    picture.write_bytes(image_bytes(640, 480, fmt="PNG", color=(200, 120, 40)))
    not_a_picture = tmp_path / "notes.png"
    not_a_picture.write_bytes(b"Meeting notes, not a picture.\n" * 20)

    page = browser_page(width=1280, height=900)
    problems = watch(page)
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "media-writer")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[draft.pk]))
    page.locator(".body-editor-rendered p").first.wait_for()
    body = page.locator("#id_body")
    body.evaluate("(el) => el.setSelectionRange(el.value.length, el.value.length)")

    # Upload: a file that is not a picture is refused in the dialog, with what was typed kept.
    page.locator(".body-editor-toolbar [data-action=image]").click()
    dialog = page.locator("dialog[data-body-dialog=image]")
    dialog.wait_for()
    dialog.locator("[data-field=file]").set_input_files(str(not_a_picture))
    dialog.locator("[data-field=title]").fill("Dumpling stall")
    dialog.locator("[data-field=alt_text]").fill("A cook folding dumplings at a market stall")
    dialog.locator("[data-field=caption]").fill("Open till late")
    dialog.locator("[data-dialog-action=upload]").click()
    dialog.locator("[data-errors=file] li", has_text="is not an image we can read").wait_for()
    shoot(page, "image-dialog-error-1280.png")
    assert dialog.locator("[data-field=alt_text]").input_value() == "A cook folding dumplings at a market stall"

    dialog.locator("[data-field=file]").set_input_files(str(picture))
    dialog.locator("[data-dialog-action=upload]").click()
    page.locator(".body-editor-rendered figure.body-figure img[alt='A cook folding dumplings at a market stall']").wait_for()
    assert not dialog.is_visible()
    assert "Open till late" in page.locator(".body-editor-rendered figcaption").first.inner_text()
    from articles.models import Image

    uploaded = Image.objects.get(title="Dumpling stall")
    assert f"\n\n[image {uploaded.pk}]" in body.input_value()

    # The library: pick the older picture for a second figure.
    page.locator(".body-editor-toolbar [data-action=image]").click()
    dialog.locator("[data-tab=library]").click()
    dialog.locator(".body-editor-library-item", has_text="Lanterns on Dongtai Road").click()
    page.locator(".body-editor-rendered figcaption", has_text="Lanterns").wait_for()

    # An embed from a host not on the list is refused in its dialog with the list shown.
    page.locator(".body-editor-toolbar [data-action=embed]").click()
    embed = page.locator("dialog[data-body-dialog=embed]")
    embed.locator("[data-field=link]").fill("https://example.com/clip")
    embed.locator("[data-dialog-action=embed]").click()
    embed.locator("[data-errors=link] li", has_text="Embeds come only from: YouTube, Bilibili, Vimeo").wait_for()
    embed.locator("[data-field=link]").fill(YOUTUBE)
    embed.locator("[data-field=label]").fill("Folding dumplings")
    embed.locator("[data-dialog-action=embed]").click()
    page.locator(".body-editor-rendered figure.embed .embed-title", has_text="Folding dumplings").wait_for()
    assert f'[embed {YOUTUBE} "Folding dumplings"]' in body.input_value()
    assert page.locator(".body-editor-rendered iframe").count() == 0

    # A problem typed by hand shows above the preview.
    body.press("End")
    body.press_sequentially("\n\n[gallery 1]", delay=5)
    page.locator(".body-editor-problems li", has_text="a gallery holds 2 to 20 pictures").wait_for()
    page.locator(".body-editor-preview").evaluate("(el) => el.scrollTop = 0")
    shoot(page, "body-media-editor-1280.png")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("window.__cspViolations") == []
    assert [p for p in problems if "/editor/images/upload/" not in p] == []  # the refused upload was a 400


def test_the_reader_loads_the_video_only_by_clicking_its_placeholder(live_server, browser_page):
    image = ImageFactory(alt_text="Steam over bamboo baskets", caption="Breakfast", credit="Li Na")
    gallery = ImageFactory.create_batch(3)
    article = ArticleFactory(
        body=(
            f"The queue starts at dawn.\n\n[image {image.pk}]\n\n[embed {YOUTUBE} \"Folding dumplings\"]\n\n"
            "[pull quote] The dumplings are worth the queue. — Wang Fang, owner\n\n"
            f"[gallery {' '.join(str(i.pk) for i in gallery)}]\n\nThe end."
        )
    )
    page = browser_page(width=390, height=844)
    problems = watch(page)
    outside = []

    def intercept(route):
        # Nothing leaves the machine: third-party requests are answered here and recorded.
        outside.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>player</p>")

    page.route(lambda url: not url.startswith(live_server.url), intercept)
    page.goto(live_server.url + article.get_absolute_url())
    placeholder = page.locator("figure.embed")
    placeholder.scroll_into_view_if_needed()
    assert placeholder.locator(".embed-load").is_visible()
    assert page.locator("iframe").count() == 0
    assert outside == []
    shoot(page, "article-embed-placeholder-390.png")
    placeholder.locator(".embed-load", has_text="Load the video from YouTube").click()
    frame = page.locator("figure.embed iframe")
    frame.wait_for()
    assert frame.get_attribute("src") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert frame.get_attribute("title") == "Folding dumplings"
    assert "allow-scripts" in frame.get_attribute("sandbox")
    page.wait_for_function("() => true")
    page.wait_for_timeout(300)
    assert outside and all(url.startswith("https://www.youtube-nocookie.com/") for url in outside)
    shoot(page, "article-embed-loaded-390.png")
    page.locator(".body-gallery").scroll_into_view_if_needed()
    shoot(page, "article-gallery-390.png")
    shoot(page, "article-media-390-full.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []
