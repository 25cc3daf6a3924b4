"""Media lines in an article body: pictures, galleries, embeds and pull quotes, and what is
refused with which message (articles/body.py, articles/embeds.py)."""

import pytest

from articles import embeds
from articles.body import body_length, body_segments, problems, render_body
from articles.tests.factories import ImageFactory

NOT_LISTED = "Embeds come only from: YouTube, Bilibili, Vimeo, OpenStreetMap, Google Maps."


def test_an_image_line_becomes_an_image_block_with_an_optional_caption():
    blocks = render_body('Before.\n\n[image 42]\n\n[image 7 "The pier at dawn, for this story"]\n\nAfter.')
    assert blocks[1] == {"type": "image", "image": 42}
    assert blocks[2] == {"type": "image", "image": 7, "caption": "The pier at dawn, for this story"}
    assert [b["type"] for b in blocks] == ["html", "image", "image", "html"]


def test_a_gallery_line_names_its_pictures_in_order():
    assert render_body("[gallery 12 13 14]") == [{"type": "gallery", "images": [12, 13, 14]}]


def test_a_pull_quote_keeps_its_attribution_after_an_em_dash_or_two_hyphens():
    assert render_body("[pull quote] The dumplings are worth the queue. — Wang Fang, owner") == [
        {"type": "pull_quote", "text": "The dumplings are worth the queue.", "attribution": "Wang Fang, owner"}
    ]
    assert render_body("[pull quote] Open till late -- Li Wei")[0]["attribution"] == "Li Wei"
    assert render_body("[Pull Quote] No one said it.")[0] == {"type": "pull_quote", "text": "No one said it.", "attribution": ""}


@pytest.mark.parametrize(
    ("link", "provider", "src"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ?t=90", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90"),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        (
            "https://www.bilibili.com/video/BV1GJ411x7h7/?spm_id_from=333",
            "bilibili",
            "https://player.bilibili.com/player.html?bvid=BV1GJ411x7h7&autoplay=0",
        ),
        ("https://vimeo.com/76979871", "vimeo", "https://player.vimeo.com/video/76979871?dnt=1"),
        (
            "https://www.openstreetmap.org/?mlat=31.2304&mlon=121.4737#map=16/31.2304/121.4737",
            "openstreetmap",
            "https://www.openstreetmap.org/export/embed.html?bbox=",
        ),
        (
            "https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d3411.4!2d121.47",
            "google-maps",
            "https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d3411.4!2d121.47",
        ),
    ],
)
def test_an_embed_line_from_each_provider_becomes_its_player(link, provider, src):
    [block] = render_body(f"[embed {link}]")
    assert block["type"] == "embed" and block["provider"] == provider and block["url"] == link
    assert block["src"].startswith(src)
    assert problems(f"[embed {link}]") == []


def test_an_openstreetmap_embed_frames_the_place_with_a_marker():
    [block] = render_body("[embed https://www.openstreetmap.org/?mlat=31.2304&mlon=121.4737]")
    assert "marker=31.23040%2C121.47370" in block["src"] and "layer=mapnik" in block["src"]
    west, south, east, north = (float(v) for v in block["src"].split("bbox=")[1].split("&")[0].replace("%2C", ",").split(","))
    assert west < 121.4737 < east and south < 31.2304 < north


def test_an_embed_takes_an_optional_title():
    [block] = render_body('[embed https://youtu.be/dQw4w9WgXcQ "Night ferry across the Huangpu"]')
    assert block["title"] == "Night ferry across the Huangpu"
    assert render_body("[embed https://youtu.be/dQw4w9WgXcQ]")[0]["title"] == "YouTube video"


