"""Links in comment mails are sealed: nothing in them can be read; old signed links still work."""

import base64
import binascii
import contextlib
import hashlib
import re
import struct
import time
import zlib

import pytest
from django.core import signing

from comments import tokens
from comments.models import Comment
from comments.tests.factories import CommentFactory

PURPOSES = [tokens.CONFIRM, tokens.DELETE, tokens.UNSUBSCRIBE]


def legacy_token(purpose, comment_id, email, *, age=0):
    """A link as mailed before tokens were sealed (the old algorithm), made ``age`` seconds ago."""
    tag = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:12]

    class Signer(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - age)

    return Signer(salt=f"comments.{purpose}").sign_object({"c": comment_id, "e": tag})


def decodings(token: str) -> list[bytes]:
    """Everything a reader gets by base64-decoding each segment of the token (and inflating it)."""
    found = []
    for segment in re.split(r"[:.]", token):
        for text in (segment, segment[:-1], segment[:-2]):  # whichever length base64 accepts
            try:
                raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            except (binascii.Error, ValueError):
                continue
            found.append(raw)
            with contextlib.suppress(zlib.error):
                found.append(zlib.decompress(raw))
    return found


@pytest.mark.parametrize("purpose", PURPOSES)
def test_new_token_holds_nothing_a_reader_can_decode(purpose):
    email, comment_id = "Private.Commenter@example.com", 987654321
    digest = hashlib.sha256(email.lower().encode()).digest()
    token = tokens.make_token(purpose=purpose, comment_id=comment_id, email=email)
    assert ":" not in token and token != tokens.make_token(purpose=purpose, comment_id=comment_id, email=email)
    traces = [email.encode(), email.lower().encode(), digest.hex()[:8].encode(), digest[:4], b'"c":', b'"e":', b"987654321"]
    traces += [struct.pack(f, comment_id) for f in (">I", "<I", ">Q", "<Q")]
    blobs = decodings(token)
    assert blobs
    for blob in blobs:
        for trace in traces:
            assert trace not in blob, (trace, blob)
    data = tokens.read_token(token, purpose=purpose)
    assert data.comment_id == comment_id and data.matches("private.commenter@example.com")


def test_new_token_is_refused_for_another_purpose():
    token = tokens.make_token(purpose=tokens.CONFIRM, comment_id=5, email="a@example.com")
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_token(token, purpose=tokens.DELETE)
    assert error.value.reason == "invalid"


@pytest.mark.parametrize("position", [0, 1, 20, -2, -1])
def test_token_with_any_character_changed_is_invalid(position):
    token = tokens.make_token(purpose=tokens.DELETE, comment_id=5, email="a@example.com")
    index = position % len(token)
    changed = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_token(changed, purpose=tokens.DELETE)
    assert error.value.reason == "invalid"


def test_new_token_expires_under_the_same_lifetime(settings):
    token = tokens.make_token(purpose=tokens.CONFIRM, comment_id=5, email="a@example.com")
    settings.COMMENTS_CONFIRM_MAX_AGE = -1
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_token(token, purpose=tokens.CONFIRM)
    assert error.value.reason == "expired"


def test_old_signed_token_still_works_until_it_expires(settings):
    old = legacy_token(tokens.DELETE, 5, "a@example.com", age=3600)
    data = tokens.read_token(old, purpose=tokens.DELETE)
    assert data.comment_id == 5 and data.matches("A@example.com")
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_token(old, purpose=tokens.CONFIRM)
    assert error.value.reason == "invalid"
    settings.COMMENTS_DELETE_MAX_AGE = 3599
    with pytest.raises(tokens.TokenError) as error:
        tokens.read_token(old, purpose=tokens.DELETE)
    assert error.value.reason == "expired"
    # Unsubscribe links never expired, and old ones still do not.
    ancient = legacy_token(tokens.UNSUBSCRIBE, 5, "a@example.com", age=5 * 365 * 86400)
    assert tokens.read_token(ancient, purpose=tokens.UNSUBSCRIBE).comment_id == 5


@pytest.mark.django_db
def test_old_signed_links_still_open_their_pages_and_expired_ones_explain(client, settings):
    comment = CommentFactory(email="old.link@example.com", body="Words from an old mail")
    page = client.get(f"/comments/delete/{legacy_token(tokens.DELETE, comment.pk, comment.email, age=86400)}/")
    assert page.status_code == 200 and "Words from an old mail" in page.content.decode()

    expired = legacy_token(tokens.CONFIRM, comment.pk, comment.email, age=settings.COMMENTS_CONFIRM_MAX_AGE + 60)
    response = client.post(f"/comments/confirm/{expired}/")
    assert response.status_code == 400 and "This link has expired" in response.content.decode()


@pytest.mark.django_db
def test_changed_sealed_delete_link_explains_and_deletes_nothing(client):
    comment = CommentFactory()
    token = tokens.make_token(purpose=tokens.DELETE, comment_id=comment.pk, email=comment.email)
    changed = token[:30] + ("A" if token[30] != "A" else "B") + token[31:]
    response = client.post(f"/comments/delete/{changed}/")
    assert response.status_code == 400 and "This link is not valid" in response.content.decode()
    assert Comment.objects.filter(pk=comment.pk, removed_by_author=False).exists()
