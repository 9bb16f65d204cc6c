"""Facts read off the current request for the services: client, voter, edit token."""

from __future__ import annotations

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


def if_none_match() -> str | None:
    """The first entity tag the client already holds."""
    return first_entity_tag(request.headers.get("If-None-Match"))


def first_entity_tag(header: str | None) -> str | None:
    """The first entity tag of an If-None-Match header, if any."""
    tags = parse_etags(header) if header else None
    return next(iter(tags.as_set()), None) if tags else None
