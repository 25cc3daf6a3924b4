"""A corpus of script-injection payloads, posted through the form: each must show inert."""

import re

import pytest
from django.utils.html import escape

from articles.tests.factories import ArticleFactory
from comments.models import Comment, CommentPolicy
from comments.tests.conftest import set_policy
from comments.tests.helpers import form_data, post_url

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "javascript:alert(1)",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<body onload=alert(1)>",
    "<math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "http://example.com/\"onmouseover=\"alert(1)",
    "https://example.com/<script>alert(1)</script>",
    "www.example.com/'><svg onload=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "{{ request.session }}{% debug %}",
    "<style>body{display:none}</style>",
    "<details open ontoggle=alert(1)>",
    "\u202e<script>alert(1)</script>\u202c",
    "<scr\u200bipt>alert(1)</scr\u200bipt>",
    "<!--<script>-->alert(1)",
    "<object data=\"data:text/html,<script>alert(1)</script>\">",
    "<input autofocus onfocus=alert(1)>",
    "<base href=\"http://evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=http://evil.example\">",
]

ALLOWED_IN_BODY = re.compile(r'</?p>|<br>|<a href="https?://[^"<>]*" rel="nofollow ugc noopener">|</a>')


def _rendered_comment(html: str) -> tuple[str, str, str]:
    """The author, the body and the reply-link name attribute of the one comment on the page."""
    author = re.search(r'<strong class="comment-author">(.*?)</strong>', html, re.S).group(1)
    body = re.search(r'<div class="comment-body">(.*?)</div>', html, re.S).group(1)
    reply_name = re.search(r'data-reply-name="([^"]*)"', html).group(1)
    return author, body, reply_name


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_body_and_name_is_shown_inert(client, policy, payload):
    set_policy(policy, mode=CommentPolicy.Mode.PUBLISH)
    article = ArticleFactory()
    response = client.post(post_url(article), form_data(article, name=payload[:80], body=f"before {payload} after"))
    assert response.status_code == 302, response.content.decode()[:500]
    comment = Comment.objects.get()
    assert comment.state == Comment.State.APPROVED
    author, body, reply_name = _rendered_comment(client.get(article.get_absolute_url()).content.decode())
    assert body.startswith("<p>before ") and body.endswith(" after</p>")
    assert "<" not in ALLOWED_IN_BODY.sub("", body), body
    assert "<" not in author and ">" not in author
    assert "<" not in reply_name and '"' not in reply_name
    for text in (author, body):
        assert "\u202e" not in text and "\u200b" not in text


@pytest.mark.parametrize("payload", PAYLOADS[:8])
def test_payload_in_refused_form_is_echoed_escaped(client, payload):
    article = ArticleFactory()
    response = client.post(post_url(article), form_data(article, email="not-an-email", body=payload, name=payload[:80]))
    assert response.status_code == 400
    html = response.content.decode()
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
    name = re.search(r'<input type="text" name="name" value="([^"]*)"', html).group(1)
    assert textarea.strip() == escape(payload)  # what the reader typed, kept, as text
    assert name == escape(payload[:80])


@pytest.mark.parametrize(
    "field_values",
    [
        {"name": "\x00"},
        {"body": "a\x00b"},
        {"email": "a@b.c\x00"},
        {"parent": "abc"},
        {"parent": "-5"},
        {"parent": "99999999999999999999999"},
        {"parent": "123456"},
        {"notify_replies": "maybe"},
        {"timestamp": "\x00"},
        {"name": "x" * 5000},
        {"body": "\u200b\u200b\u202e"},
        {"name": "\u200b"},
        {"body": "😀" * 10, "name": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"},
    ],
)
def test_odd_form_input_never_causes_a_server_error(client, field_values):
    article = ArticleFactory()
    response = client.post(post_url(article), form_data(article, **field_values))
    assert response.status_code in {302, 400}


def test_missing_fields_give_clear_messages(client):
    article = ArticleFactory()
    response = client.post(post_url(article), {})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
