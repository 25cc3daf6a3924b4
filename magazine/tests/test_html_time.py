from datetime import UTC, date, datetime

from django.template import Context, Template
from django.utils import timezone


def render(value) -> str:
    return Template("{% load html_time %}{{ value|html_datetime }}").render(Context({"value": value}))


def test_html_datetime_drops_the_microseconds_and_keeps_the_local_offset(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    with timezone.override("Asia/Shanghai"):
        assert render(datetime(2026, 12, 1, 3, 25, 42, 776913, tzinfo=UTC)) == "2026-12-01T11:25:42+08:00"


def test_html_datetime_of_a_date_or_nothing():
    assert render(date(2026, 12, 1)) == "2026-12-01"
    assert render(None) == ""
