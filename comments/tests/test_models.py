import pytest

from comments.models import body_fingerprint
from comments.tests.factories import CommentFactory
from comments.text import clean_text, find_links, render_comment_html


def test_plain_text_becomes_paragraphs_and_line_breaks():
    html = render_comment_html("First line\nsecond line\n\n\n\nNew paragraph")
    assert html == "<p>First line<br>second line</p>\n<p>New paragraph</p>"


def test_markup_is_escaped_not_interpreted():
    html = render_comment_html('<b>bold</b> & <script>alert("x")</script>')
    assert "<b>" not in html and "<script>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in html


def test_links_are_clickable_with_nofollow_ugc_noopener():
    html = render_comment_html("See https://example.com/a?b=1&c=2. Or www.example.org!")
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc noopener">' in html
    assert '<a href="https://www.example.org" rel="nofollow ugc noopener">www.example.org</a>!' in html


def test_link_keeps_its_own_closing_bracket():
    html = render_comment_html("(see https://en.wikipedia.org/wiki/Bund_(Shanghai))")
    assert 'href="https://en.wikipedia.org/wiki/Bund_(Shanghai)"' in html
    assert html.endswith("</a>)</p>")


@pytest.mark.parametrize("scheme", ["javascript:alert(1)", "data:text/html,hi", "vbscript:x", "ftp://x.example"])
def test_only_web_addresses_become_links(scheme):
    assert "<a " not in render_comment_html(f"try {scheme}")


def test_bidi_overrides_and_zero_width_characters_are_removed():
    text = "abc\u202edcba\u200b\u200dfree\ufeffmoney\u2066x\u2069"
    assert clean_text(text) == "abcdcbafreemoneyx"


def test_control_characters_are_removed_and_newlines_kept():
    assert clean_text("a\x00b\x07c\r\nd\te") == "abc\nd e"


def test_single_line_cleaning_folds_newlines_for_names():
    assert clean_text("  Li\nWei\u200b  ", multiline=False) == "Li Wei"


def test_find_links_counts_each_address():
    assert find_links("a http://a.example b https://b.example/x, www.c.example.") == [
        "http://a.example", "https://b.example/x", "www.c.example"
    ]


def test_fingerprint_ignores_case_spacing_and_invisible_characters():
    assert body_fingerprint("Buy  NOW\n\nplease") == body_fingerprint("buy now please\u200b")
    assert body_fingerprint("") == ""


@pytest.mark.django_db
def test_saving_renders_body_html_and_hash():
    comment = CommentFactory(body="Hello <you>\nhttp://x.example")
    assert comment.body_html == (
        '<p>Hello &lt;you&gt;<br><a href="http://x.example" rel="nofollow ugc noopener">http://x.example</a></p>'
    )
    comment.body = "changed"
    comment.save(update_fields=["body"])
    comment.refresh_from_db()
    assert comment.body_html == "<p>changed</p>"
    assert comment.body_hash == body_fingerprint("changed")
