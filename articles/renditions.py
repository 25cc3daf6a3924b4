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


def rendition_widths(image: Image) -> list[int]:
    """The configured widths no wider than the original; at least one, however small it is."""
    widths = [w for w in settings.IMAGE_RENDITION_WIDTHS if w <= image.width]
    return widths or [min(image.width, settings.IMAGE_RENDITION_WIDTHS[0]) or 1]


def create_renditions(image: Image) -> list[Rendition]:
    """Create the missing renditions of ``image``; safe to run twice or in two workers at once."""
    existing = {(r.width, r.format) for r in image.renditions.all()}
    wanted = [(w, f) for w in rendition_widths(image) for f in Rendition.Format if (w, f) not in existing]
    if not wanted:
        return list(image.renditions.all())
    with image.file.open("rb") as handle:
        original = PILImage.open(handle)
        original = ImageOps.exif_transpose(original)
        original.load()
    if original.mode not in ("RGB", "L"):
        background = PILImage.new("RGB", original.size, (255, 255, 255))
        rgba = original.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        original = background
    elif original.mode == "L":
        original = original.convert("RGB")
    for width, fmt in wanted:
        height = max(1, round(original.height * width / original.width))
        resized = original.resize((width, height), PILImage.Resampling.LANCZOS)
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
    return list(image.renditions.all())


def delete_renditions(image: Image) -> int:
    count = 0
    for rendition in image.renditions.all():
        rendition.file.delete(save=False)
        rendition.delete()
        count += 1
    return count
