"""Media files served by Django (``SERVE_MEDIA``): images inline, everything else as a download.

The Content-Type comes from a short list of the types the site stores, never from a guess, and
nothing else is ever shown inline: a file that slipped in under another name (``.html``, ``.svg``)
is handed out as ``application/octet-stream`` with ``Content-Disposition: attachment``, so it
cannot run as a page of the site's origin. The README's nginx recipe for ``/media/`` does the same,
and so do the objects written to an S3 bucket (``magazine/storage.py`` stores each with the
headers ``stored_headers`` gives).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.conf import settings
from django.utils.http import content_disposition_header
from django.views.static import serve

# Shown in the page: the image formats uploads and renditions are stored in.
INLINE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
# Downloaded with their own type: print-edition PDFs.
DOWNLOAD_TYPES = {".pdf": "application/pdf"}
OTHER_TYPE = "application/octet-stream"
# Images are stored under names that change with their content (renditions, uploads).
IMAGE_CACHE_CONTROL = "public, max-age=2592000"


def stored_headers(name: str) -> dict[str, str]:
    """The Content-Type (and, for anything not an image, the attachment disposition) a stored
    file is served with, from a fixed list by extension: never a guess, never the uploader's word."""
    file_name = PurePosixPath(name).name
    suffix = PurePosixPath(file_name).suffix.lower()
    if suffix in INLINE_TYPES:
        return {"Content-Type": INLINE_TYPES[suffix], "Cache-Control": IMAGE_CACHE_CONTROL}
    return {
        "Content-Type": DOWNLOAD_TYPES.get(suffix, OTHER_TYPE),
        "Content-Disposition": content_disposition_header(as_attachment=True, filename=file_name),
    }


def serve_media(request, path: str):
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    if response.status_code != 200:
        return response
    headers = stored_headers(path)
    response["Content-Type"] = headers["Content-Type"]
    if "Content-Disposition" in headers:
        response["Content-Disposition"] = headers["Content-Disposition"]
    else:
        response.headers.pop("Content-Disposition", None)
    # Drop the encoding the type guess may have added (e.g. gzip for .svgz): the bytes go as stored.
    response.headers.pop("Content-Encoding", None)
    return response
