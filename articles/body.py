"""The article body model: Markdown in, a list of sanitised blocks out.

An article body is stored as Markdown (what staff write) and rendered once on save into
``body_blocks``: a list of ``{"type": "html", "html": ...}`` blocks and
``{"type": "read_more"}`` slots (a line holding only ``[read more]``). The page then fills
the slots with the article's hand-picked "read more" links, see ``body_segments``.

Media are directives, each a paragraph of its own (a blank line before and after):

- ``[image 42]`` or ``[image 42 "A caption for this story"]``: a picture from the image
  library, ``{"type": "image", "image": 42, "caption": ...}``;
- ``[gallery 12 13 14]``: 2 to 20 pictures, ``{"type": "gallery", "images": [12, 13, 14]}``;
- ``[embed <link>]`` (optionally ``[embed <link> "Title"]``): a video or map from a listed
  provider (``articles/embeds.py``), shown as a click-to-load placeholder;
- ``[pull quote] Text — Attribution``: ``{"type": "pull_quote", "text": ..., "attribution": ...}``.

``problems`` lists what is wrong with a body's directives (the admin form and the preview
both call it); ``render_body`` leaves a faulty directive as the text it is.
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

from articles import embeds

READ_MORE_MARKER = re.compile(r"^\s*\[\s*read[\s-]+more\s*\]\s*$", re.IGNORECASE)

GALLERY_MIN, GALLERY_MAX = 2, 20
_QUOTED = r'(?:\s+["\u201c]([^"\u201c\u201d]*)["\u201d])?'
_DIRECTIVE_START = re.compile(r"^\s*\[\s*(image|gallery|embed|pull[\s-]+quote)(?=[\s\]])", re.IGNORECASE)
_IMAGE = re.compile(r"^\s*\[\s*image\s+(\d{1,12})" + _QUOTED + r"\s*\]\s*$", re.IGNORECASE)
_GALLERY = re.compile(r"^\s*\[\s*gallery((?:[\s,]+\d{1,12})+)\s*\]\s*$", re.IGNORECASE)
_EMBED = re.compile(r"^\s*\[\s*embed\s+(\S+?)" + _QUOTED + r"\s*\]\s*$", re.IGNORECASE)
_PULL_QUOTE = re.compile(r"^\s*\[\s*pull[\s-]+quote\s*\]\s*(.*?)\s*$", re.IGNORECASE | re.DOTALL)
# The attribution follows the last em dash (or " -- ") of a pull quote.
_ATTRIBUTION = re.compile(r"^(.*\S)\s*(?:\u2014|\s--)\s*([^\u2014]*?\S)\s*$", re.DOTALL)


class DirectiveError(ValueError):
    """A media line that cannot become a block; the message says how to write it."""


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def parse_directive(content: str) -> dict[str, Any] | None:
    """The block a paragraph's text stands for, None for ordinary text; ``DirectiveError`` when
    it starts like a media directive but is not written as one."""
    start = _DIRECTIVE_START.match(content)
    if start is None:
        return None
    name = start.group(1).lower()
    line = _short(content)
    if name.startswith("pull"):
        match = _PULL_QUOTE.match(content)
        text = " ".join(match.group(1).split()) if match else ""
        if not text:
            raise DirectiveError("A pull quote needs its words after [pull quote], e.g. “[pull quote] Worth the queue. — Wang Fang”.")
        attributed = _ATTRIBUTION.match(text)
        if attributed:
            return {"type": "pull_quote", "text": attributed.group(1), "attribution": attributed.group(2)}
        return {"type": "pull_quote", "text": text, "attribution": ""}
    if "\n" in content.strip():
        raise DirectiveError(f"“{line}”: put each [{name} …] alone on its line, with an empty line before and after it.")
    if name == "image":
        match = _IMAGE.match(content)
        if match is None:
            raise DirectiveError(f"“{line}”: an image is written [image 42] or [image 42 \"A caption\"], with the number from the image library.")
        block: dict[str, Any] = {"type": "image", "image": int(match.group(1))}
        if match.group(2) and match.group(2).strip():
            block["caption"] = " ".join(match.group(2).split())
        return block
    if name == "gallery":
        match = _GALLERY.match(content)
        if match is None:
            raise DirectiveError(f"“{line}”: a gallery is written [gallery 12 13 14], with the numbers of its pictures.")
        ids = [int(number) for number in re.findall(r"\d+", match.group(1))]
        if not GALLERY_MIN <= len(ids) <= GALLERY_MAX:
            raise DirectiveError(
                f"“{line}”: a gallery holds {GALLERY_MIN} to {GALLERY_MAX} pictures, this one {len(ids)}"
                + (" (use [image N] for one picture)." if len(ids) < GALLERY_MIN else ".")
            )
        return {"type": "gallery", "images": ids}
    match = _EMBED.match(content)
    if match is None:
        raise DirectiveError(f"“{line}”: an embed is written [embed https://…] with the link to the video or map. {embeds.NOT_LISTED}")
    try:
        return embeds.embed_for(match.group(1), title=" ".join((match.group(2) or "").split()))
    except embeds.EmbedRefused as refused:
        raise DirectiveError(str(refused)) from refused

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


def _paragraph_text(block) -> str | None:
    """The source text of a top-level paragraph; None for any other block."""
    if len(block) == 3 and block[0].type == "paragraph_open" and block[1].type == "inline":
        return block[1].content
    return None


def _is_read_more_marker(block) -> bool:
    text = _paragraph_text(block)
    return text is not None and READ_MORE_MARKER.match(text) is not None


def _media_block(block) -> dict[str, Any] | None:
    text = _paragraph_text(block)
    if text is None:
        return None
    try:
        return parse_directive(text)
    except DirectiveError:
        return None  # left as the text it is; problems() tells the editor


def _tokens(markdown_text: str, env: dict) -> list:
    tokens = _MD.parse(markdown_text or "", env)
    for token in tokens:
        # The page's headline is its only h1: body headings start at h2.
        if token.type in {"heading_open", "heading_close"} and token.tag == "h1":
            token.tag = "h2"
    return tokens


def directive_problems(markdown_text: str) -> tuple[list[str], list[dict[str, Any]]]:
    """What is wrong with the body's media lines, and the media blocks that are right.

    No database here: ``problems`` adds what the image library says.
    """
    found: list[str] = []
    blocks: list[dict[str, Any]] = []
    for block in _top_level_blocks(_tokens(markdown_text, {})):
        text = _paragraph_text(block)
        if text is None:
            continue
        try:
            media = parse_directive(text)
        except DirectiveError as error:
            found.append(str(error))
            continue
        if media is not None:
            blocks.append(media)
    return found, blocks


def image_ids(blocks: list[dict[str, Any]]) -> list[int]:
    """The library images a body's blocks show, each once, in order of appearance."""
    ids: dict[int, None] = {}
    for block in blocks:
        if block["type"] == "image":
            ids[block["image"]] = None
        elif block["type"] == "gallery":
            ids.update(dict.fromkeys(block["images"]))
    return list(ids)


