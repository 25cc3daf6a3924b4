"""Reader-facing comment pages: post, reply, report (flag), and the links from comment emails."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from articles.models import Article
from comments import proof, selectors, services, spam, tokens
from comments.forms import CommentForm, CommentReportForm, ConfirmForm
from comments.models import Comment, CommentPolicy
from magazine import ratelimit

SESSION_KEY = "comments_mine"
SESSION_LIMIT = 30


def _remember_own(request, comment: Comment) -> None:
    """The reader's own held comments are shown to them (and only them) as waiting."""
    mine = [i for i in request.session.get(SESSION_KEY, []) if i != comment.pk]
    request.session[SESSION_KEY] = [comment.pk, *mine][:SESSION_LIMIT]


def _live_article(article_id: int) -> Article:
    article = get_object_or_404(Article.objects.select_related("region"), pk=article_id)
    if not article.is_live:
        raise Http404("No such article.")
    return article


def form_for(article: Article, *, data=None, parent: Comment | None = None) -> CommentForm:
    initial = {"timestamp": spam.form_timestamp(article_id=article.pk), "parent": parent.pk if parent else None}
    return CommentForm(data=data, initial=initial, action=reverse("comments:post", args=[article.pk]))


def _form_page(request, article, form, *, parent=None, error=None, status=200):
    return render(
        request,
        "comments/form_page.html",
        {"article": article, "form": form, "replying_to": parent, "error": error},
        status=status,
    )


@require_POST
def post_comment(request, article_id: int):
    article = _live_article(article_id)
    form = CommentForm(data=request.POST, action=reverse("comments:post", args=[article.pk]))
    if not form.is_valid():
        return _retry(request, article, form)
    data = form.cleaned_data
    parent = None
    if data["parent"]:
        parent = Comment.objects.filter(pk=data["parent"], article=article, state=Comment.State.APPROVED).first()
        if parent is None:
            return _retry(
                request, article, form,
                problem="The comment you replied to is no longer shown. You can send your text as a new comment.",
            )
    address_proven = proof.proves(request, email=data["email"])
    try:
        result = services.comment_post(
            article=article,
            parent=parent,
            name=data["name"],
            email=data["email"],
            body=data["body"],
            notify_replies=data["notify_replies"],
            ip=services.client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            honeypot=data["website"],
            form_timestamp=data["timestamp"],
            address_proven=address_proven,
        )
    except spam.Refused as refusal:
        return _retry(request, article, form, problem=refusal.message, field=refusal.field, parent=parent)
    comment = result.comment
    if result.duplicate:
        messages.info(request, "You have already posted this comment; it is shown below.", extra_tags="comments")
    elif result.published:
        messages.success(request, "Thank you: your comment is published.", extra_tags="comments")
    else:
        messages.info(request, _held_message(result), extra_tags="comments")
    if comment.state != Comment.State.SPAM:
        _remember_own(request, comment)
    anchor = f"comment-{comment.pk}" if comment.state != Comment.State.SPAM else "comments"
    response = HttpResponseRedirect(f"{article.get_absolute_url()}#{anchor}")
    if address_proven and comment.state != Comment.State.SPAM:
        proof.remember(response, request, email=data["email"])  # renewed while the reader keeps commenting
    return response


def _held_message(result: services.PostResult) -> str:
    """What happens next to a held comment, truthfully, without telling a stranger whether the
    address they typed belongs to a returning commenter."""
    if result.comment.state != Comment.State.PENDING:
        return "Thank you: your comment awaits moderation."  # held as spam: no mail is sent
    if result.mode == CommentPolicy.Mode.HOLD_ALL:
        return (
            "Thank you: your comment awaits moderation. A moderator reads every comment before it is shown. "
            "We have sent you an email with a link to confirm your address."
        )
    if result.address_proven:
        return (
            "Thank you: your comment awaits moderation. A moderator reads a new commenter's comments before "
            "they are shown. Once a moderator has approved one, your comments from this browser are "
            "published at once."
        )
    return (
        "Thank you: your comment awaits moderation. We have sent you an email with a link to confirm your "
        "address. If a moderator has approved a comment of yours before, confirming publishes this one at "
        "once; otherwise a moderator reads it first."
    )


def _retry(request, article, form, *, problem: str | None = None, field: str | None = None, parent=None):
    """The form again, with what the reader typed, the reasons, and a fresh timestamp."""
    data = form.data.copy()
    data["timestamp"] = spam.form_timestamp(article_id=article.pk)
    data.pop("website", None)
    fresh = CommentForm(data=data, action=form.helper.form_action)
    fresh.is_valid()
    if problem:
        fresh.add_error(field if field in fresh.fields else None, problem)
    return _form_page(request, article, fresh, parent=parent, status=400)


