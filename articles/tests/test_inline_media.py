"""Pictures, galleries, embeds and pull quotes inside a story, as readers and staff meet them:
the article page, its page cache and CSP, the admin form, and the editor's image endpoints."""

import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import embeds, services
from articles.models import Article, Image
from articles.renditions import create_renditions
from articles.tests.admin_helpers import ADMIN_PASSWORD, article_post_data, change_url
from articles.tests.factories import ArticleFactory, AuthorFactory, ImageFactory, UserFactory, image_bytes

pytestmark = pytest.mark.django_db

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict]]:
    parser = _Attributes()
    parser.feed(html)
    return parser.tags


def article_body(html: str) -> str:
    start = html.index('<div class="article-body">')
    return html[start : html.index("</article>", start)]


def test_an_inline_picture_renders_as_a_figure_with_the_heros_picture_and_caption(client):
    image = ImageFactory(alt_text="Steam rising from bamboo baskets", caption="The morning rush", credit="Li Na")
    create_renditions(image)
    article = ArticleFactory(body=f'Intro.\n\n[image {image.pk}]\n\n[image {image.pk} "Breakfast, for this story"]')
    body = article_body(client.get(article.get_absolute_url()).content.decode())
    assert body.count('<figure class="body-figure">') == 2
    img = next(attrs for tag, attrs in tags_of(body) if tag == "img")
    assert img["alt"] == "Steam rising from bamboo baskets"
    assert img["width"] == "1600" and img["height"] == "900" and img["loading"] == "lazy"
    sources = [attrs for tag, attrs in tags_of(body) if tag == "source"]
    # WebP as a <source>, the JPEG renditions as the <img>'s own srcset (the fallback).
    assert {s["type"] for s in sources} == {"image/webp"}
    assert all(re.search(r"\d+w, ", s["srcset"]) and s["sizes"] for s in [*sources, img])
    assert "<figcaption>The morning rush <span class=\"credit\">Photo: Li Na</span></figcaption>" in body
    assert "<figcaption>Breakfast, for this story <span class=\"credit\">Photo: Li Na</span></figcaption>" in body


def test_a_decorative_picture_has_empty_alt_text(client):
    ornament = ImageFactory(alt_text="", decorative=True, caption="", credit="")
    article = ArticleFactory(body=f"[image {ornament.pk}]")
    body = article_body(client.get(article.get_absolute_url()).content.decode())
    assert next(attrs for tag, attrs in tags_of(body) if tag == "img")["alt"] == ""
    assert "<figcaption" not in body


def test_a_gallery_is_a_grid_of_figures_in_order(client):
    images = [ImageFactory(caption=f"Stall {n}") for n in range(3)]
    article = ArticleFactory(body="[gallery " + " ".join(str(i.pk) for i in reversed(images)) + "]")
    body = article_body(client.get(article.get_absolute_url()).content.decode())
    assert '<div class="body-gallery" role="group" aria-label="Gallery of 3 pictures">' in body
    assert re.findall(r"Stall \d", body) == ["Stall 2", "Stall 1", "Stall 0"]


def test_a_deleted_picture_is_left_out_without_an_error(client):
    image = ImageFactory()
    article = ArticleFactory(body=f"Before.\n\n[image {image.pk}]\n\nAfter.")
    image.delete()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200 and "body-figure" not in response.content.decode()


