"""Admin sign-in is locked for a username on one address after repeated wrong passwords
(django-axes), with a page that says so and for how long, and opens again after the cool-off."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from articles.tests.admin_helpers import ADMIN_PASSWORD
from articles.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
LOCKOUT_TEXT = "Too many failed sign-in attempts. Try again in 15 minutes."


def _sign_in(client, username, password, ip="198.51.100.20"):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


def _fail(client, username, times, ip="198.51.100.20"):
    """``times`` wrong passwords; below the limit each gets the admin form with its own error,
    and the one that reaches the limit already gets the lockout page."""
    for attempt in range(1, times + 1):
        response = _sign_in(client, username, "not-the-password", ip=ip)
        if attempt < 5:
            assert response.status_code == 200
            assert "Please enter the correct username and password" in response.content.decode()
        else:
            assert response.status_code == 429
            assert LOCKOUT_TEXT in response.content.decode()


@pytest.fixture
def editor():
    return UserFactory(username="night-editor")


def test_settings_lock_after_five_failures_for_fifteen_minutes_by_user_and_address(settings):
    assert settings.AXES_ENABLED is True
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_sixth_attempt_after_five_wrong_passwords_is_locked_out_even_with_the_right_one(client, editor):
    _fail(client, editor.username, 5)
    response = _sign_in(client, editor.username, ADMIN_PASSWORD)
    html = response.content.decode()
    assert response.status_code == 429
    assert LOCKOUT_TEXT in html
    assert response["Retry-After"] == str(15 * 60)
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out


def test_four_wrong_passwords_then_the_right_one_signs_in_and_clears_the_count(client, editor):
    _fail(client, editor.username, 4)
    response = _sign_in(client, editor.username, ADMIN_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert not AccessAttempt.objects.filter(username=editor.username).exists()
    client.logout()
    # The count started again: four more failures do not lock.
    _fail(client, editor.username, 4)
    assert _sign_in(client, editor.username, ADMIN_PASSWORD).status_code == 302


def test_lockout_does_not_touch_another_user_or_the_same_user_elsewhere(client, editor):
    colleague = UserFactory(username="day-editor")
    _fail(client, editor.username, 5)
    assert _sign_in(client, editor.username, ADMIN_PASSWORD).status_code == 429

    other_user = Client()
    assert _sign_in(other_user, colleague.username, ADMIN_PASSWORD).status_code == 302

    same_user_other_address = Client()
    response = _sign_in(same_user_other_address, editor.username, ADMIN_PASSWORD, ip="203.0.113.77")
    assert response.status_code == 302


def test_sign_in_works_again_once_the_cool_off_has_passed(client, editor):
    _fail(client, editor.username, 5)
    assert _sign_in(client, editor.username, ADMIN_PASSWORD).status_code == 429
    # Sixteen minutes pass: the recorded failures are now older than the cool-off.
    AccessAttempt.objects.filter(username=editor.username).update(
        attempt_time=timezone.now() - timedelta(minutes=16)
    )
    response = _sign_in(client, editor.username, ADMIN_PASSWORD)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_short_cool_off_setting_is_what_the_lockout_page_says(client, editor, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    responses = [_sign_in(client, editor.username, "not-the-password") for _ in range(5)]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert "Try again in 1 minute." in responses[-1].content.decode()
    assert responses[-1]["Retry-After"] == "60"


def test_lockout_page_is_the_site_page_under_the_strict_csp(client, editor):
    _fail(client, editor.username, 5)
    response = _sign_in(client, editor.username, ADMIN_PASSWORD)
    html = response.content.decode()
    assert '<main id="main"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in html and "style=" not in html


def test_test_client_login_and_force_login_still_work_with_axes_on(client, editor):
    assert client.login(username=editor.username, password=ADMIN_PASSWORD) is True
    assert client.get("/admin/").status_code == 200
    other = Client()
    other.force_login(editor)
    assert other.get("/admin/").status_code == 200


@pytest.mark.parametrize("username", ["0" * 1000, "x" * 256, "名" * 300])
def test_a_username_longer_than_the_attempt_record_gets_the_form_not_a_500(username):
    """Regression (found by tests/test_hostile_input.py on PostgreSQL): Django's sign-in form
    does not bound the username, and axes' varchar(255) record of the attempt raised DataError."""
    client = Client(raise_request_exception=False)
    responses = [_sign_in(client, username, "<script>alert(1)</script>") for _ in range(5)]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert "Please enter the correct username and password" in responses[0].content.decode()
    assert AccessAttempt.objects.get().username == username[:255]