def test_old_bodies_render_as_before():
    body = "One.\n\n[read more]\n\nTwo [image](https://example.com/a.jpg)."
    assert render_body(body) == [
        {"type": "html", "html": "<p>One.</p>"},
        {"type": "read_more"},
        {"type": "html", "html": '<p>Two <a href="https://example.com/a.jpg" rel="noopener">image</a>.</p>'},
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[embed https://example.com/video/1]", f"example.com cannot be embedded. {NOT_LISTED}"),
        ("[embed https://www.tiktok.com/@a/video/1]", NOT_LISTED),
        ("[embed javascript:alert(1)]", NOT_LISTED),
        ("[embed https://www.youtube.com/watch?v=]", "This YouTube link names no video"),
        ("[embed https://youtu.be/]", "This YouTube link names no video"),
        ("[embed https://www.bilibili.com/anime/]", "This Bilibili link names no video"),
        ("[embed https://b23.tv/abc123]", "short b23.tv links must be opened first"),
        ("[embed https://vimeo.com/channels/staffpicks]", "This Vimeo link names no video"),
        ("[embed https://www.openstreetmap.org/about]", "This OpenStreetMap link names no place"),
        ("[embed https://www.google.com/maps/place/The+Bund]", "Share → Embed a map"),
        ("[embed]", "an embed is written [embed https://…]"),
        ("[gallery 12]", "a gallery holds 2 to 20 pictures, this one 1 (use [image N] for one picture)"),
        ("[gallery " + " ".join(str(n) for n in range(1, 22)) + "]", "a gallery holds 2 to 20 pictures, this one 21"),
        ("[image forty-two]", "an image is written [image 42]"),
        ("[image 42]\nand a sentence on the next line", "put each [image …] alone on its line"),
        ("[pull quote]", "A pull quote needs its words"),
    ],
)
def test_a_bad_media_line_is_refused_with_a_message_and_left_as_text(db, line, message):
    found = problems(f"Before.\n\n{line}\n\nAfter.")
    assert len(found) == 1 and message in found[0], found
    # Saved anyway by another path, the line is only text: nothing is embedded.
    blocks = render_body(f"Before.\n\n{line}\n\nAfter.")
    assert all(block["type"] == "html" for block in blocks)


def test_a_host_not_on_the_list_is_refused_even_as_a_bare_address():
    with pytest.raises(embeds.EmbedRefused, match="Embeds come only from"):
        embeds.embed_for("evil.example/youtube.com/watch?v=dQw4w9WgXcQ")


@pytest.mark.django_db
def test_problems_name_unknown_images_and_pictures_without_alt_text():
    described = ImageFactory(alt_text="Stalls under red lanterns")
    bare = ImageFactory(title="Lanterns", alt_text="")
    ornament = ImageFactory(title="Paper texture", alt_text="", decorative=True)
    body = f"[image {described.pk}]\n\n[gallery {bare.pk} {ornament.pk}]\n\n[image 999999]"
    found = problems(body)
    assert found == [
        f"Image {bare.pk} (“Lanterns”) has no alt text: describe the picture in the image library, "
        "or mark it decorative if it adds nothing to the story.",
        "No image 999999 in the library: check the number in the image library, or upload the picture.",
    ]


@pytest.mark.django_db
def test_problems_ask_the_library_once_whatever_the_number_of_pictures(django_assert_num_queries):
    images = ImageFactory.create_batch(6)
    body = "\n\n".join(f"[image {image.pk}]" for image in images) + "\n\n[gallery " + " ".join(str(i.pk) for i in images) + "]"
    with django_assert_num_queries(1):
        assert problems(body) == []


def test_a_pull_quote_counts_as_words_and_pictures_do_not():
    blocks = render_body("Three plain words.\n\n[image 4]\n\n[pull quote] Worth the queue. — Wang Fang")
    assert body_length(blocks, words_per_minute=200).words == 3 + 3 + 2


def test_media_blocks_are_not_counted_when_read_more_links_are_spread_through_the_text():
    blocks = render_body("One.\n\n[image 1]\n\nTwo.\n\n[pull quote] Q.\n\nThree.\n\nFour.")
    segments = body_segments(blocks, ["link"], every=3)
    kinds = ["link" if s.read_more else "quote" if s.quote else s.html for s in segments]
    # The deleted (unknown) picture is left out; the link follows the third paragraph.
    assert kinds == ["<p>One.</p>", "<p>Two.</p>", "quote", "<p>Three.</p>", "link", "<p>Four.</p>"]
