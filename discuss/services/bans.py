"""Bans: refuse new comments from an IP address or network, an email address, or a name."""

from __future__ import annotations

import ipaddress
from datetime import datetime

import sqlalchemy as sa

from discuss.errors import Conflict, Forbidden, Invalid, NotFound
from discuss.extensions import db
from discuss.models import AuditAction, Ban, BanKind, Comment, Site, SiteSnapshot, utcnow
from discuss.pool import read_before_first_write
from discuss.services import audit
from discuss.services.actors import Actor
from discuss.services.sites import get_site


def normalise_value(kind: BanKind, value: str) -> str:
    """The form a ban is stored and matched in: networks in CIDR, emails and names folded."""
    value = value.strip()
    if not value:
        raise Invalid("Nothing to ban.", {"value": ["Must not be empty."]})
    if kind is BanKind.IP:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise Invalid("Invalid IP address.",
                          {"value": ["Use an IP address or a network like 203.0.113.0/24."]}
                          ) from None
        if network.num_addresses == 1:
            return str(network.network_address)
        return str(network)
    if kind is BanKind.EMAIL:
        if "@" not in value or len(value) > 254:
            raise Invalid("Invalid email address.", {"value": ["Use a full email address."]})
        return value.lower()
    if len(value) > 100:
        raise Invalid("Name too long.", {"value": ["Use at most 100 characters."]})
    return " ".join(value.casefold().split())


def _active(now: datetime | sa.BindParameter) -> sa.ColumnElement[bool]:
    return sa.or_(Ban.expires_at.is_(None), Ban.expires_at > now)


# Built once (every comment asks): a NULL email or name parameter matches no ban.
_CANDIDATES = (
    sa.select(Ban.id, Ban.kind, Ban.value)
    .where(
        sa.or_(Ban.site_id == sa.bindparam("site_id"), Ban.site_id.is_(None)),
        _active(sa.bindparam("now")),
        sa.or_(
            sa.and_(Ban.kind == BanKind.IP,
                    sa.or_(Ban.value == sa.bindparam("ip"), Ban.value.contains("/"))),
            sa.and_(Ban.kind == BanKind.EMAIL, Ban.value == sa.bindparam("email")),
            sa.and_(Ban.kind == BanKind.NAME, Ban.value == sa.bindparam("name")),
        ),
    )
    .order_by(Ban.id)
)


def find_ban(site: Site | SiteSnapshot, email: str | None, name: str | None,
             ip: str | None) -> Ban | None:
    """The first unexpired ban (this site's or a global one) matching the author, if any."""
    # Every comment posted asks, before anything is written (``submit_comment``).
    candidates = read_before_first_write(db.engine, db.session, _CANDIDATES, {
        "site_id": site.id,
        "now": utcnow(),
        "ip": ip or "",
        "email": email.strip().lower() if email else None,
        "name": " ".join(name.casefold().split()) if name and name.strip() else None,
    })
    if not candidates:
        return None
    address = _parse_ip(ip)
    for ban_id, kind, value in candidates:
        if BanKind(kind) is not BanKind.IP or (
                address is not None and address in ipaddress.ip_network(value, strict=False)):
            return db.session.get(Ban, ban_id)
    return None


def _parse_ip(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(ip) if ip else None
    except ValueError:
        return None


def ensure_not_banned(site: Site | SiteSnapshot, email: str | None, name: str | None,
                      ip: str | None) -> None:
    """Refuse a banned author (called by ``submit_comment`` before anything is stored)."""
    if find_ban(site, email, name, ip) is not None:
        raise Forbidden("You cannot comment on this site.")


def create_ban(
    by: Actor,
    site_slug: str | None,
    kind: BanKind | str,
    value: str,
    expires_at: datetime | None = None,
    reason: str | None = None,
) -> Ban:
    """Ban on one site, or on every site (admins and unscoped keys only)."""
    site = get_site(site_slug) if site_slug else None
    if site is not None:
        by.require_site(site)
    elif not by.all_sites:
        raise Forbidden("Only an administrator may ban on every site; name a site.")
    try:
        kind = BanKind(kind)
    except ValueError:
        raise Invalid("Invalid ban kind.", {"kind": ["Use ip, email or name."]}) from None
    value = normalise_value(kind, value)
    now = utcnow()
    if expires_at is not None and expires_at <= now:
        raise Invalid("The expiry is in the past.", {"expires_at": ["Must be in the future."]})
    site_id = site.id if site else None
    duplicate = db.session.execute(
        sa.select(Ban.id).where(Ban.kind == kind, Ban.value == value, _active(now),
                                Ban.site_id.is_(None) if site_id is None
                                else Ban.site_id == site_id)
    ).first()
    if duplicate:
        raise Conflict(f"{value} is already banned (ban {duplicate[0]}).")
    ban = Ban(site_id=site_id, kind=kind, value=value, expires_at=expires_at,
              reason=(reason or "").strip()[:1000] or None, created_by=by.name, created_at=now)
    db.session.add(ban)
    db.session.flush()
    until = f" until {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    audit.record(by, AuditAction.BAN, site_id=site_id,
                 note=f"{kind.value} {value}{until}{': ' + ban.reason if ban.reason else ''}")
    db.session.commit()
    return ban


def ban_author(
    by: Actor,
    comment_id: int,
    kind: BanKind | str,
    expires_at: datetime | None = None,
    reason: str | None = None,
) -> Ban:
    """Ban the author of a comment by its email, IP or name, on the comment's site."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"No comment {comment_id}.")
    by.require_site(comment.thread.site)
    try:
        kind = BanKind(kind)
    except ValueError:
        raise Invalid("Invalid ban kind.", {"kind": ["Use ip, email or name."]}) from None
    value = {BanKind.EMAIL: comment.author_email, BanKind.IP: comment.author_ip,
             BanKind.NAME: comment.author_name}[kind]
    if not value:
        raise Invalid(f"The comment has no {kind.value}.", {"kind": ["Nothing to ban by."]})
    return create_ban(by, comment.thread.site.slug, kind, value, expires_at,
                      reason or f"author of comment {comment.id}")


def list_bans(by: Actor, site_slug: str | None = None, include_expired: bool = False
              ) -> list[Ban]:
    """Bans the asker may see (their sites' and global ones), newest first."""
    query = sa.select(Ban).order_by(Ban.id.desc())
    if site_slug:
        site = get_site(site_slug)
        by.require_site(site)
        query = query.where(sa.or_(Ban.site_id == site.id, Ban.site_id.is_(None)))
    elif by.site_ids is not None:
        query = query.where(sa.or_(Ban.site_id.in_(by.site_ids), Ban.site_id.is_(None)))
    if not include_expired:
        query = query.where(_active(utcnow()))
    return list(db.session.execute(query).scalars())


def lift_ban(by: Actor, ban_id: int) -> None:
    """Remove a ban; global bans need an all-sites actor."""
    ban = db.session.get(Ban, ban_id)
    if ban is None:
        raise NotFound(f"No ban {ban_id}.")
    if ban.site is not None:
        by.require_site(ban.site)
    elif not by.all_sites:
        raise Forbidden("Only an administrator may lift a ban on every site.")
    audit.record(by, AuditAction.UNBAN, site_id=ban.site_id,
                 note=f"{ban.kind.value} {ban.value}")
    db.session.delete(ban)
    db.session.commit()