@require_http_methods(["GET"])
def reply(request, pk: int):
    """The reply form on a page of its own, for readers without JavaScript."""
    parent = get_object_or_404(Comment.objects.select_related("article__region"), pk=pk, state=Comment.State.APPROVED)
    article = parent.article
    if not article.is_live:
        raise Http404("No such article.")
    from comments.selectors import comments_are_open

    if not comments_are_open(article=article):
        return render(request, "comments/closed.html", {"article": article}, status=403)
    return _form_page(request, article, form_for(article, parent=parent), parent=parent)


def _fingerprint(request) -> str:
    ip = services.client_ip(request) or "unknown"
    agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    return hashlib.sha256(f"{ip}|{agent}".encode()).hexdigest()


@require_http_methods(["GET", "POST"])
def flag(request, pk: int):
    """Report a comment: a small page asks why (GET); the report is made on POST only."""
    comment = get_object_or_404(Comment.objects.select_related("article__region"), pk=pk)
    article = comment.article
    if not article.is_live:
        raise Http404("No such article.")
    if comment.state != Comment.State.APPROVED:
        messages.info(request, "This comment is no longer shown.", extra_tags="comments")
        return HttpResponseRedirect(f"{article.get_absolute_url()}#comments")
    action = reverse("comments:flag", args=[comment.pk])
    if request.method == "GET":
        return _report_page(request, comment, CommentReportForm(action=action))
    form = CommentReportForm(data=request.POST, action=action)
    if not form.is_valid():
        return _report_page(request, comment, form, status=400)
    try:
        result = services.comment_flag(
            comment=comment,
            fingerprint=_fingerprint(request),
            ip=services.client_ip(request),
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except spam.Refused as refusal:
        messages.warning(request, refusal.message, extra_tags="comments")
    else:
        if result.created:
            messages.success(request, "Thanks, a moderator will look at it.", extra_tags="comments")
        else:
            messages.info(request, "You have already reported this comment.", extra_tags="comments")
    return HttpResponseRedirect(f"{article.get_absolute_url()}#comments")


def _report_page(request, comment, form, *, status=200):
    return render(
        request, "comments/report.html", {"comment": comment, "article": comment.article, "form": form}, status=status
    )


# --- Links from emails: GET shows a page with a button, POST does it.

def _token_comment(token: str, purpose: str):
    """The comment a link is for, or the reason the link cannot be used."""
    try:
        data = tokens.read_token(token, purpose=purpose)
    except tokens.TokenError as error:
        return None, error.reason
    comment = Comment.objects.select_related("article__region").filter(pk=data.comment_id).first()
    if comment is None or comment.removed_by_author or not data.matches(comment.email):
        return None, "gone"
    return comment, None


def _bad_link(request, reason: str, purpose: str):
    return render(request, "comments/bad_link.html", {"reason": reason, "purpose": purpose}, status=400 if reason != "gone" else 404)


@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("comments-link")
def confirm(request, token: str):
    comment, problem = _token_comment(token, tokens.CONFIRM)
    if problem:
        return _bad_link(request, problem, tokens.CONFIRM)
    done = False
    if request.method == "POST":
        comment = services.comment_confirm(comment=comment)
        _remember_own(request, comment)
        done = True
    response = render(
        request,
        "comments/confirm.html",
        {
            "comment": comment,
            "form": ConfirmForm(),
            "done": done,
            "article": comment.article,
            "outcome": selectors.confirm_outcome(comment=comment),
        },
    )
    if done:
        # Only this browser, which pressed the button behind the mailed link, proved the address.
        proof.remember(response, request, email=comment.email)
    return response


@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("comments-link")
def delete(request, token: str):
    comment, problem = _token_comment(token, tokens.DELETE)
    if problem:
        return _bad_link(request, problem, tokens.DELETE)
    article = comment.article
    if request.method == "POST":
        services.comment_delete_by_author(comment=comment)
        return render(request, "comments/delete.html", {"article": article, "done": True})
    return render(request, "comments/delete.html", {"comment": comment, "article": article, "form": ConfirmForm()})


@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("comments-link")
def unsubscribe(request, token: str):
    comment, problem = _token_comment(token, tokens.UNSUBSCRIBE)
    if problem:
        return _bad_link(request, problem, tokens.UNSUBSCRIBE)
    done = False
    if request.method == "POST":
        services.comment_unsubscribe(comment=comment)
        done = True
    return render(
        request,
        "comments/unsubscribe.html",
        {"comment": comment, "article": comment.article, "form": ConfirmForm(), "done": done},
    )
