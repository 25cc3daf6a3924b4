from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def newsletter_consent_text() -> str:
    return settings.NEWSLETTER_CONSENT_TEXT
