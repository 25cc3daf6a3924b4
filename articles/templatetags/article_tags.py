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
