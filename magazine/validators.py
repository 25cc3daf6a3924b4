"""Upload checks shared by every app: images and PDFs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat


def validate_image_file(uploaded) -> None:
    from articles.validators import validate_image_file as check  # noqa: PLC0415

    check(uploaded)


def validate_pdf_file(uploaded) -> None:
    """A PDF (by its content, not its name) no larger than ``EDITION_PDF_MAX_BYTES``."""
    if getattr(uploaded, "_committed", True) and not hasattr(uploaded, "content_type"):
        return
    size = getattr(uploaded, "size", None)
    if size is not None and size > settings.EDITION_PDF_MAX_BYTES:
        raise ValidationError(
            "This PDF is %(size)s; issues may be at most %(limit)s. Export it with compressed images and upload it again.",
            code="pdf_too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(settings.EDITION_PDF_MAX_BYTES)},
        )
    position = uploaded.tell() if hasattr(uploaded, "tell") else None
    try:
        uploaded.seek(0)
        head = uploaded.read(1024)
    finally:
        if position is not None:
            uploaded.seek(position)
    if b"%PDF-" not in head:
        name = (getattr(uploaded, "name", "") or "This file").rsplit("/", 1)[-1]
        raise ValidationError(
            "“%(name)s” is not a PDF, whatever its name says. Export the issue as PDF and upload that file.",
            code="pdf_invalid",
            params={"name": name},
        )


def count_pdf_pages(uploaded) -> int | None:
    """The number of pages a PDF declares, read from its page objects; None when unsure."""
    import re

    position = uploaded.tell() if hasattr(uploaded, "tell") else None
    try:
        uploaded.seek(0)
        data = uploaded.read()
    finally:
        if position is not None:
            uploaded.seek(position)
    count = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    return count or None
