from html.parser import HTMLParser

import pytest

from articles.body import body_segments, render_body
from articles.tests.factories import ArticleFactory


def _html(blocks):
    return "".join(b["html"] for b in blocks if b["type"] == "html")


def test_markdown_becomes_paragraphs_and_subheadings():
    blocks = render_body("## A heading\n\nSome *emphasis* and a [link](https://example.com/).")
    assert blocks == [
        {"type": "html", "html": "<h2>A heading</h2>"},
        {"type": "html", "html": '<p>Some <em>emphasis</em> and a <a href="https://example.com/" rel="noopener">link</a>.</p>'},
    ]


def test_a_level_one_heading_in_the_body_becomes_h2_so_the_page_keeps_one_h1():
    assert render_body("# Big")[0]["html"] == "<h2>Big</h2>"


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=//evil.example></iframe>",
        '![x](https://example.com/a.png "t" onerror=alert(1))',
    ],
)
def test_raw_html_and_dangerous_links_are_neutralised(payload):
    elements = _elements(_html(render_body(payload)))
    assert not {tag for tag, _ in elements} & {"script", "iframe", "object", "embed", "style"}
    for _, attrs in elements:
        assert not [name for name in attrs if name.startswith("on")]
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:")


def _elements(html):
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collector().feed(html)
    return found


def test_body_images_load_lazily():
    html = _html(render_body("![Harbour at night](https://example.com/harbour.jpg)"))
    assert 'loading="lazy"' in html and 'alt="Harbour at night"' in html


def test_read_more_marker_becomes_a_slot():
    blocks = render_body("One.\n\n[read more]\n\nTwo.\n\n[Read More]")
    assert [b["type"] for b in blocks] == ["html", "read_more", "html", "read_more"]


def test_segments_fill_slots_in_order_and_drop_empty_slots():
    blocks = render_body("One.\n\n[read more]\n\nTwo.\n\n[read more]\n\nThree.")
    segments = body_segments(blocks, ["first"])
    assert [s.read_more or s.html for s in segments] == ["<p>One.</p>", "first", "<p>Two.</p>", "<p>Three.</p>"]


def test_without_slots_links_are_spread_through_the_text_and_leftovers_follow_it():
    blocks = render_body("\n\n".join(f"P{n}." for n in range(1, 8)))
    segments = body_segments(blocks, ["a", "b", "c"], every=3)
    assert [s.read_more or s.html for s in segments] == [
        "<p>P1.</p>", "<p>P2.</p>", "<p>P3.</p>", "a",
        "<p>P4.</p>", "<p>P5.</p>", "<p>P6.</p>", "b",
        "<p>P7.</p>", "c",
    ]


def test_empty_body_renders_to_nothing():
    assert render_body("") == []
    assert body_segments([], []) == []


@pytest.mark.django_db
def test_saving_an_article_renders_its_body_again():
    article = ArticleFactory(body="Hello.")
    assert article.body_html == "<p>Hello.</p>"
    article.body = "Goodbye <b>now</b>."
    article.save(update_fields=["body"])
    article.refresh_from_db()
    assert article.body_html == "<p>Goodbye &lt;b&gt;now&lt;/b&gt;.</p>"
