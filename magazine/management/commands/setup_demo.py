from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Prepare a local demo site in one go: migrate, load the demo magazine, its print archive "
        "and 1,000 demo newsletter subscribers (each only once), and print the staff logins."
    )

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0, stdout=self.stdout)
        call_command("seed_demo", stdout=self.stdout)
        call_command("seed_demo_editions", stdout=self.stdout)
        call_command("newsletter_demo_subscribers", count=1000, stdout=self.stdout)
        call_command("demo_logins", stdout=self.stdout)
