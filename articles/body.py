"""The article body model: Markdown in, a list of sanitised blocks out.

An article body is stored as Markdown (what staff write) and rendered once on save into
``body_blocks``: a list of ``{"type": "html", "html": ...}`` blocks and
``{"type": "read_more"}`` slots (a line holding only ``[read more]``). The page then fills
the slots with the article's hand-picked "read more" links, see ``body_segments``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from typing import Any

import nh3
from markdown_it import MarkdownIt

READ_MORE_MARKER = re.compile(r"^\s*\[\s*read[\s-]+more\s*\]\s*$", re.IGNORECASE)

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading", "decoding"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")

    def lazy_image(renderer, tokens, idx, options, env):
        tokens[idx].attrSet("loading", "lazy")
        tokens[idx].attrSet("decoding", "async")
        return renderer.image(tokens, idx, options, env)

    md.add_render_rule("image", lazy_image)
    return md


_MD = _markdown()


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
    )


def _top_level_blocks(tokens):
    """Group a token stream into the token runs of each top-level block."""
    block: list = []
    depth = 0
    for token in tokens:
        block.append(token)
        depth += token.nesting
        if depth == 0:
            yield block
            block = []
    if block:
        yield block


def _is_read_more_marker(block) -> bool:
    return (
        len(block) == 3
        and block[0].type == "paragraph_open"
        and block[1].type == "inline"
        and READ_MORE_MARKER.match(block[1].content) is not None
    )


class _Markup(HTMLParser):
    """The tags and attributes of an HTML fragment, to tell what sanitising took out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found.append(f"<{tag}>")
        self.found.extend(f"{tag} {name}" for name, _ in attrs if name != "rel")


def _markup(html: str) -> list[str]:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.found


def render_body(markdown_text: str, *, removed: list[str] | None = None) -> list[dict[str, str]]:
    """The body's blocks: what the article page shows, and what the admin's preview shows.

    When ``removed`` is a list, each tag or attribute that sanitising took out of the
    rendered Markdown is added to it (``"img src"``: an image address outside http(s)).
    """
    env: dict[str, Any] = {}
    tokens = _MD.parse(markdown_text or "", env)
    for token in tokens:
        # The page's headline is its only h1: body headings start at h2.
        if token.type in {"heading_open", "heading_close"} and token.tag == "h1":
            token.tag = "h2"
    blocks: list[dict[str, str]] = []
    for block in _top_level_blocks(tokens):
        if _is_read_more_marker(block):
            blocks.append({"type": "read_more"})
            continue
        rendered = _MD.renderer.render(block, _MD.options, env)
        html = sanitise(rendered).strip()
        if removed is not None:
            kept = _markup(html)
            for item in _markup(rendered):
                if item in kept:
                    kept.remove(item)
                else:
                    removed.append(item)
        if html:
            blocks.append({"type": "html", "html": html})
    return blocks


@dataclass(frozen=True)
class Segment:
    html: str = ""
    read_more: Any = None  # an Article, when this segment is a READ MORE link
    empty_slot: bool = False  # a [read more] slot no link is left for (previews only)


def body_segments(
    blocks: list[dict[str, str]], read_more: list, *, every: int = 3, keep_empty_slots: bool = False
) -> list[Segment]:
    """Interleave the body's blocks with its READ MORE links.

    Explicit ``[read more]`` slots take the links in order; a slot with no link left is
    dropped (kept as an ``empty_slot`` segment with ``keep_empty_slots``, for the admin's
    preview to show where the next link would go). Without any slot, links go after every ``every``-th block, and links left over
    at the end follow the body.
    """
    links = list(read_more)
    segments: list[Segment] = []
    has_slots = any(block["type"] == "read_more" for block in blocks)
    html_seen = 0
    for block in blocks:
        if block["type"] == "read_more":
            if links:
                segments.append(Segment(read_more=links.pop(0)))
            elif keep_empty_slots:
                segments.append(Segment(empty_slot=True))
            continue
        segments.append(Segment(html=block["html"]))
        html_seen += 1
        if not has_slots and links and html_seen % every == 0 and html_seen < _html_count(blocks):
            segments.append(Segment(read_more=links.pop(0)))
    segments.extend(Segment(read_more=link) for link in links)
    return segments


def _html_count(blocks) -> int:
    return sum(1 for block in blocks if block["type"] == "html")


# Han characters and kana are counted one by one, as Chinese and Japanese text lengths are
# reckoned; everything else by runs of letters and digits ("don't" is one word).
_CJK_CHARACTER = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class BodyLength:
    words: int  # words, with each Han character counted as one
    cjk_characters: int  # of which Han characters (and kana)
    reading_minutes: int


def body_length(blocks: list[dict[str, str]], *, words_per_minute: int) -> BodyLength:
    """How long the rendered body is for a reader: its words and minutes of reading.

    Counted on the text readers see (no Markdown signs, no link addresses). A Han character
    counts as one word, so a Chinese body's count is its character count; reading time is
    the count over ``words_per_minute``, rounded up (at least a minute for any text).
    """
    text = " ".join(unescape(_TAG.sub(" ", block["html"])) for block in blocks if block["type"] == "html")
    cjk = len(_CJK_CHARACTER.findall(text))
    words = cjk + len(_WORD.findall(_CJK_CHARACTER.sub(" ", text)))
    minutes = math.ceil(words / max(words_per_minute, 1)) if words else 0
    return BodyLength(words=words, cjk_characters=cjk, reading_minutes=minutes)
