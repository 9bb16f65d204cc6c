"""Signed tokens and keyed pseudonyms; each token kind has its own salt so none stands in."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

from discuss.models.base import utcnow

FORM_SALT = "discuss.form-token"
EDIT_SALT = "discuss.edit-token"


_SERIALIZERS = "discuss.token_serializers"


class _UncompressedSerializer(URLSafeTimedSerializer):
    """Tokens whose payload is never zlib-compressed. Ours are a few bytes, which
    compression shortens rarely and then by a few bytes (a long, repetitive site name),
    but each try set up zlib's tables: more than half the cost of making a token. Loading
    is the library's own, so a token compressed before (or elsewhere) still loads."""

    def dump_payload(self, obj: Any) -> bytes:
        # super() from past the URL-safe mixin: the plain JSON, without its zlib step
        return base64_encode(super(URLSafeSerializerMixin, self).dump_payload(obj))


def _serializer(salt: str) -> URLSafeTimedSerializer:
    """The app's serializer for ``salt``, built once (it holds no state but its keys)."""
    secret = current_app.config["SECRET_KEY"]
    serializers = current_app.extensions.setdefault(_SERIALIZERS, {})
    found = serializers.get((secret, salt))
    if found is None:
        found = serializers[(secret, salt)] = _UncompressedSerializer(secret, salt=salt)
    return found


def _load(token: str, salt: str, max_age: int | None) -> tuple[Any, float] | None:
    """The payload and its age in seconds, or None when forged, garbled or too old."""
    try:
        payload, signed_at = _serializer(salt).loads(token, max_age=max_age, return_timestamp=True)
    except (BadData, TypeError, ValueError, UnicodeError):
        return None
    return payload, (utcnow() - signed_at).total_seconds()


def make_form_token(site_slug: str) -> str:
    """Proves the comment form was loaded from this site, and when."""
    return _serializer(FORM_SALT).dumps({"s": site_slug})


def form_token_age(token: str | None, site_slug: str, max_age: int) -> float | None:
    """Seconds since the form was loaded, or None for a missing, forged, foreign or stale token."""
    if not token:
        return None
    loaded = _load(token, FORM_SALT, max_age)
    if loaded is None or not isinstance(loaded[0], dict) or loaded[0].get("s") != site_slug:
        return None
    return loaded[1]


def make_edit_token(comment_id: int) -> str:
    """Lets the author of one comment read, edit and delete it while the window is open."""
    return _serializer(EDIT_SALT).dumps({"c": comment_id})


def edit_token_valid(token: str | None, comment_id: int, max_age: int) -> bool:
    """True when the token was issued for this comment and is younger than ``max_age``."""
    if not token:
        return False
    loaded = _load(token, EDIT_SALT, max_age)
    return loaded is not None and isinstance(loaded[0], dict) and loaded[0].get("c") == comment_id


def pseudonym(*parts: str) -> str:
    """A keyed hash that identifies a reader (voter, reporter, avatar) without storing who."""
    key = current_app.config["SECRET_KEY"].encode()
    message = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