def problems(markdown_text: str) -> list[str]:
    """Every reason the body cannot be saved as written, in the words an editor needs.

    Media lines written wrongly, embeds from hosts not on the list or broken links on listed
    ones, galleries of fewer than two pictures, image numbers the library does not have and
    pictures without alt text that are not marked decorative. Used by the admin form's body
    check and by the editor's preview alike.
    """
    from articles.models import Image

    found, blocks = directive_problems(markdown_text)
    ids = image_ids(blocks)
    if ids:
        library = Image.objects.only("pk", "title", "alt_text", "decorative").in_bulk(ids)
        for pk in ids:
            image = library.get(pk)
            if image is None:
                found.append(f"No image {pk} in the library: check the number in the image library, or upload the picture.")
            elif not image.alt_text.strip() and not image.decorative:
                found.append(
                    f"Image {pk} (“{image.title}”) has no alt text: describe the picture in the image library, "
                    "or mark it decorative if it adds nothing to the story."
                )
    return found


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


def render_body(markdown_text: str, *, removed: list[str] | None = None) -> list[dict[str, Any]]:
    """The body's blocks: what the article page shows, and what the admin's preview shows.

    When ``removed`` is a list, each tag or attribute that sanitising took out of the
    rendered Markdown is added to it (``"img src"``: an image address outside http(s)).
    """
    env: dict[str, Any] = {}
    tokens = _tokens(markdown_text, env)
    blocks: list[dict[str, Any]] = []
    for block in _top_level_blocks(tokens):
        if _is_read_more_marker(block):
            blocks.append({"type": "read_more"})
            continue
        media = _media_block(block)
        if media is not None:
            blocks.append(media)
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
    figures: tuple = ()  # (Image, caption) pairs of an image (one) or a gallery (several)
    embed: dict | None = None  # an embed's placeholder (embeds.placeholder)
    quote: dict | None = None  # a pull quote block

    @property
    def gallery(self) -> bool:
        return len(self.figures) > 1


