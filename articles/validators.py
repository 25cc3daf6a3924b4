"""Upload checks for images: a real image in an accepted format, within size bounds."""

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}


def validate_image_file(uploaded) -> None:
    """Refuse anything that is not a JPEG, PNG, WebP or GIF within the size bounds.

    Only new uploads are opened; a stored file that was checked before is left alone.
    """
    if getattr(uploaded, "_committed", True) and not hasattr(uploaded, "content_type"):
        return
    size = getattr(uploaded, "size", None)
    if size is not None and size > settings.IMAGE_MAX_BYTES:
        raise ValidationError(
            "This file is %(size)s MB; images may be at most %(limit)s MB.",
            code="image_too_large",
            params={"size": round(size / 1_048_576, 1), "limit": settings.IMAGE_MAX_BYTES // 1_048_576},
        )
    position = uploaded.tell() if hasattr(uploaded, "tell") else None
    try:
        uploaded.seek(0)
        with PILImage.open(uploaded) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in ACCEPTED_FORMATS:
                raise ValidationError(
                    "%(format)s files are not accepted. Upload a JPEG, PNG, WebP or GIF image.",
                    code="image_format",
                    params={"format": fmt or "This kind of"},
                )
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise ValidationError(
                    "This image is %(width)s × %(height)s pixels; the limit is %(limit)s megapixels. "
                    "Scale it down and upload it again.",
                    code="image_too_many_pixels",
                    params={"width": width, "height": height, "limit": settings.IMAGE_MAX_PIXELS // 1_000_000},
                )
            probe.verify()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, PILImage.DecompressionBombError) as exc:
        raise ValidationError(
            "This file is not an image we can read (%(reason)s). Upload a JPEG, PNG, WebP or GIF image.",
            code="image_invalid",
            params={"reason": exc.__class__.__name__},
        ) from exc
    finally:
        if position is not None:
            uploaded.seek(position)
