"""Media files served by Django (``SERVE_MEDIA``): images inline, everything else as a download.

The Content-Type comes from a short list of the types the site stores, never from a guess, and
nothing else is ever shown inline: a file that slipped in under another name (``.html``, ``.svg``)
is handed out as ``application/octet-stream`` with ``Content-Disposition: attachment``, so it
cannot run as a page of the site's origin. The README's nginx recipe for ``/media/`` does the same.
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


def serve_media(request, path: str):
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    if response.status_code != 200:
        return response
    name = PurePosixPath(path).name
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in INLINE_TYPES:
        response["Content-Type"] = INLINE_TYPES[suffix]
        response.headers.pop("Content-Disposition", None)
    else:
        response["Content-Type"] = DOWNLOAD_TYPES.get(suffix, OTHER_TYPE)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    # Drop the encoding the type guess may have added (e.g. gzip for .svgz): the bytes go as stored.
    response.headers.pop("Content-Encoding", None)
    return response
