"""Tags for comment emails, which are rendered by background tasks."""

from django import template

from comments import selectors

register = template.Library()


@register.simple_tag
def confirm_outcome(comment):
    """What confirming the address does to ``comment`` (a ``selectors.ConfirmOutcome`` value)."""
    return selectors.confirm_outcome(comment=comment)
