from django.core.management.base import BaseCommand
from django.utils import timezone

from comments.tasks import send_moderation_digest
from magazine import outbox


class Command(BaseCommand):
    help = (
        "Promise the daily email of pending comments to the staff named in the comment policy (run from cron). "
        "Once per day: running it again the same day does nothing."
    )

    def handle(self, *args, **options):
        day = timezone.localdate().isoformat()
        promised = outbox.promise(send_moderation_digest, key=f"moderation-digest:{day}")
        if promised is None:
            self.stdout.write(f"The moderation digest of {day} was already promised; nothing to do.")
        else:
            self.stdout.write(f"Moderation digest of {day} promised; a worker sends it.")