def _media_segment(block: dict[str, Any], images: dict) -> Segment | None:
    """The segment of a media block; None when nothing of it can be shown (a deleted picture)."""
    kind = block["type"]
    if kind == "image":
        image = images.get(block["image"])
        if image is None:
            return None
        return Segment(figures=((image, block.get("caption") or image.caption),))
    if kind == "gallery":
        figures = tuple((images[pk], images[pk].caption) for pk in block["images"] if pk in images)
        return Segment(figures=figures) if figures else None
    if kind == "embed":
        placeholder = embeds.placeholder(block)
        return Segment(embed=placeholder) if placeholder else None
    if kind == "pull_quote":
        return Segment(quote=block)
    return None


def body_segments(
    blocks: list[dict[str, Any]],
    read_more: list,
    *,
    images: dict | None = None,
    every: int = 3,
    keep_empty_slots: bool = False,
) -> list[Segment]:
    """Interleave the body's blocks with its READ MORE links.

    Explicit ``[read more]`` slots take the links in order; a slot with no link left is
    dropped (kept as an ``empty_slot`` segment with ``keep_empty_slots``, for the admin's
    preview to show where the next link would go). Without any slot, links go after every ``every``-th block, and links left over
    at the end follow the body. ``images`` maps the numbers of the body's pictures to their
    Image rows (``selectors.body_images``); a picture missing from it is left out.
    """
    images = images or {}
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
        if block["type"] != "html":
            media = _media_segment(block, images)
            if media is not None:
                segments.append(media)
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


def _block_text(block: dict[str, Any]) -> str:
    if block["type"] == "html":
        return unescape(_TAG.sub(" ", block["html"]))
    if block["type"] == "pull_quote":
        return f"{block['text']} {block.get('attribution', '')}"
    return ""


@dataclass(frozen=True)
class BodyLength:
    words: int  # words, with each Han character counted as one
    cjk_characters: int  # of which Han characters (and kana)
    reading_minutes: int


def body_length(blocks: list[dict[str, Any]], *, words_per_minute: int) -> BodyLength:
    """How long the rendered body is for a reader: its words and minutes of reading.

    Counted on the text readers see (no Markdown signs, no link addresses). A Han character
    counts as one word, so a Chinese body's count is its character count; reading time is
    the count over ``words_per_minute``, rounded up (at least a minute for any text). Pull
    quotes are read and count; pictures and embeds do not.
    """
    text = " ".join(_block_text(block) for block in blocks)
    cjk = len(_CJK_CHARACTER.findall(text))
    words = cjk + len(_WORD.findall(_CJK_CHARACTER.sub(" ", text)))
    minutes = math.ceil(words / max(words_per_minute, 1)) if words else 0
    return BodyLength(words=words, cjk_characters=cjk, reading_minutes=minutes)
