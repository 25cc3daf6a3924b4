"""Pinyin slugs in the admin, in a real browser at 1280 px: a Chinese name leaves the slug empty
for the server to fill, and a name that makes no slug is answered on the slug field.

Set LAYOUT_SCREENSHOTS to a folder to keep screenshots of the region form.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from articles.models import Region
from articles.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("LAYOUT_SCREENSHOTS", "")


def _shot(page, name):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def test_editor_adds_a_region_by_its_chinese_name_and_gets_a_pinyin_slug(live_server, browser_page):
    UserFactory(username="chief", is_superuser=True)
    page = browser_page(width=1280, height=800)
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "chief")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))

    page.goto(live_server.url + reverse("admin:articles_region_add"))
    page.fill("#id_name", "🏙️🌃")
    page.fill("#id_name_zh", "夜")
    page.click("input[name=_continue]")
    error = page.locator(".field-slug .errorlist")
    assert "No web address can be made" in error.inner_text()
    assert page.input_value("#id_name") == "🏙️🌃"
    assert page.input_value("#id_name_zh") == "夜"
    _shot(page, "admin-region-slug-error")

    page.fill("#id_name", "苏州")
    page.fill("#id_slug", "")  # what the prepopulating script left: it cannot write pinyin
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert page.input_value("#id_slug") == "su-zhou"
    assert Region.objects.get(name="苏州").slug == "su-zhou"
    _shot(page, "admin-region-saved")
