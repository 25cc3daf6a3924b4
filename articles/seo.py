"""Search-engine and social metadata of an article page: JSON-LD NewsArticle, og:image."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.templatetags.static import static

from articles.models import Article, Image

HEADLINE_MAX = 110  # Google's limit for a NewsArticle headline
# The publisher's logo (a static file): its size is declared, as structured data asks.
PUBLISHER_LOGO = {"path": "img/logo.png", "width": 600, "height": 60}
_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}


def hero_jpeg(image: Image | None) -> dict | None:
    """The picture to show off-site (feeds, link previews): the widest JPEG rendition, else the
    uploaded file; with its site-relative url, MIME type, width and height."""
    if image is None:
        return None
    jpeg = image.sources("jpeg")
    if jpeg:
        return {**jpeg[-1], "type": "image/jpeg"}
    extension = image.file.name.rsplit(".", 1)[-1].lower()
    return {"url": image.file.url, "width": image.width, "height": image.height, "type": _TYPES.get(extension, "image/jpeg")}


def article_image(article: Article, request) -> dict | None:
    """og:image and its width, height and alt text, with an absolute url."""
    picture = hero_jpeg(article.hero_image)
    if picture is None:
        return None
    return {**picture, "url": request.build_absolute_uri(picture["url"]), "alt": article.hero_image.alt_text}


def _joins_previous(char: str) -> bool:
    """A character that belongs to the one before it: a cut must not fall before it."""
    return bool(unicodedata.combining(char)) or char == "\u200d" or "\ufe00" <= char <= "\ufe0f" or (
        "\U0001f3fb" <= char <= "\U0001f3ff"  # skin tones
    )


def _in_spaced_word(char: str) -> bool:
    """A letter or digit of a script that separates words with spaces (not Chinese or Japanese)."""
    return (char.isalnum() or char in "'’-") and unicodedata.east_asian_width(char) not in {"W", "F"}


def headline(text: str, limit: int = HEADLINE_MAX) -> str:
    """``text`` in at most ``limit`` characters: cut at a word boundary and ended with "…" when
    too long; Chinese (no spaces between words) is cut between characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = limit - 1  # room for the ellipsis
    while cut > 0 and (_joins_previous(text[cut]) or text[cut - 1] == "\u200d"):
        cut -= 1
    if _in_spaced_word(text[cut - 1]) and _in_spaced_word(text[cut]):
        start = cut
        while start > 0 and _in_spaced_word(text[start - 1]):
            start -= 1
        if start > 0:  # one word longer than the limit is cut inside
            cut = start
    return text[:cut].rstrip(" ,.;:!?-–—·、，。；：") + "…"


def publisher(request) -> dict:
    return {
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": request.build_absolute_uri("/"),
        "logo": {
            "@type": "ImageObject",
            "url": request.build_absolute_uri(static(PUBLISHER_LOGO["path"])),
            "width": PUBLISHER_LOGO["width"],
            "height": PUBLISHER_LOGO["height"],
        },
    }


def news_article_jsonld(article: Article, request, bylines) -> dict:
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": headline(article.display_title),
        "description": article.display_description,
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat() if article.updated_at else None,
        "articleSection": article.topic.name,
        "keywords": [article.region.name, article.topic.name],
        "author": [
            {"@type": "Person", "name": b.author.name, "url": request.build_absolute_uri(b.author.get_absolute_url())}
            for b in bylines
        ],
        "publisher": publisher(request),
    }
    image = article_image(article, request)
    if image:
        data["image"] = [image["url"]]
    return {key: value for key, value in data.items() if value is not None}
