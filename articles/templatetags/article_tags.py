import json

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.inclusion_tag("includes/picture.html")
def picture(image, sizes="100vw", eager=False, css_class=""):
    """A responsive <picture>: WebP and JPEG srcsets from the image's rendition summary.

    The summary travels with the image row (``with_cards()`` selects it), so a page of cards
    costs no query per picture. Before renditions exist the original file is shown.
    """
    if image is None:
        return {"image": None}
    webp, jpeg = image.sources("webp"), image.sources("jpeg")
    fallback = next((r for r in jpeg if r["width"] >= 800), jpeg[-1] if jpeg else None)
    return {
        "image": image,
        "webp_srcset": ", ".join(f"{r['url']} {r['width']}w" for r in webp),
        "jpeg_srcset": ", ".join(f"{r['url']} {r['width']}w" for r in jpeg),
        "src": fallback["url"] if fallback else image.file.url,
        "width": image.width or (fallback["width"] if fallback else None),
        "height": image.height or (fallback["height"] if fallback else None),
        "sizes": sizes,
        "eager": eager,
        "css_class": css_class,
    }


_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def jsonld(data):
    """A JSON-LD data block, escaped like ``json_script`` so no value can close the tag."""
    payload = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308 - escaped above


MOST_READ_LIMIT = 5


@register.inclusion_tag("includes/most_read.html")
def most_read_block(region=None, articles=None, heading_id="most-read-title", css_class=""):
    """"Most read this week": site-wide, or for a region.

    ``articles`` is the list when the view already has it (the article page gets it with
    "More news", in the same query); otherwise one cached query (``selectors.most_read``).
    """
    from articles import selectors
    from magazine import pagecache

    if articles is None:
        articles = selectors.most_read(region=region, limit=MOST_READ_LIMIT)
    # On a page the page cache keeps: a fold of the counters moves the list, and an edit or
    # unpublish of a listed article changes it.
    pagecache.depends_on(("most_read", "all"), *(("article", a.pk) for a in articles))
    return {"articles": articles, "region": region, "heading_id": heading_id, "css_class": css_class}


@register.inclusion_tag("includes/share_buttons.html", takes_context=True)
def share_buttons(context, article):
    """Share links for a live article: no third-party script, the address and title url-encoded."""
    from django.urls import reverse

    from articles import sharing

    request = context.get("request")
    if context.get("preview") or not article.is_live:
        return {"shown": False}
    url = context.get("canonical_url") or request.build_absolute_uri(article.get_absolute_url())
    return {
        "shown": True,
        "article": article,
        "url": url,
        "links": sharing.share_links(url=url, title=article.title),
        "endpoint": reverse("articles:share", args=[article.pk]),
        "qr_url": reverse("articles:share_qr", args=[article.pk]),
        "csrf_token": context.get("csrf_token"),
    }
