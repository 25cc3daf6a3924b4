"""Reader pages: sign-up, confirmation and the preference centre reached from signed links.

GET only ever shows a page (mail scanners fetch every link); POST changes things. A link
that cannot be used gets a page saying why, and changes nothing.
"""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from magazine import ratelimit
from newsletter import emails, selectors, services, tokens
from newsletter.forms import ListButtonForm, PreferencesForm, SignUpForm, SignUpPageForm, UnsubscribeForm
from newsletter.models import Newsletter, Subscriber

LINK_PROBLEMS = {
    "expired": (
        "This link has expired",
        "Links in our mails work for a limited time. Nothing was changed. Sign up again, or use the link in a newer mail.",
    ),
    "invalid": (
        "This link does not work",
        "It may have been cut short or changed when it was copied. Nothing was changed. Try clicking it in the mail again.",
    ),
    "unknown": (
        "We no longer have this address",
        "The address was deleted from our lists, or changed. Nothing was changed. You can sign up again at any time.",
    ),
}


def _link_problem(request, reason: str, *, status: int = 400):
    title, text = LINK_PROBLEMS[reason]
    status = 410 if reason in ("expired", "unknown") else status
    response = render(request, "newsletter/link_problem.html", {"title": title, "text": text, "reason": reason}, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


def signed_link(read):
    """For views reached from a signed link: the view gets the subscriber the token names.

    A token that is wrong, expired or names an address we no longer have gets the page that
    says so (``_link_problem``) and the view does not run.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, token: str, **kwargs):
            try:
                subscriber = selectors.subscriber_for_token(data=read(token))
            except tokens.TokenError as error:
                return _link_problem(request, error.reason)
            return view(request, token, subscriber, **kwargs)

        return wrapper

    return decorate


def _private(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    # Keep the token out of other sites' logs. Not "no-referrer": browsers then send
    # "Origin: null" with the page's own forms, which CSRF protection rightly refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


@require_GET
def signup_page(request):
    initial = {"source": "page"}
    chosen = SignUpPageForm(request.GET)
    if not chosen.is_valid():
        raise Http404(" ".join(chosen.errors["list"]))
    newsletter = chosen.cleaned_data["list"]
    if newsletter:
        if newsletter.is_active:
            initial["newsletters"] = [newsletter.pk]
    else:
        default = selectors.default_newsletter()
        initial["newsletters"] = [default.pk] if default else []
    return _signup_render(request, SignUpForm(initial=initial))


def _signup_render(request, form, *, status: int = 200):
    context = {"form": form, "newsletters": list(selectors.active_newsletters())}
    return render(request, "newsletter/signup.html", context, status=status)


@require_GET
def newsletter_detail(request, slug: str):
    newsletter = get_object_or_404(Newsletter, slug=slug)
    status = 200 if newsletter.is_active else 410
    context = {"newsletter": newsletter, "others": list(selectors.active_newsletters().exclude(pk=newsletter.pk))}
    return render(request, "newsletter/newsletter_detail.html", context, status=status)


@require_GET
def issue_web_version(request, web_id: str):
    """An issue as its mail showed it ("view in browser"): public once sent, the same for everyone."""
    send = selectors.public_send(web_id=web_id)
    context = {
        "send": send,
        "newsletter": send.newsletter,
        "intro_paragraphs": emails.paragraphs(send.intro),
        "articles": selectors.web_issue_articles(send=send),
    }
    return render(request, "newsletter/issue_web.html", context)


@require_POST
def subscribe(request):
    form = SignUpForm(request.POST)
    if not ratelimit.allowed(request, "newsletter-signup"):
        form.add_error(None, "You have sent this form many times in a short while. Please wait a few minutes and sign up again.")
        return _signup_render(request, form, status=429)
    if not form.is_valid():
        return _signup_render(request, form, status=400)
    try:
        services.subscriber_sign_up(
            email=form.cleaned_data["email"], newsletters=form.cleaned_data["newsletters"], source=form.consent_source()
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _signup_render(request, form, status=400)
    # The same answer for new, pending and known addresses: nothing here reveals which it was.
    return redirect("newsletter:check_inbox")


@require_GET
def check_inbox(request):
    return render(request, "newsletter/check_inbox.html")


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("newsletter-link")
@signed_link(tokens.read_confirm_token)
def confirm(request, token: str, subscriber: Subscriber):
    preferences = reverse("newsletter:preferences", args=[tokens.preferences_token(subscriber)])
    if request.method == "POST":
        if services.subscription_confirm(subscriber=subscriber):
            return _private(render(request, "newsletter/confirmed.html", {"preferences_url": preferences}))
        return _private(render(request, "newsletter/already_confirmed.html", {"preferences_url": preferences}))
    pending = subscriber.state == Subscriber.State.PENDING or any(
        s.state == s.State.PENDING for s in subscriber.subscriptions.all()
    )
    if not pending or subscriber.is_suppressed:
        return _private(render(request, "newsletter/already_confirmed.html", {"preferences_url": preferences}))
    lists = [s.newsletter for s in subscriber.subscriptions.all() if s.state == s.State.PENDING]
    return _private(render(request, "newsletter/confirm.html", {"email": subscriber.email, "lists": lists}))


@never_cache
@require_http_methods(["GET", "POST"])
@signed_link(tokens.read_preferences_token)
def preferences(request, token: str, subscriber: Subscriber):
    if request.method == "POST":
        form = PreferencesForm.for_subscriber(subscriber, data=request.POST)
        if not ratelimit.allowed(request, "newsletter-link"):
            form.add_error(None, "You have saved many times in a short while. Please wait a few minutes and save again.")
            status = 429
        elif form.is_valid():
            services.preferences_update(subscriber=subscriber, **form.cleaned_data)
            messages.success(request, "Your choices are saved.")
            return redirect("newsletter:preferences", token=token)
        else:
            status = 400
    else:
        form = PreferencesForm.for_subscriber(subscriber)
        status = 200
    return _preferences_page(request, token, subscriber, form, status=status)


def _preferences_page(request, token: str, subscriber: Subscriber, form, *, status: int = 200):
    context = {
        "form": form,
        "subscriber": subscriber,
        "token": token,
        "subscriptions": list(subscriber.subscriptions.all()),
    }
    return _private(render(request, "newsletter/preferences.html", context, status=status))


def _list_button_refused(request, token: str, subscriber: Subscriber, button: ListButtonForm):
    """A list button naming no newsletter we have: the preference centre again, saying so."""
    for error in button.errors["newsletter"]:
        messages.error(request, error)
    return _preferences_page(request, token, subscriber, PreferencesForm.for_subscriber(subscriber), status=404)


@require_POST
@ratelimit.limit_posts("newsletter-link")
@signed_link(tokens.read_preferences_token)
def preferences_unsubscribe(request, token: str, subscriber: Subscriber):
    button = ListButtonForm(request.POST)
    if not button.is_valid():
        return _list_button_refused(request, token, subscriber, button)
    newsletter = button.cleaned_data["newsletter"]
    services.subscriber_unsubscribe(subscriber=subscriber, newsletter=newsletter, source="preference page")
    if newsletter:
        messages.success(request, f"You will no longer get {newsletter.name}.")
    else:
        messages.success(request, "You are unsubscribed from every newsletter. You can come back here at any time.")
    return redirect("newsletter:preferences", token=token)


@require_POST
@ratelimit.limit_posts("newsletter-link")
@signed_link(tokens.read_preferences_token)
def preferences_resubscribe(request, token: str, subscriber: Subscriber):
    button = ListButtonForm(request.POST)
    if not button.is_valid():
        return _list_button_refused(request, token, subscriber, button)
    newsletter = button.cleaned_data["newsletter"]
    try:
        services.subscriber_resubscribe(subscriber=subscriber, newsletter=newsletter)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Welcome back: you are subscribed to {newsletter.name if newsletter else 'your newsletters'} again.")
    return redirect("newsletter:preferences", token=token)


@never_cache
@require_GET
@signed_link(tokens.read_preferences_token)
def preferences_data(request, token: str, subscriber: Subscriber):
    data = services.subscriber_data_export(subscriber=subscriber)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-newsletter-data.json"'
    return _private(response)


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("newsletter-link")
@signed_link(tokens.read_preferences_token)
def preferences_delete(request, token: str, subscriber: Subscriber):
    if request.method == "POST":
        services.subscriber_delete(subscriber=subscriber)
        return _private(render(request, "newsletter/deleted.html"))
    return _private(render(request, "newsletter/delete_confirm.html", {"subscriber": subscriber, "token": token}))


@csrf_exempt  # RFC 8058: mail providers POST here without a session; the signed token is the authority.
@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("newsletter-unsubscribe", key=lambda request, token: token)
def unsubscribe(request, token: str):
    try:
        data = tokens.read_unsubscribe_token(token)
        subscriber = selectors.subscriber_for_token(data=data)
    except tokens.TokenError as error:
        return _link_problem(request, error.reason)
    newsletter = Newsletter.objects.filter(pk=data.newsletter_id).first() if data.newsletter_id else None
    preferences = reverse("newsletter:preferences", args=[tokens.preferences_token(subscriber)])
    context = {"newsletter": newsletter, "preferences_url": preferences, "email": subscriber.email}
    if request.method == "POST":
        one_click = UnsubscribeForm(request.POST).is_one_click()
        services.subscriber_unsubscribe(
            subscriber=subscriber,
            newsletter=newsletter,
            source="one-click" if one_click else "unsubscribe page",
        )
        if one_click:
            return _private(HttpResponse("Unsubscribed.\n", content_type="text/plain; charset=utf-8"))
        return _private(render(request, "newsletter/unsubscribed.html", context))
    return _private(render(request, "newsletter/unsubscribe.html", context))
