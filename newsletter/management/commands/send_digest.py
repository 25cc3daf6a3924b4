from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from newsletter import services, tasks
from newsletter.models import Newsletter, Send


class Command(BaseCommand):
    help = (
        "Send this period's automatic digest of a newsletter to its active subscribers. "
        "Safe to run from cron more than once: each period gets one digest. Also restarts "
        "sends that a stopped worker left unfinished and starts scheduled issues that are due."
    )

    def add_arguments(self, parser):
        parser.add_argument("newsletter", help="The newsletter's slug, e.g. 7-days-in-china.")

    def handle(self, *args, **options):
        slug = options["newsletter"]
        newsletter = Newsletter.objects.filter(slug=slug).first()
        if newsletter is None:
            known = ", ".join(Newsletter.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No newsletter with the slug “{slug}”. Known: {known}.")
        if not newsletter.is_active:
            raise CommandError(f"“{newsletter.name}” is closed; open it in the admin to send digests.")
        resumed = tasks.resume_stalled_sends()
        if resumed:
            self.stdout.write(f"Queued work again for {resumed} unfinished or scheduled issues.")
        with transaction.atomic():
            send, created = services.digest_create(newsletter=newsletter)
            if created or send.status == Send.Status.DRAFT:
                services.send_start(send=send)
                self.stdout.write(self.style.SUCCESS(f"Sending “{send.subject}” ({send.period_key})."))
                return
        self.stdout.write(f"The {send.period_key} digest of {newsletter.name} is already {send.get_status_display().lower()}; nothing to do.")
