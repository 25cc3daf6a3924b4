"""Trust needs proof: a typed address is not its owner, and every page says what really happens.

A returning commenter is published at once (under "hold only first-time commenters") only from a
browser that proved the address by confirming a mailed link; a first-timer's confirmation proves
the address but leaves the comment to the moderator.
"""

import hashlib
import html
import re
import time

import pytest
from django.core import mail, signing
from django.http import HttpResponse
from django.test import Client, RequestFactory

from articles.tests.factories import ArticleFactory, UserFactory
from comments import proof, services
from comments.models import Comment, CommentPolicy, KnownCommenter
from comments.tests.conftest import set_policy
from comments.tests.factories import CommentFactory
from comments.tests.helpers import form_data, links_in_last_mail, post_url
from magazine import pagecache

pytestmark = pytest.mark.django_db
State = Comment.State
Mode = CommentPolicy.Mode
OWNER = "mei.lin@example.com"


@pytest.fixture
def moderator():
    return UserFactory(groups=["Moderator"])


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """Post a comment through the form as ``client`` and follow to the article page."""

    def run(client, article, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(post_url(article), form_data(article, **fields), follow=True)

    return run


@pytest.fixture
def confirm(django_capture_on_commit_callbacks):
    """Press the button behind the confirmation link in the newest mail to ``email``."""

    def run(client, email):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(links_in_last_mail(email)["confirm"])

    return run


def _returning(email, moderator, name="Mei Lin"):
    """An address a moderator has approved a comment from (on an article of its own)."""
    comment = CommentFactory(pending=True, email=email, name=name, body="An earlier, approved remark.")
    services.comment_approve(comment=comment, by=moderator)
    return comment


def _notice(response) -> str:
    found = re.search(r'comment-notice" role="status">(.*?)</div>', response.content.decode(), re.S)
    assert found, "the page shows no comment notice"
    return html.unescape(found.group(1))


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _genuine_cookie(email) -> str:
    """A proof cookie exactly as the confirmation page gives it."""
    response = HttpResponse()
    proof.remember(response, RequestFactory().get("/"), email=email)
    return response.cookies[proof.COOKIE_NAME].value


# --- Impersonation.


def test_stranger_typing_a_returning_commenters_address_is_held_and_their_name_not_shown(
    policy, moderator, post
):
    set_policy(policy, mode=Mode.HOLD_FIRST)
    _returning(OWNER, moderator)
    article = ArticleFactory()
    stranger = Client()
    response = post(stranger, article, name="Impostor", email="Mei.Lin@Example.com", body="I take it all back.")
    comment = Comment.objects.get(article=article)
    assert comment.state == State.PENDING
    notice = _notice(response)
    assert notice.startswith("Thank you: your comment awaits moderation.")
    article.refresh_from_db()
    assert article.comment_count == 0
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "Impostor" not in page and "I take it all back." not in page
    # The owner hears of it, with a link to delete what was posted in their name.
    message = mail.outbox[-1]
    assert message.to == ["Mei.Lin@Example.com"]
    assert "someone typed your address" in message.body
    links = links_in_last_mail("Mei.Lin@Example.com")
    assert "delete" in links
    owners_view = _text(Client().get(links["confirm"]))
    assert "posted as <strong>Impostor</strong>" in owners_view and "do not confirm" in owners_view


def test_held_message_does_not_tell_a_stranger_whether_an_address_is_a_returning_commenters(
    policy, moderator, post
):
    set_policy(policy, mode=Mode.HOLD_FIRST)
    _returning(OWNER, moderator)
    article = ArticleFactory()
    known = _notice(post(Client(), article, email=OWNER, body="From a known address."))
    unknown = _notice(post(Client(), article, email="nobody.yet@example.com", body="From a new address."))
    assert known == unknown
    assert "If a moderator has approved a comment of yours before, confirming publishes this one" in known


TAMPERED = {
    "garbage": lambda good: "garbage",
    "payload changed": lambda good: ("0" if good[0] != "0" else "1") + good[1:],
    "signature changed": lambda good: good[:-1] + ("A" if good[-1] != "A" else "B"),
    "signature removed": lambda good: good.split(":")[0],
    "signed with another salt": lambda good: signing.get_cookie_signer(salt=proof.COOKIE_NAME).sign(
        good.split(":")[0]
    ),
    "signed with another key": lambda good: signing.TimestampSigner(
        key="not-the-site-secret", salt=proof.COOKIE_NAME + proof.SALT
    ).sign(good.split(":")[0]),
    "the address in clear, signed": lambda good: signing.get_cookie_signer(salt=proof.COOKIE_NAME + proof.SALT).sign(
        hashlib.sha256(OWNER.encode()).hexdigest()[:32]
    ),
}


@pytest.mark.parametrize("how", list(TAMPERED))
def test_forged_or_tampered_proof_cookie_is_no_proof(policy, moderator, post, how):
    set_policy(policy, mode=Mode.HOLD_FIRST)
    _returning(OWNER, moderator)
    article = ArticleFactory()
    stranger = Client()
    stranger.cookies[proof.COOKIE_NAME] = TAMPERED[how](_genuine_cookie(OWNER))
    response = post(stranger, article, name="Impostor", email=OWNER)
    assert response.status_code == 200
    assert Comment.objects.get(article=article).state == State.PENDING
    assert "Impostor" not in Client().get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize("value", ["", ":::", "é:ü:ß", "x" * 4000, "%00:%00", ".".join(["0" * 32] * 50) + ":a:b"])
def test_odd_proof_cookies_are_no_proof_and_no_error(policy, moderator, post, value):
    set_policy(policy, mode=Mode.HOLD_FIRST)
    _returning(OWNER, moderator)
    article = ArticleFactory()
    reader = Client()
    reader.cookies[proof.COOKIE_NAME] = value
    assert post(reader, article, email=OWNER).status_code == 200
    assert Comment.objects.get(article=article).state == State.PENDING


def test_expired_proof_cookie_is_no_proof(policy, moderator, post):
    set_policy(policy, mode=Mode.HOLD_FIRST)
    _returning(OWNER, moderator)
    article = ArticleFactory()
    signer = signing.get_cookie_signer(salt=proof.COOKIE_NAME + proof.SALT)
    signer.timestamp = lambda: signing.b62_encode(int(time.time()) - proof.MAX_AGE - 60)
    reader = Client()
    reader.cookies[proof.COOKIE_NAME] = signer.sign(proof.address_key(OWNER))
    post(reader, article, email=OWNER)
    assert Comment.objects.get(article=article).state == State.PENDING


def test_proof_for_one_address_is_no_proof_for_another(policy, moderator, post, confirm):
    set_policy(policy, mode=Mode.HOLD_FIRST)
    _returning(OWNER, moderator)
    _returning("own@example.com", moderator, name="Own")
    article = ArticleFactory()
    reader = Client()
    post(reader, article, name="Own", email="own@example.com", body="My own comment.")
    confirm(reader, "own@example.com")
    assert proof.COOKIE_NAME in reader.cookies
    held = reader.post(post_url(article), form_data(article, name="Impostor", email=OWNER, body="In another's name."))
    assert Comment.objects.get(body="In another's name.").state == State.PENDING
    assert proof.COOKIE_NAME not in held.cookies  # posting in another's name gives no proof of it
    post(reader, article, name="Impostor", email=OWNER, body="Once more, in another's name.")
    assert Comment.objects.get(body="Once more, in another's name.").state == State.PENDING
    assert "Impostor" not in Client().get(article.get_absolute_url()).content.decode()


# --- The real commenter.


@pytest.mark.parametrize(
    ("mode", "expected", "message"),
    [
        (Mode.HOLD_FIRST, State.APPROVED, "your comment is published"),
        (Mode.PUBLISH, State.APPROVED, "your comment is published"),
        (Mode.HOLD_ALL, State.PENDING, "A moderator reads every comment before it is shown"),
    ],
)
def test_returning_commenter_with_proof_is_published_as_the_policy_says(
    policy, moderator, post, confirm, mode, expected, message
):
    set_policy(policy, mode=Mode.HOLD_FIRST)
    article = ArticleFactory()
    reader = Client()
    post(reader, article, name="Mei Lin", email=OWNER, body="My first comment here.")
    confirm(reader, OWNER)
    first = Comment.objects.get(body="My first comment here.")
    assert first.state == State.PENDING  # confirming proved the address; the moderator decides
    services.comment_approve(comment=first, by=moderator)
    set_policy(policy, mode=mode)
    response = post(reader, article, name="Mei Lin", email="  MEI.LIN@example.com ", body="Back again.")
    assert Comment.objects.get(body="Back again.").state == expected
    assert message in _notice(response)
    if expected == State.APPROVED:
        assert "Back again." in Client().get(article.get_absolute_url()).content.decode()


def test_proof_is_renewed_each_time_the_returning_commenter_posts(policy, moderator, post, confirm):
    set_policy(policy, mode=Mode.HOLD_FIRST)
    _returning(OWNER, moderator)
    article = ArticleFactory()
    reader = Client()
    post(reader, article, email=OWNER, body="From a new browser.")
    confirm(reader, OWNER)
    with_proof = reader.post(post_url(article), form_data(article, email=OWNER, body="Published at once."))
    assert Comment.objects.get(body="Published at once.").state == State.APPROVED
    assert with_proof.cookies[proof.COOKIE_NAME]["max-age"] == proof.MAX_AGE


def test_returning_commenter_in_a_new_browser_is_held_until_they_confirm_there(policy, moderator, post, confirm):
    set_policy(policy, mode=Mode.HOLD_FIRST)
    _returning(OWNER, moderator)
    article = ArticleFactory()
    new_browser = Client()
    post(new_browser, article, email=OWNER, body="Typed on my new phone.")
    comment = Comment.objects.get(body="Typed on my new phone.")
    assert comment.state == State.PENDING
    assert "it is published as soon as you confirm" in mail.outbox[-1].body
    assert "publishes your comment at once" in _text(new_browser.get(links_in_last_mail(OWNER)["confirm"]))
    done = confirm(new_browser, OWNER)
    comment.refresh_from_db()
    assert comment.state == State.APPROVED
    assert "is published" in _text(done)
    post(new_browser, article, email=OWNER, body="And the next one.")
    assert Comment.objects.get(body="And the next one.").state == State.APPROVED


def test_first_timer_confirming_under_hold_first_stays_pending_and_the_page_says_so(policy, post, confirm):
    set_policy(policy, mode=Mode.HOLD_FIRST)
    article = ArticleFactory()
    reader = Client()
    post(reader, article, name="New Reader", email="new.reader@example.com", body="Hello, first time here.")
    before = _text(reader.get(links_in_last_mail("new.reader@example.com")["confirm"]))
    assert "confirming does not publish this one" in before
    done = confirm(reader, "new.reader@example.com")
    comment = Comment.objects.get()
    article.refresh_from_db()
    assert comment.confirmed_at is not None
    assert comment.state == State.PENDING
    assert article.comment_count == 0
    page = _text(done)
    assert "awaits moderation" in page and "a moderator reads a new commenter's comments" in page
    assert "is published" not in page
    assert "Hello, first time here." not in Client().get(article.get_absolute_url()).content.decode()
    # Proven but not yet approved: the next comment waits for the moderator too, and says why.
    response = post(reader, article, name="New Reader", email="new.reader@example.com", body="Me again.")
    assert Comment.objects.get(body="Me again.").state == State.PENDING
    assert "Once a moderator has approved one, your comments from this browser are published" in _notice(response)
    assert KnownCommenter.objects.get().reason == KnownCommenter.Reason.CONFIRMED


# --- What each mode tells the reader, in the post notice, the mail and the confirmation page.


MESSAGES = {
    # mode, returning: (post notice, mail, confirm page before, confirm page after, state after confirming)
    (Mode.PUBLISH, False): (
        "Thank you: your comment is published.",
        "Your comment is published.",
        "Your comment is published; confirming tells us that the address is yours.",
        "is published.",
        State.APPROVED,
    ),
    (Mode.HOLD_ALL, False): (
        "A moderator reads every comment before it is shown. We have sent you an email with a link to confirm",
        "a moderator reads every comment before it is\nshown, and will look at it soon. Confirming your address does not publish it\nsooner.",
        "A moderator reads every comment before it is shown, so confirming does not publish this one sooner",
        "awaits moderation; a moderator will look at it soon.",
        State.PENDING,
    ),
    (Mode.HOLD_ALL, True): (
        "A moderator reads every comment before it is shown. We have sent you an email with a link to confirm",
        "a moderator reads every comment before it is\nshown, and will look at it soon. Confirming your address does not publish it\nsooner.",
        "A moderator reads every comment before it is shown, so confirming does not publish this one sooner",
        "awaits moderation; a moderator will look at it soon.",
        State.PENDING,
    ),
    (Mode.HOLD_FIRST, False): (
        "If a moderator has approved a comment of yours before, confirming publishes this one at once; "
        "otherwise a moderator reads it first.",
        "a moderator reads a new commenter's comments\nbefore they are shown, and will look at it soon. Confirming your address does\nnot publish it sooner",
        "A moderator reads a new commenter's comments before they are shown, so confirming does not publish this one.",
        "awaits moderation: a moderator reads a new commenter's comments before they are shown",
        State.PENDING,
    ),
    (Mode.HOLD_FIRST, True): (
        "If a moderator has approved a comment of yours before, confirming publishes this one at once; "
        "otherwise a moderator reads it first.",
        "Your comment is not shown yet: it is published as soon as you confirm that\nthis address is yours",
        "Confirming that this address is yours publishes your comment at once",
        "is published.",
        State.APPROVED,
    ),
}


@pytest.mark.parametrize(("mode", "returning"), list(MESSAGES))
def test_every_mode_tells_the_reader_what_happens(policy, moderator, post, confirm, mode, returning):
    notice, mail_text, before, after, state_after = MESSAGES[mode, returning]
    set_policy(policy, mode=mode)
    if returning:
        _returning(OWNER, moderator)
    article = ArticleFactory()
    reader = Client()  # a browser that has proved nothing yet
    assert notice in _notice(post(reader, article, email=OWNER, body="What happens to this one?"))
    message = mail.outbox[-1]
    assert mail_text in message.body
    assert " ".join(mail_text.split()) in " ".join(html.unescape(message.alternatives[0][0]).split())
    assert before in _text(reader.get(links_in_last_mail(OWNER)["confirm"]))
    done = confirm(reader, OWNER)
    assert "Thank you, your email is confirmed" in _text(done) and after in _text(done)
    assert Comment.objects.get(body="What happens to this one?").state == state_after


# --- The proof cookie.


def test_only_pressing_the_confirm_button_gives_the_browser_proof(policy, post):
    article = ArticleFactory()
    reader = Client()
    post(reader, article, email=OWNER)
    confirm_link = links_in_last_mail(OWNER)["confirm"]
    assert proof.COOKIE_NAME not in reader.get(confirm_link).cookies  # mail scanners fetch links
    assert proof.COOKIE_NAME not in reader.cookies
    assert proof.COOKIE_NAME in reader.post(confirm_link).cookies


@pytest.mark.parametrize("secure", [False, True])
def test_proof_cookie_is_httponly_long_lived_secure_in_production_and_names_no_address(
    policy, settings, post, secure
):
    settings.SESSION_COOKIE_SECURE = secure
    article = ArticleFactory()
    reader = Client()
    post(reader, article, email=OWNER)
    cookie = reader.post(links_in_last_mail(OWNER)["confirm"]).cookies[proof.COOKIE_NAME]
    assert cookie["httponly"] is True
    assert bool(cookie["secure"]) is secure
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["max-age"] == 365 * 24 * 3600
    readable = cookie.value.lower()
    assert "mei" not in readable and "example" not in readable
    for digest in (hashlib.sha256, hashlib.md5, hashlib.sha1):
        assert digest(OWNER.encode()).hexdigest()[:16] not in readable


def test_one_browser_keeps_proof_of_a_few_addresses(policy, moderator, post, confirm):
    set_policy(policy, mode=Mode.HOLD_FIRST)
    article = ArticleFactory()
    reader = Client()
    addresses = ["home@example.com", "work@example.com"]
    for address in addresses:
        _returning(address, moderator)
        post(reader, article, email=address, body=f"Confirming {address}")
        confirm(reader, address)
    for address in addresses:
        post(reader, article, email=address, body=f"Published for {address}")
        assert Comment.objects.get(body=f"Published for {address}").state == State.APPROVED


# --- The page cache.


def test_page_cache_stores_no_response_that_gives_proof(settings, client, policy, post):
    settings.PAGE_CACHE_ENABLED = True
    article = ArticleFactory()
    request = client.get(article.get_absolute_url()).wsgi_request
    render = pagecache._Render()
    render.deps.add(("article", article.pk))
    page = HttpResponse("An article page")
    assert pagecache.PageCacheMiddleware._storable(request, page, render)
    proof.remember(page, request, email=OWNER)
    assert not pagecache.PageCacheMiddleware._storable(request, page, render)
    # The confirmation page that gives the proof is answered fresh, never from the cache.
    reader = Client()
    post(reader, article, email=OWNER)
    confirm_link = links_in_last_mail(OWNER)["confirm"]
    done = reader.post(confirm_link)
    assert proof.COOKIE_NAME in done.cookies and not done.has_header("X-Page-Cache")


def test_proof_cookie_neither_splits_nor_bypasses_the_shared_page_cache(settings, policy):
    settings.PAGE_CACHE_ENABLED = True
    article = ArticleFactory()
    anonymous = Client()
    assert anonymous.get(article.get_absolute_url())["X-Page-Cache"] == "miss"
    proven = Client()
    proven.cookies[proof.COOKIE_NAME] = _genuine_cookie(OWNER)
    served = proven.get(article.get_absolute_url())
    assert served["X-Page-Cache"] == "hit"  # nothing on the page depends on the proof
    assert OWNER not in served.content.decode()


def test_confirming_publishes_a_held_comment_once_the_policy_publishes_at_once(policy, post, confirm):
    set_policy(policy, mode=Mode.HOLD_FIRST)
    article = ArticleFactory()
    reader = Client()
    post(reader, article, email=OWNER, body="Held under the old policy.")
    set_policy(policy, mode=Mode.PUBLISH)
    done = confirm(reader, OWNER)
    assert Comment.objects.get().state == State.APPROVED
    assert "is published" in _text(done)
