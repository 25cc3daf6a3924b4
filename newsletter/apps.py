from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "newsletter"
    verbose_name = "Newsletters"

    def ready(self):
        # The email provider's bounce and complaint events, and mail to the unsubscribe address,
        # arrive through anymail's signals.
        from anymail.signals import inbound, tracking

        from newsletter import webhooks

        tracking.connect(webhooks.tracking_received, dispatch_uid="newsletter.tracking_received")
        inbound.connect(webhooks.inbound_received, dispatch_uid="newsletter.inbound_received")
