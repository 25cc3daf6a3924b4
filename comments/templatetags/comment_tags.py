from django import template
from django.contrib.messages import get_messages

from comments import selectors
from comments.forms import ThreadPageForm
from comments.models import CommentPolicy
from comments.views import SESSION_KEY, form_for
from magazine import pagecache

register = template.Library()


def _page_number(request) -> int | None:
    """The page of comments the address asks for; None for a value that is no page number."""
    return ThreadPageForm(request.GET).page_number()


@register.inclusion_tag("comments/thread.html", takes_context=True)
def comment_thread(context, article):
    """The discussion under an article: notices, the thread (paginated) and the form."""
    request = context.get("request")
    policy = CommentPolicy.load()
    is_open = selectors.comments_are_open(article=article, policy=policy)
    own_ids = []
    notices = []
    if request is not None:
        session = getattr(request, "session", None)
        own_ids = [i for i in (session.get(SESSION_KEY, []) if session is not None else []) if isinstance(i, int)]
        # Only the comment notices: other parts of the page may show their own messages.
        storage = get_messages(request)
        others = []
        for message in storage:
            (notices if "comments" in message.tags.split() else others).append(message)
        for message in others:
            storage.add(message.level, message.message, message.extra_tags)
    asked = _page_number(request) if request is not None else 1
    # A value that is no page number shows the first page, and one past the end the last: the
    # article is what the reader came for.
    page = selectors.article_thread(article=article, page=asked or 1, own_ids=own_ids)
    if page.number != asked:
        # Stored, every such address would be a cache entry of its own holding the same page.
        pagecache.do_not_store("the comments page shown is not the one asked for")
    return {
        "article": article,
        "page": page,
        "is_open": is_open,
        "closes_at": selectors.comments_close_at(article=article, policy=policy) if is_open else None,
        "policy_enabled": policy.enabled,
        "form": form_for(article) if is_open else None,
        "notices": notices,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
