from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Copy the media files on disk (MEDIA_ROOT, or --source) to the bucket of MEDIA_STORAGE_URL, "
        "under the same names, so pages and the database keep pointing at them. Resumable: a file "
        "whose object is already there with the same size is skipped, and each object is written "
        "whole or not at all, so an interrupted run is finished by running it again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", help="The media folder to copy from (default: MEDIA_ROOT).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be copied; copy nothing.")

    def handle(self, *args, source=None, dry_run=False, verbosity=1, **options):
        bucket = storages["default"]
        if not hasattr(bucket, "object_sizes"):
            raise CommandError(
                "The media storage is the local disk: set MEDIA_STORAGE_URL to the bucket "
                "(s3://BUCKET?endpoint_url=…) and run this again."
            )
        root = Path(source or settings.MEDIA_ROOT)
        if not root.is_dir():
            raise CommandError(f"There is no media folder at {root}.")
        from magazine.storage_s3 import STORAGE_ERRORS

        try:
            present = bucket.object_sizes()
        except STORAGE_ERRORS as error:
            raise CommandError(f"The bucket cannot be listed: {error}") from error
        copied = skipped = failed = 0
        copied_bytes = 0
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            size = path.stat().st_size
            if present.get(name) == size:
                skipped += 1
                continue
            if dry_run:
                copied += 1
                copied_bytes += size
                continue
            try:
                with path.open("rb") as handle:
                    # _save writes under exactly this name (save() would pick a free one).
                    bucket._save(name, File(handle, name=name))
            except STORAGE_ERRORS as error:
                failed += 1
                self.stderr.write(f"not copied: {name}: {error}")
                continue
            copied += 1
            copied_bytes += size
            if verbosity >= 2:
                self.stdout.write(f"copied {name} ({size} bytes)")
        verb = "would copy" if dry_run else "copied"
        self.stdout.write(
            f"{verb} {copied} files ({copied_bytes} bytes), skipped {skipped} already in the bucket, failed {failed}."
        )
        if failed:
            raise CommandError(f"{failed} files were not copied; run the command again to copy them.")
