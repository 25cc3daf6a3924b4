"""Where uploads and renditions live: the local disk (the default) or an S3-compatible bucket.

``MEDIA_STORAGE_URL`` picks the bucket, e.g.
``s3://magazine-media?endpoint_url=http://127.0.0.1:9000&region=cn-north-1``; credentials come
from the URL's user part (``s3://KEY:SECRET@bucket``, URL-quoted) or from boto3's usual places
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, an instance role). Every object is written with
the fixed headers of ``magazine.media.stored_headers``, so the bucket hands files out the way
``SERVE_MEDIA`` and the nginx recipe do. Page URLs are plain, unsigned object URLs (pages are
cached, and a signed URL would expire inside a cached page): the bucket, or the CDN named by
``custom_domain``, must let anyone read its objects. Print-edition PDFs are the exception: their
counted download redirects to a short-lived signed URL (``download_url``).

This module is imported by the settings, so it imports nothing of Django's at module level, nor
boto3 (half a second to import): the S3 backend is in ``magazine/storage_s3.py``, loaded only by
a site whose media is in a bucket.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

FILESYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "magazine.storage_s3.MediaS3Storage"

# Query parameters of MEDIA_STORAGE_URL and the S3Storage options they set.
_URL_OPTIONS = {
    "endpoint_url": "endpoint_url",
    "region": "region_name",
    "custom_domain": "custom_domain",
    "location": "location",
    "addressing_style": "addressing_style",
    "url_protocol": "url_protocol",
}
# How long a signed PDF download link works, in seconds: long enough to follow the redirect.
DOWNLOAD_LINK_SECONDS = 300


class StorageURLError(ValueError):
    pass


def storage_from_url(url: str) -> dict:
    """The ``STORAGES["default"]`` entry for ``MEDIA_STORAGE_URL`` (empty: the local disk)."""
    if not url:
        return {"BACKEND": FILESYSTEM_BACKEND}
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise StorageURLError(
            f"MEDIA_STORAGE_URL must look like s3://BUCKET?endpoint_url=…&region=…, not {url!r}."
        )
    params = dict(parse_qsl(parts.query, keep_blank_values=False))
    unknown = sorted(set(params) - set(_URL_OPTIONS))
    if unknown:
        raise StorageURLError(
            f"MEDIA_STORAGE_URL has unknown parameters {', '.join(unknown)}; known: {', '.join(sorted(_URL_OPTIONS))}."
        )
    options = {_URL_OPTIONS[key]: value for key, value in params.items()}
    # The bucket name is the URL's host part as written (urlsplit lowers hostname's case).
    options["bucket_name"] = parts.netloc.rsplit("@", 1)[-1]
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    if "endpoint_url" in options:
        # Servers other than AWS (MinIO, Ceph, moto …) answer on one host: bucket in the path.
        options.setdefault("addressing_style", "path")
    if "custom_domain" in options:
        options.setdefault("url_protocol", "https:")
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def media_origin(storage: dict) -> str | None:
    """The origin page images are loaded from when it is not the site's own (for the CSP)."""
    options = storage.get("OPTIONS", {})
    if storage.get("BACKEND") != S3_BACKEND:
        return None
    if options.get("custom_domain"):
        return f"{options.get('url_protocol', 'https:')}//{options['custom_domain']}"
    endpoint = options.get("endpoint_url")
    if endpoint:
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.netloc}"
    region = options.get("region_name")
    return f"https://*.s3.{region}.amazonaws.com" if region else "https://*.amazonaws.com"


def _storage_errors() -> tuple[type[BaseException], ...]:
    """What a failing storage raises: OSError from the disk, and boto's errors once the bucket
    backend is loaded (nothing can have raised them before)."""
    import sys

    if "magazine.storage_s3" in sys.modules:
        return sys.modules["magazine.storage_s3"].STORAGE_ERRORS
    return (OSError,)


def download_link(field_file, *, filename: str, content_type: str) -> str | None:
    """A short-lived link to download ``field_file`` straight from its storage, when the storage
    can make one (a bucket); None for the local disk, where the site streams the file itself."""
    make = getattr(field_file.storage, "download_url", None)
    return make(field_file.name, filename=filename, content_type=content_type) if make else None


REFUSED_MESSAGE = (
    "The media storage did not accept the file, so nothing was saved: choose the file again and "
    "save in a moment. If it keeps failing, tell the site's operator (the bucket is refusing uploads)."
)


def store_uploads(instance, field_names) -> dict[str, str]:
    """Write the not-yet-stored files of ``instance`` to their storage now, before the save.

    Returns the message for each field whose upload the storage refused (bucket down, access
    denied …), so a form can show it beside the field instead of the save failing half-way.
    """
    import logging

    refused = {}
    for name in field_names:
        field_file = getattr(instance, name)
        if not field_file or field_file._committed:
            continue
        try:
            field_file.save(field_file.name, field_file.file, save=False)
        except _storage_errors() as error:
            logging.getLogger(__name__).warning("upload of %s refused by the media storage: %s", name, error)
            refused[name] = REFUSED_MESSAGE
    return refused


def delete_stored_files(files) -> int:
    """Delete stored files (FieldFiles) whose rows are gone; returns how many went.

    A storage that fails here leaves an unreferenced file behind, logged, and never fails the
    delete the editor asked for.
    """
    import logging

    deleted = 0
    for field_file in files:
        try:
            field_file.storage.delete(field_file.name)
        except _storage_errors() as error:
            logging.getLogger(__name__).warning("could not delete %s from the media storage: %s", field_file.name, error)
        else:
            deleted += 1
    return deleted
