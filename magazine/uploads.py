"""Upload fields whose stored names follow the checked content, never the name a file came with.

A PDF uploaded as ``issue.html`` is stored as ``issue.pdf`` and a PNG uploaded as ``cover.jpg``
as ``cover.png``: whoever serves the media folder (Django with ``SERVE_MEDIA``, or a web server)
picks the Content-Type from the extension, so the extension must say what the bytes are. The
stem keeps only letters, digits, ``-`` and ``_`` of the part before the first dot, so no second
extension (``x.html.pdf``) survives for servers that honour more than the last one.
Content that is neither (possible only when validation was skipped) is stored as ``.bin``,
which every server hands out as a download.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from django.db import models
from django.db.models.fields.files import FieldFile, ImageFieldFile
from PIL import Image as PILImage

from magazine.validators import is_pdf_content

# One extension for each format validate_image_file accepts.
IMAGE_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
UNKNOWN_EXTENSION = "bin"


def _read_head(content, size: int | None = None) -> bytes:
    position = content.tell() if hasattr(content, "tell") else None
    try:
        content.seek(0)
        return content.read(size) if size else content.read()
    finally:
        if position is not None:
            content.seek(position)


def image_extension(content) -> str:
    """The extension of the image format the bytes are in ("jpg", "png", …), or "bin"."""
    position = content.tell() if hasattr(content, "tell") else None
    try:
        content.seek(0)
        with PILImage.open(content) as probe:
            fmt = probe.format
    except Exception:  # whatever Pillow cannot read is not an image
        fmt = None
    finally:
        if position is not None:
            content.seek(position)
    return IMAGE_EXTENSIONS.get(fmt, UNKNOWN_EXTENSION)


def pdf_extension(content) -> str:
    return "pdf" if is_pdf_content(_read_head(content, 1024)) else UNKNOWN_EXTENSION


def stored_name(name: str, extension: str, *, default_stem: str) -> str:
    """``name`` with every extension replaced by ``extension``: "Issue 10.html" → "Issue_10.pdf"."""
    stem = PurePosixPath((name or "").replace("\\", "/")).name.split(".", 1)[0]
    stem = re.sub(r"[^\w-]+", "_", stem).strip("_-")[:80] or default_stem
    return f"{stem}.{extension}"


class _NamedByContent:
    """A FieldFile whose ``save()`` renames the file after its content, on every path
    (a form upload saved by the model, or ``field_file.save(name, content)`` in code)."""

    def save(self, name, content, save=True):
        name = stored_name(name, self.field.extension_for(content), default_stem=self.field.name)
        super().save(name, content, save)


class PdfFieldFile(_NamedByContent, FieldFile):
    pass


class ContentImageFieldFile(_NamedByContent, ImageFieldFile):
    pass


class PdfFileField(models.FileField):
    """A FileField for PDFs: stored as ``.pdf`` whatever the uploaded name."""

    attr_class = PdfFieldFile

    def extension_for(self, content) -> str:
        return pdf_extension(content)


class ContentImageField(models.ImageField):
    """An ImageField stored under the extension of its detected format.

    Django's check of the uploaded name's extension is left out: the name is replaced anyway,
    and the content checks (``validate_image_file``) decide what is accepted.
    """

    attr_class = ContentImageFieldFile
    default_validators = []

    def extension_for(self, content) -> str:
        return image_extension(content)
