"""Plain-text comment bodies: cleaning what readers send and rendering it to safe HTML.

Readers write plain text. Rendering escapes everything, turns web addresses into links that
carry ``rel="nofollow ugc noopener"`` and keeps paragraphs and line breaks; nothing a reader
types can become markup.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.html import escape

# Bidirectional overrides and isolates reorder text on screen (the "Trojan Source" trick);
# zero-width characters hide words from the blocked-word list and the duplicate check.
INVISIBLE = dict.fromkeys(
    [
        *range(0x202A, 0x202F),  # LRE RLE PDF LRO RLO
        *range(0x2066, 0x206A),  # LRI RLI FSI PDI
        0x200E, 0x200F, 0x061C,  # LRM RLM ALM
        *range(0x200B, 0x200E),  # zero-width space, non-joiner, joiner
        0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x00AD, 0x180E,
    ]
)

URL_RE = re.compile(r"""(?i)\b((?:https?://|www\.)[^\s<>"'`]+)""")
TRAILING = ".,;:!?)]}'\""


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Drop invisible and control characters, normalise line ends; keep every visible word."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").translate(INVISIBLE)
    kept = []
    for char in value:
        if char == "\n" and multiline:
            kept.append(char)
        elif char == "\t":
            kept.append(" ")
        elif unicodedata.category(char) in {"Cc", "Cs", "Co", "Cn"} and char != "\n":
            continue
        elif char == "\n":
            kept.append(" ")
        else:
            kept.append(char)
    text = "".join(kept)
    if multiline:
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.split("\n")))
    else:
        text = re.sub(r"\s+", " ", text)
    return text.strip()


def find_links(text: str) -> list[str]:
    return [match.rstrip(TRAILING) for match in URL_RE.findall(text or "")]


def _linkify(text: str) -> str:
    out = []
    position = 0
    for match in URL_RE.finditer(text):
        url = match.group(1)
        trimmed = url.rstrip(TRAILING)
        # Keep a closing bracket that belongs to the address, e.g. a Wikipedia title.
        while trimmed.count("(") > trimmed.count(")") and url[len(trimmed):].startswith(")"):
            trimmed += ")"
        start, end = match.start(1), match.start(1) + len(trimmed)
        out.append(escape(text[position:start]))
        href = trimmed if trimmed.lower().startswith("http") else f"https://{trimmed}"
        label = trimmed if len(trimmed) <= 60 else trimmed[:57] + "…"
        out.append(f'<a href="{escape(href)}" rel="nofollow ugc noopener">{escape(label)}</a>')
        position = end
    out.append(escape(text[position:]))
    return "".join(out)


def render_comment_html(text: str) -> str:
    """Plain text to HTML: escaped, links made clickable, paragraphs and line breaks kept."""
    paragraphs = [p for p in re.split(r"\n\s*\n", clean_text(text)) if p.strip()]
    return "\n".join(f"<p>{'<br>'.join(_linkify(line) for line in p.split(chr(10)))}</p>" for p in paragraphs)
