"""Facts read off the current request for the services: client, voter, edit token."""

from __future__ import annotations

import functools

from flask import request
from werkzeug.http import parse_etags

from discuss.services.client import ClientInfo
from discuss.tokens import pseudonym


def client_info() -> ClientInfo:
    """Network facts of the request (the proxy fix has already applied X-Forwarded-For)."""
    return ClientInfo(
        ip=request.remote_addr,
        user_agent=(request.user_agent.string or None),
        referrer=request.referrer,
    )


def reader_key(purpose: str) -> str:
    """A stable pseudonym of the reader for one purpose (votes, flags): keyed hash of the IP."""
    return pseudonym(purpose, request.remote_addr or "")


def bearer_token() -> str | None:
    """The token of ``Authorization: Bearer <token>``, if sent."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def if_none_match() -> frozenset[str]:
    """The entity tags of the copies the client already holds."""
    return entity_tags(request.headers.get("If-None-Match"))


def entity_tags(header: str | None) -> frozenset[str]:
    """Every entity tag an If-None-Match header names, weak ones too: the header compares
    weakly (RFC 9110, 13.1.2), and a proxy that compresses answers (nginx's gzip, say)
    hands the browser our tag weakened, which must still earn a 304. ``*`` (any copy at
    all) says nothing of which copy the client holds, so a listing asked for with it is
    sent whole rather than confirmed; a widget never sends it. A short header is
    remembered: a thread's readers send the same few, and parsing one cost a 304 more than
    the lookup; a long one, which no widget sends, is parsed each time, so that no client
    can fill the memory with its tags."""
    if not header:
        return frozenset()
    if len(header) > _REMEMBERED_HEADER_LENGTH:
        return _tags_in(header)
    return _remembered_tags(header)


_REMEMBERED_HEADER_LENGTH = 200  # a few of our tags (22 characters, quoted), weak or not


def _tags_in(header: str) -> frozenset[str]:
    return frozenset(parse_etags(header).as_set(include_weak=True))


_remembered_tags = functools.lru_cache(maxsize=256)(_tags_in)