def test_an_embed_is_a_placeholder_that_loads_nothing_from_the_provider(client):
    article = ArticleFactory(body=f'Before.\n\n[embed {YOUTUBE} "The night ferry"]\n\nAfter.')
    html = client.get(article.get_absolute_url()).content.decode()
    body = article_body(html)
    assert '<figure class="embed embed-video"' in body
    assert "The night ferry" in body and "Load the video from YouTube" in body
    assert "Loading it connects to www.youtube-nocookie.com" in body
    assert "<iframe" not in html
    figure = next(attrs for tag, attrs in tags_of(body) if tag == "figure" and "data-embed-src" in attrs)
    assert figure["data-embed-src"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    # No address outside the site in any src or href, but the plain link to the original.
    outside = [
        (tag, name, value)
        for tag, attrs in tags_of(html)
        for name, value in attrs.items()
        if name in {"src", "href", "srcset", "action", "poster"} and value and re.match(r"(https?:)?//", value)
        and not value.startswith("http://testserver")
    ]
    assert [value for tag, name, value in outside if "youtube" in value] == [YOUTUBE]
    assert re.search(r'<script src="[^"]*/js/embeds\.js" defer>', html)


def test_the_embeds_script_is_only_on_pages_with_an_embed(client):
    html = client.get(ArticleFactory(body="Plain text.").get_absolute_url()).content.decode()
    assert "embeds.js" not in html


def test_a_pull_quote_is_a_figure_with_its_attribution(client):
    article = ArticleFactory(body="Intro.\n\n[pull quote] The dumplings are worth the queue. — Wang Fang, owner")
    body = article_body(client.get(article.get_absolute_url()).content.decode())
    assert (
        '<figure class="pull-quote"><blockquote><p>The dumplings are worth the queue.</p></blockquote>'
        "<figcaption>Wang Fang, owner</figcaption></figure>"
    ) in body


def test_the_csp_frames_exactly_the_embed_players(client):
    article = ArticleFactory(body=f"[embed {YOUTUBE}]")
    policy = client.get(article.get_absolute_url())["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.split()}
    assert directives["frame-src"] == [
        "https://www.youtube-nocookie.com",
        "https://player.bilibili.com",
        "https://player.vimeo.com",
        "https://www.openstreetmap.org",
        "https://www.google.com",
    ]
    assert directives["frame-src"] == embeds.FRAME_SOURCES
    assert "child-src" not in directives and "*" not in policy


def test_inline_pictures_cost_one_query_however_many_there_are(client):
    counts = []
    for number in (1, 8):
        images = ImageFactory.create_batch(number)
        body = "Intro.\n\n" + "\n\n".join(f"[image {i.pk}]" for i in images)
        if number > 1:
            body += "\n\n[gallery " + " ".join(str(i.pk) for i in images) + "]"
        article = ArticleFactory(body=body, authors=[AuthorFactory()])
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(article.get_absolute_url())
        assert response.content.decode().count("body-figure") >= number
        counts.append(len(queries.captured_queries))
        image_queries = [q["sql"] for q in queries.captured_queries if 'FROM "articles_image"' in q["sql"]]
        assert len(image_queries) == 1, image_queries
    assert counts[0] == counts[1]


def test_changing_an_inline_pictures_caption_refreshes_the_cached_page(client, settings, django_capture_on_commit_callbacks):
    settings.PAGE_CACHE_ENABLED = True
    image = ImageFactory(caption="Old caption")
    article = ArticleFactory(body=f"[image {image.pk}]")
    url = article.get_absolute_url()
    assert "Old caption" in client.get(url).content.decode()
    assert "Old caption" in client.get(url).content.decode()  # now from the page cache
    image.caption = "New caption"
    with django_capture_on_commit_callbacks(execute=True):
        services.image_save(image=image)
    assert "New caption" in client.get(url).content.decode()


def test_deleting_a_picture_in_the_admin_refreshes_the_cached_pages_that_showed_it(client, settings, django_capture_on_commit_callbacks):
    from django.urls import reverse

    settings.PAGE_CACHE_ENABLED = True
    inline = ImageFactory(caption="Gone soon")
    hero = ImageFactory(alt_text="The ferry at dusk")
    article = ArticleFactory(body=f"Opening.\n\n[image {inline.pk}]", hero_image=hero)
    url = article.get_absolute_url()
    client.get(url)
    page = client.get(url).content.decode()  # from the page cache
    assert "Gone soon" in page and "The ferry at dusk" in page
    staff = Client()
    staff.force_login(UserFactory(username="pictures-editor", groups=["Editor"]))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("admin:articles_image_changelist"),
            {"action": "delete_selected", "_selected_action": [inline.pk, hero.pk], "post": "yes"},
        )
    assert response.status_code == 302

    page = client.get(url).content.decode()
    assert "Gone soon" not in page and "The ferry at dusk" not in page
    assert "Opening." in page


def test_an_image_needs_alt_text_unless_it_is_decorative():
    image = ImageFactory.build(alt_text="  ")
    with pytest.raises(ValidationError) as refused:
        image.full_clean()
    assert "tick “decorative”" in str(refused.value.message_dict["alt_text"])
    ImageFactory.build(alt_text="", decorative=True).full_clean()


# --- The admin form: the body's problems beside the field, the text kept as typed.

@pytest.fixture
def writer_client(client):
    writer = UserFactory(username="media-writer", groups=["Writer"])
    client.login(username=writer.username, password=ADMIN_PASSWORD)
    client.writer = writer
    return client


def test_the_admin_form_refuses_bad_media_lines_and_keeps_the_text(writer_client):
    article = ArticleFactory(draft=True, created_by=writer_client.writer, authors=[AuthorFactory()])
    bare = ImageFactory(alt_text="")
    typed = f"My new paragraph.\n\n[image {bare.pk}]\n\n[image 987654]\n\n[embed https://example.com/clip]"
    response = writer_client.post(change_url(article), article_post_data(article, body=typed))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["body"]
    assert any("has no alt text" in e for e in errors)
    assert any("No image 987654 in the library" in e for e in errors)
    assert any("Embeds come only from: YouTube, Bilibili, Vimeo, OpenStreetMap, Google Maps." in e for e in errors)
    assert response.context["adminform"].form["body"].value() == typed
    article.refresh_from_db()
    assert "My new paragraph" not in article.body


def test_the_admin_form_saves_good_media_lines(writer_client):
    article = ArticleFactory(draft=True, created_by=writer_client.writer, authors=[AuthorFactory()])
    image = ImageFactory()
    typed = f"[image {image.pk}]\n\n[embed {YOUTUBE}]\n\n[pull quote] Worth it. — Ma Lin"
    response = writer_client.post(change_url(article), article_post_data(article, body=typed))
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert [b["type"] for b in article.body_blocks] == ["image", "embed", "pull_quote"]


def test_the_body_help_names_the_media_lines(writer_client):
    html = writer_client.get(reverse("admin:articles_article_add")).content.decode()
    assert "[gallery 12 13 14]" in html and "[embed https://…]" in html and "[pull quote]" in html


# --- The preview endpoint shows the same problems and the figures.

def test_the_preview_lists_problems_and_shows_figures_and_placeholders(writer_client):
    image = ImageFactory(caption="Lanterns")
    body = f"[image {image.pk}]\n\n[embed {YOUTUBE}]\n\n[embed https://example.com/x]"
    data = writer_client.post(reverse("articles:body_preview"), {"body": body}).json()
    assert data["problems"] == [f"example.com cannot be embedded. {embeds.NOT_LISTED}"]
    assert '<figure class="body-figure">' in data["html"] and '<figure class="embed embed-video"' in data["html"]
    assert "<iframe" not in data["html"]


# --- The editor's image endpoints.

def png_upload(name="harbour.png"):
    return SimpleUploadedFile(name, image_bytes(400, 300, fmt="PNG"), content_type="image/png")


UPLOAD_URL = reverse("articles:image_upload")
LIBRARY_URL = reverse("articles:image_library")


def test_a_writer_uploads_a_png_and_gets_its_number_and_thumbnail(writer_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = writer_client.post(
            UPLOAD_URL,
            {"title": "Harbour", "alt_text": "Cranes over the harbour", "caption": "Dawn", "credit": "Zhou", "file": png_upload()},
        )
    assert response.status_code == 201, response.content
    data = response.json()["image"]
    image = Image.objects.get(pk=data["id"])
    assert image.alt_text == "Cranes over the harbour" and image.width == 400
    assert data["thumbnail"].startswith("/media/") and response["Cache-Control"] == "private, no-store"
    assert image.rendition_summary  # made through services.image_save's task


def test_a_text_file_named_png_is_refused_with_a_clear_message(writer_client):
    fake = SimpleUploadedFile("notes.png", b"Meeting notes, not a picture.\n" * 20, content_type="image/png")
    response = writer_client.post(UPLOAD_URL, {"title": "Notes", "alt_text": "x", "file": fake})
    assert response.status_code == 400
    [message] = response.json()["errors"]["file"]
    assert "“notes.png” is not an image we can read" in message
    assert not Image.objects.exists()


def test_an_upload_without_alt_text_must_be_marked_decorative(writer_client):
    response = writer_client.post(UPLOAD_URL, {"title": "Texture", "alt_text": "", "file": png_upload()})
    assert response.status_code == 400
    assert "tick “decorative”" in response.json()["errors"]["alt_text"][0]
    response = writer_client.post(UPLOAD_URL, {"title": "Texture", "alt_text": "", "decorative": "on", "file": png_upload()})
    assert response.status_code == 201 and Image.objects.get().decorative


def test_the_library_lists_the_newest_pictures_and_searches_them(writer_client):
    ImageFactory(title="Night market", caption="Skewers")
    ImageFactory(title="Bund at dawn", credit="Wu Jun")
    titles = [i["title"] for i in writer_client.get(LIBRARY_URL).json()["images"]]
    assert titles == ["Bund at dawn", "Night market"]
    assert [i["title"] for i in writer_client.get(LIBRARY_URL, {"q": "skewers"}).json()["images"]] == ["Night market"]
    assert writer_client.get(LIBRARY_URL, {"q": "x" * 101}).status_code == 400


@pytest.mark.parametrize("who", ["anonymous", "reader", "staff without article rights"])
def test_only_newsroom_staff_may_use_the_image_endpoints(client, who):
    if who == "reader":
        client.force_login(UserFactory(is_staff=False, groups=["Writer"]))
    elif who == "staff without article rights":
        client.force_login(UserFactory(is_staff=True))
    for response in (client.get(LIBRARY_URL), client.post(UPLOAD_URL, {"title": "x", "alt_text": "y", "file": png_upload()})):
        assert response.status_code == 403 and "error" in response.json()
    assert not Image.objects.exists()


def test_the_image_endpoints_are_csrf_checked(writer_client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(writer_client.writer)
    assert strict.post(UPLOAD_URL, {"title": "x", "alt_text": "y", "file": png_upload()}).status_code == 403
    assert Article.objects.count() == 0 and not Image.objects.exists()
