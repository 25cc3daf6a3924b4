"""Responsive renditions of uploaded images: several widths, WebP with a JPEG fallback."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from PIL import Image as PILImage
from PIL import ImageOps

from articles.models import Image, Rendition

_SAVE_OPTIONS = {
    Rendition.Format.WEBP: {"format": "WEBP", "quality": 80, "method": 4},
    Rendition.Format.JPEG: {"format": "JPEG", "quality": 82, "optimize": True, "progressive": True},
}


def rendition_widths(image: Image, *, width: int | None = None) -> list[int]:
    """The configured widths no wider than the original; at least one, however small it is.

    ``width`` is the width as seen (after EXIF rotation); it defaults to the stored width.
    """
    width = image.width if width is None else width
    widths = [w for w in settings.IMAGE_RENDITION_WIDTHS if w <= width]
    return widths or [min(width, settings.IMAGE_RENDITION_WIDTHS[0]) or 1]


def _open_upright(image: Image) -> PILImage.Image:
    """The original as an RGB picture the right way up (EXIF rotation applied).

    Transparent PNGs and palette GIFs are flattened on white: JPEG has no transparency and a
    black background (what a bare convert gives) looks like a mistake on a card.
    """
    with image.file.open("rb") as handle:
        with PILImage.open(handle) as opened:
            opened.load()
            picture = ImageOps.exif_transpose(opened)
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info)
    if has_alpha:
        rgba = picture.convert("RGBA")
        background = PILImage.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return picture if picture.mode == "RGB" else picture.convert("RGB")


def create_renditions(image: Image) -> list[Rendition]:
    """Create the missing renditions of ``image``; safe to run twice or in two workers at once."""
    existing = {(r.width, r.format) for r in image.renditions.all()}
    if existing and all((w, f) in existing for w in rendition_widths(image) for f in Rendition.Format):
        return store_summary(image)
    original = _open_upright(image)
    if (original.width, original.height) != (image.width, image.height):
        # Django reads the stored size from the file header, which ignores EXIF rotation;
        # pages use it for the <img> width/height, so keep it as readers see the picture.
        Image.objects.filter(pk=image.pk).update(width=original.width, height=original.height)
        image.width, image.height = original.width, original.height
    wanted = [
        (w, f) for w in rendition_widths(image, width=original.width) for f in Rendition.Format if (w, f) not in existing
    ]
    for width, fmt in wanted:
        height = max(1, round(original.height * width / original.width))
        resized = original if width == original.width else original.resize(
            (width, height), PILImage.Resampling.LANCZOS, reducing_gap=3.0
        )
        buffer = io.BytesIO()
        resized.save(buffer, **_SAVE_OPTIONS[fmt])
        rendition = Rendition(image=image, width=width, height=height, format=fmt)
        rendition.file.save(f"{image.pk}-{width}.{fmt}", ContentFile(buffer.getvalue()), save=False)
        try:
            with transaction.atomic():
                rendition.save()
        except IntegrityError:
            # Another worker made the same rendition first; keep theirs.
            rendition.file.delete(save=False)
    return store_summary(image)


def store_summary(image: Image) -> list[Rendition]:
    """Copy the rendition rows into ``Image.rendition_summary``, which pages read."""
    renditions = list(Rendition.objects.filter(image=image).order_by("format", "width"))
    summary = [
        {"format": r.format, "width": r.width, "height": r.height, "name": r.file.name} for r in renditions
    ]
    if summary != image.rendition_summary:
        Image.objects.filter(pk=image.pk).update(rendition_summary=summary)
        image.rendition_summary = summary
    return renditions
