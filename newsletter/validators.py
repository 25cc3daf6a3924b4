from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def clean_email_address(value: str) -> str:
    """A deliverable-looking address, stripped; clear messages for the usual mistakes."""
    email = (value or "").strip()
    if not email:
        raise ValidationError("Please enter your email address.", code="required")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            "“%(value)s” does not look like an email address. Check it has one @ and a domain such as example.com.",
            code="invalid",
            params={"value": email[:80]},
        ) from None
    domain = email.rsplit("@", 1)[1].lower()
    if "." not in domain:
        raise ValidationError("The part after @ needs a domain such as example.com.", code="invalid")
    if domain in settings.NEWSLETTER_BLOCKED_DOMAINS or any(
        domain.endswith("." + blocked) for blocked in settings.NEWSLETTER_BLOCKED_DOMAINS
    ):
        raise ValidationError(
            "Addresses from disposable-mail services cannot subscribe; please use an address you keep.",
            code="disposable",
        )
    return email
