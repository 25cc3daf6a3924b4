from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MagazineConfig(AppConfig):
    default = True
    name = "magazine"
    verbose_name = "Site"

    def ready(self):
        from magazine import checks  # noqa: F401 - registers the deploy checks


class MagazineAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the magazine's site (INSTALLED_APPS names it instead of django.contrib.admin)."""

    default = False
    default_site = "magazine.admin_site.MagazineAdminSite"
