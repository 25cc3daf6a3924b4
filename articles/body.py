"""The article body model: Markdown in, a list of sanitised blocks out.

An article body is stored as Markdown (what staff write) and rendered once on save into
``body_blocks``: a list of ``{"type": "html", "html": ...}`` blocks and
``{"type": "read_more"}`` slots (a line holding only ``[read more]``). The page then fills
the slots with the article's hand-picked "read more" links, see ``body_segments``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


def render_body(markdown_text: str) -> list[dict[str, str]]:
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
        html = sanitise(_MD.renderer.render(block, _MD.options, env)).strip()
        if html:
            blocks.append({"type": "html", "html": html})
    return blocks


@dataclass(frozen=True)
class Segment:
    html: str = ""
    read_more: Any = None  # an Article, when this segment is a READ MORE link


def body_segments(blocks: list[dict[str, str]], read_more: list, *, every: int = 3) -> list[Segment]:
    """Interleave the body's blocks with its READ MORE links.

    Explicit ``[read more]`` slots take the links in order; a slot with no link left is
    dropped. Without any slot, links go after every ``every``-th block, and links left over
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
            continue
        segments.append(Segment(html=block["html"]))
        html_seen += 1
        if not has_slots and links and html_seen % every == 0 and html_seen < _html_count(blocks):
            segments.append(Segment(read_more=links.pop(0)))
    segments.extend(Segment(read_more=link) for link in links)
    return segments


def _html_count(blocks) -> int:
    return sum(1 for block in blocks if block["type"] == "html")
