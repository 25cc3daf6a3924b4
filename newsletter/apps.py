from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "newsletter"
    verbose_name = "Newsletters"

    def ready(self):
        # The email provider's bounce and complaint events arrive through anymail's signal.
        from anymail.signals import tracking

        from newsletter import webhooks

        tracking.connect(webhooks.tracking_received, dispatch_uid="newsletter.tracking_received")
