"""Times as HTML's machine-readable attributes want them."""

from datetime import date, datetime

from django import template

register = template.Library()


@register.filter(expects_localtime=True)
def html_datetime(value) -> str:
    """A valid HTML date-time for `<time datetime>`: ISO 8601 to the second, with the offset.

    Django's `date:"c"` keeps microseconds, and HTML allows at most three digits of a second.
    """
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return ""
