"""The S3 backend of ``MEDIA_STORAGE_URL`` (see ``magazine/storage.py``): django-storages'
S3Storage with the site's rules for objects, links and failures."""

from __future__ import annotations

from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage

from magazine.media import stored_headers
from magazine.storage import DOWNLOAD_LINK_SECONDS

# What a bucket that refuses a read or a write raises (server down, access denied, no bucket …).
STORAGE_ERRORS: tuple[type[BaseException], ...] = (BotoCoreError, ClientError, Boto3Error, OSError)


class MediaS3Storage(S3Storage):
    """Objects are public by URL (no query-string signature: pages that show them are cached),
    never overwritten (a name taken gets a suffix, as on the disk), and carry the fixed headers
    of ``stored_headers``. A server that does not answer fails within seconds, not minutes, so an
    editor's save ends with a message rather than a hung page.
    """

    def __init__(self, **settings):
        settings.setdefault("querystring_auth", False)
        settings.setdefault("file_overwrite", False)
        settings.setdefault(
            "client_config",
            Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"}),
        )
        super().__init__(**settings)

    def get_object_parameters(self, name):
        headers = stored_headers(name)
        params = {**self.object_parameters, "ContentType": headers["Content-Type"]}
        if "Content-Disposition" in headers:
            params["ContentDisposition"] = headers["Content-Disposition"]
        if "Cache-Control" in headers:
            params["CacheControl"] = headers["Cache-Control"]
        return params

    def download_url(self, name: str, *, filename: str, content_type: str) -> str:
        """A signed link that works for a few minutes and makes the bucket answer with a download
        of ``filename``. Signing happens here, without a request to the bucket."""
        return self.connection.meta.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket_name,
                "Key": self._normalize_name(name),
                "ResponseContentType": content_type,
                "ResponseContentDisposition": content_disposition_header(as_attachment=True, filename=filename),
            },
            ExpiresIn=DOWNLOAD_LINK_SECONDS,
        )

    def object_sizes(self) -> dict[str, int]:
        """Every object's size by its name in the storage (one listing, paged by boto3)."""
        prefix = self._normalize_name("")
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        return {obj.key[len(prefix):]: obj.size for obj in self.bucket.objects.filter(Prefix=prefix)}
