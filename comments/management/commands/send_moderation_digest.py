from django.core.management.base import BaseCommand

from comments.tasks import send_moderation_digest


class Command(BaseCommand):
    help = "Queue the daily email of pending comments to the staff named in the comment policy (run from cron)."

    def handle(self, *args, **options):
        result = send_moderation_digest.enqueue()
        self.stdout.write(f"Moderation digest queued ({result.id}).")
