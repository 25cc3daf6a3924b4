"""Upload checks shared by every app: images and PDFs.

Images: the byte size first, then the header (format and dimensions, which Pillow reads
without decoding), and only then a full decode, which finds files that were cut short. SVG is
refused outright: it is a document that can carry scripts, not a picture we can resize.
PDFs: the content must be a PDF, whatever the file name says, within a size bound.
"""

from __future__ import annotations

import re
import warnings

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}
ACCEPTED_NAMES = "a JPEG, PNG, WebP or GIF image"


def _looks_like_svg(head: bytes, name: str) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return name.lower().endswith((".svg", ".svgz")) or b"<svg" in text or (
        text.startswith(b"<?xml") or text.startswith(b"<!doctype svg")
    )


def _is_new_upload(uploaded) -> bool:
    """Only new uploads are checked; a stored file that was checked before is left alone."""
    return not (getattr(uploaded, "_committed", True) and not hasattr(uploaded, "content_type"))


def _refuse_above(uploaded, limit: int, message: str, *, code: str) -> None:
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            message, code=code, params={"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


def validate_image_file(uploaded) -> None:
    """Refuse anything that is not a JPEG, PNG, WebP or GIF within the size bounds.

    Only new uploads are opened; a stored file that was checked before is left alone.
    """
    if not _is_new_upload(uploaded):
        return
    _refuse_above(
        uploaded,
        settings.IMAGE_MAX_BYTES,
        "This file is %(size)s; images may be at most %(limit)s. Save it at a smaller size and upload it again.",
        code="image_too_large",
    )
    position = uploaded.tell() if hasattr(uploaded, "tell") else None
    try:
        uploaded.seek(0)
        head = uploaded.read(1024)
        if _looks_like_svg(head, getattr(uploaded, "name", "") or ""):
            raise ValidationError(
                "SVG files are not accepted (they can carry scripts and cannot be resized). "
                "Upload %(accepted)s instead.",
                code="image_svg",
                params={"accepted": ACCEPTED_NAMES},
            )
        _check_header_then_pixels(uploaded)
    finally:
        if position is not None:
            uploaded.seek(position)


def _check_header_then_pixels(uploaded) -> None:
    name = getattr(uploaded, "name", "") or "This file"
    try:
        with warnings.catch_warnings():
            # Past Pillow's own bomb threshold it warns; treat that as the refusal it is.
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            uploaded.seek(0)
            with PILImage.open(uploaded) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in ACCEPTED_FORMATS:
                    raise ValidationError(
                        "%(format)s files are not accepted. Upload %(accepted)s.",
                        code="image_format",
                        params={"format": fmt or "This kind of", "accepted": ACCEPTED_NAMES},
                    )
                _check_pixels(width, height)
                probe.verify()
            # verify() leaves the image unusable and does not decode JPEG data; decode it all
            # once so a file cut short in transfer is refused now, not when renditions are made.
            uploaded.seek(0)
            with PILImage.open(uploaded) as decoded:
                decoded.load()
    except ValidationError:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise ValidationError(
            "This image has too many pixels to be processed safely. Scale it down and upload it again.",
            code="image_too_many_pixels",
        ) from exc
    except UnidentifiedImageError as exc:
        raise ValidationError(
            "“%(name)s” is not an image we can read: its contents are not %(accepted)s, whatever its name "
            "says. Export it as JPEG or PNG and upload it again.",
            code="image_invalid",
            params={"name": name.rsplit("/", 1)[-1], "accepted": ACCEPTED_NAMES},
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        raise ValidationError(
            "“%(name)s” is damaged or incomplete (perhaps cut short while copying or uploading). "
            "Export it again and upload the new file.",
            code="image_damaged",
            params={"name": name.rsplit("/", 1)[-1]},
        ) from exc


def _check_pixels(width: int, height: int) -> None:
    limit = settings.IMAGE_MAX_PIXELS
    if width * height > limit:
        raise ValidationError(
            "This image is %(width)s × %(height)s pixels (%(pixels)s pixels); images may have at most "
            "%(limit)s pixels. Scale it down and upload it again.",
            code="image_too_many_pixels",
            params={
                "width": width,
                "height": height,
                "pixels": f"{width * height:,}",
                "limit": f"{limit:,}",
            },
        )


class ImageUploadField(forms.ImageField):
    """An image form field whose refusals say what was wrong and how to fix it.

    Django's own ImageField answers every problem with "Upload a valid image"; this one runs
    ``validate_image_file`` first (size, SVG, format, pixel count, damage), so staff read the
    actual reason, and a decompression bomb is refused before it is decoded. The file name's
    extension is not checked: the content decides, and the stored name gets the extension of
    the format found (``magazine.uploads``).
    """

    default_validators = []

    def to_python(self, data):
        uploaded = forms.FileField.to_python(self, data)
        if uploaded is None:
            return None
        validate_image_file(uploaded)
        return super().to_python(data)


def validate_pdf_file(uploaded) -> None:
    """A PDF (by its content, not its name) no larger than ``EDITION_PDF_MAX_BYTES``."""
    if not _is_new_upload(uploaded):
        return
    _refuse_above(
        uploaded,
        settings.EDITION_PDF_MAX_BYTES,
        "This PDF is %(size)s; issues may be at most %(limit)s. Export it with compressed images and upload it again.",
        code="pdf_too_large",
    )
    position = uploaded.tell() if hasattr(uploaded, "tell") else None
    try:
        uploaded.seek(0)
        head = uploaded.read(1024)
    finally:
        if position is not None:
            uploaded.seek(position)
    if not is_pdf_content(head):
        name = (getattr(uploaded, "name", "") or "This file").rsplit("/", 1)[-1]
        raise ValidationError(
            "“%(name)s” is not a PDF, whatever its name says. Export the issue as PDF and upload that file.",
            code="pdf_invalid",
            params={"name": name},
        )


def is_pdf_content(head: bytes) -> bool:
    """Whether the first bytes of a file are a PDF's.

    The signature must open the file: "%PDF-" somewhere in the first kilobyte would also pass
    a JPEG with it in a comment, or an HTML page that mentions it.
    """
    return head.lstrip(b"\xef\xbb\xbf \t\r\n\x00").startswith(b"%PDF-")


def count_pdf_pages(uploaded) -> int | None:
    """The number of pages a PDF declares, read from its page objects; None when unsure."""
    position = uploaded.tell() if hasattr(uploaded, "tell") else None
    try:
        uploaded.seek(0)
        data = uploaded.read()
    finally:
        if position is not None:
            uploaded.seek(position)
    count = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    return count or None
