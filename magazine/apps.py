from django.apps import AppConfig


class MagazineConfig(AppConfig):
    name = "magazine"
    verbose_name = "Site"

    def ready(self):
        from magazine import checks  # noqa: F401 - registers the deploy checks
