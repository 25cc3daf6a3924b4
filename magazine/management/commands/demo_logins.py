from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

DEMO_USERS = [
    ("editor", "Editor", False),
    ("writer", "Writer", False),
    ("admin", None, True),
]
DEMO_PASSWORD = "magazine-demo"


class Command(BaseCommand):
    help = "Create (once) and print the demo staff logins for a local site."

    def handle(self, *args, **options):
        User = get_user_model()
        for username, group_name, superuser in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.com", "is_staff": True, "is_superuser": superuser},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
        self.stdout.write("Demo logins (local use only; change or delete them on a public site):")
        for username, group_name, superuser in DEMO_USERS:
            role = "superuser" if superuser else group_name
            self.stdout.write(f"  {username:<7} / {DEMO_PASSWORD}   ({role})")
