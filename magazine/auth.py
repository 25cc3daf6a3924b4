"""Sign-in protection for the admin: django-axes locks a username on one address out after
``AXES_FAILURE_LIMIT`` wrong passwords, for ``AXES_COOLOFF_TIME`` (see settings)."""

from __future__ import annotations

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    """The lockout page (status 429) saying in plain minutes how long the wait is."""
    cool_off = get_cool_off(request)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else None
    response = render(request, "axes/lockout.html", {"cooloff_minutes": minutes}, status=429)
    response["Cache-Control"] = "private, no-store"
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


class RequestlessTestLoginBackend(AxesStandaloneBackend):
    """Used under pytest only: Django's test ``Client.login()`` authenticates without a request,
    which AxesStandaloneBackend refuses. Without a request there is no address to lock out, so
    such a call is left to the next backend; every sign-in through a page still goes through
    axes exactly as in production."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str | None:
    """The address axes counts failures for: REMOTE_ADDR, as for every other limit on the site
    (a proxy in front must set it; X-Forwarded-For sent by a client is never trusted)."""
    return request.META.get("REMOTE_ADDR") or None


def lockout_username(request, credentials=None) -> str | None:
    """The username axes records and locks: as typed, but at most 255 characters (its column).

    Django's sign-in form does not bound the username before authenticating, and a longer one
    made PostgreSQL refuse axes' attempt record: a 500 instead of "wrong password".
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    username = credentials.get(field) if credentials else getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    return str(username).replace("\x00", "")[:255]
