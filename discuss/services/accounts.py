"""Who may moderate: user accounts with slow password hashes, and API keys.

Each authenticated user or key acts as an ``Actor`` (``services/actors.py``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from discuss.errors import Conflict, Forbidden, Invalid, NotFound
from discuss.extensions import db
from discuss.models import ApiKey, AuditAction, Role, Site, User, utcnow
from discuss.services import audit
from discuss.services.actors import SYSTEM, Actor

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
KEY_PREFIX = "dsk_"


@functools.cache
def _dummy_hash() -> str:
    """Checked when the name is unknown, so a wrong name costs as long as a wrong password."""
    return generate_password_hash("not-a-real-password-" + secrets.token_hex(8))


def _actor_for_key(key: ApiKey) -> Actor:
    sites = None if key.site_id is None else frozenset({key.site_id})
    return Actor(name=f"key:{key.prefix}", site_ids=sites, key_id=key.id)


def _sites_by_slug(slugs: Iterable[str]) -> list[Site]:
    wanted = sorted(set(slugs))
    if not wanted:
        return []
    found = list(db.session.execute(sa.select(Site).where(Site.slug.in_(wanted))).scalars())
    missing = sorted(set(wanted) - {site.slug for site in found})
    if missing:
        raise Invalid("Unknown site.", {"sites": [f"No site named {s!r}." for s in missing]})
    return found


def _check_password(password: str, field: str = "password") -> None:
    if not (MIN_PASSWORD <= len(password) <= MAX_PASSWORD):
        raise Invalid("The password is not acceptable.",
                      {field: [f"Use {MIN_PASSWORD} to {MAX_PASSWORD} characters."]})


def create_user(
    name: str,
    password: str,
    role: Role | str = Role.MODERATOR,
    site_slugs: Iterable[str] = (),
    by: Actor = SYSTEM,
) -> User:
    """Add an admin (every site) or a moderator of the given sites."""
    by.require_admin()
    name = name.strip()
    if not NAME_PATTERN.match(name):
        raise Invalid("Invalid user name.",
                      {"name": ["Use 2 to 64 letters, digits, '.', '_', '@' or '-'."]})
    try:
        role = Role(role)
    except ValueError:
        raise Invalid("Invalid role.", {"role": ["Use admin or moderator."]}) from None
    _check_password(password)
    sites = _sites_by_slug(site_slugs)
    if role is Role.MODERATOR and not sites:
        raise Invalid("A moderator needs a site.", {"sites": ["Assign at least one site."]})
    if db.session.execute(sa.select(User.id).where(User.name == name)).first():
        raise Invalid("User exists.", {"name": [f"A user named {name!r} already exists."]})
    user = User(name=name, password_hash=generate_password_hash(password), role=role,
                session_token=secrets.token_hex(16), created_at=utcnow(),
                sites=[] if role is Role.ADMIN else sites)
    db.session.add(user)
    db.session.flush()
    audit.record(by, AuditAction.USER_CREATE,
                 note=f"{name} ({role.value}{': ' if sites else ''}"
                      f"{', '.join(s.slug for s in sites)})")
    db.session.commit()
    return user


def update_user(
    by: Actor,
    user_id: int,
    *,
    role: Role | str | None = None,
    site_slugs: Iterable[str] | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user's role, sites, password or whether they may sign in at all."""
    by.require_admin()
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    changes: list[str] = []
    if role is not None:
        try:
            user.role = Role(role)
        except ValueError:
            raise Invalid("Invalid role.", {"role": ["Use admin or moderator."]}) from None
        changes.append(f"role {user.role.value}")
    if site_slugs is not None:
        user.sites = _sites_by_slug(site_slugs)
        changes.append("sites " + (", ".join(s.slug for s in user.sites) or "none"))
    if user.role is Role.MODERATOR and not user.sites:
        raise Invalid("A moderator needs a site.", {"sites": ["Assign at least one site."]})
    if active is not None and active != user.active:
        if not active and user.id == by.user_id:
            raise Conflict("You cannot deactivate your own account.")
        user.active = active
        changes.append("activated" if active else "deactivated")
    if password is not None:
        _check_password(password)
        user.password_hash = generate_password_hash(password)
        changes.append("password changed")
    if role is not None or active is not None or password is not None:
        user.session_token = secrets.token_hex(16)  # signs out the user's other sessions
    audit.record(by, AuditAction.USER_UPDATE, note=f"{user.name}: {'; '.join(changes)}")
    db.session.commit()
    return user


def change_own_password(by: Actor, current_password: str, new_password: str) -> User:
    """A signed-in user replaces their own password, proving they know the current one (a
    borrowed session alone must not be enough). Their other sessions are signed out. A wrong
    current password is written to the audit log: it may be someone else at that session."""
    user = db.session.get(User, by.user_id) if by.user_id is not None else None
    if user is None or not user.active:
        raise Forbidden("Only a signed-in user can change their own password.")
    if not check_password_hash(user.password_hash, current_password):
        audit.record(by, AuditAction.PASSWORD_REFUSED,
                     note=f"{user.name}: wrong current password")
        db.session.commit()
        raise Invalid("The current password is wrong.",
                      {"current_password": ["That is not your current password."]})
    _check_password(new_password, "new_password")
    if check_password_hash(user.password_hash, new_password):
        raise Invalid("The new password is the current one.",
                      {"new_password": ["Choose a password other than the current one."]})
    user.password_hash = generate_password_hash(new_password)
    user.session_token = secrets.token_hex(16)
    audit.record(by, AuditAction.USER_UPDATE, note=f"{user.name}: own password changed")
    db.session.commit()
    return user


def list_users(by: Actor) -> list[User]:
    """Every account, for admins."""
    by.require_admin()
    return list(db.session.execute(sa.select(User).order_by(User.name)).scalars())


def authenticate(name: str, password: str) -> User | None:
    """The active user with this name and password; the same answer (and cost) otherwise."""
    user = db.session.execute(
        sa.select(User).where(User.name == name.strip())
    ).scalar_one_or_none()
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def session_id(user: User) -> str:
    """What the session remembers: the user and a token that changing the password renews."""
    return f"{user.id}:{user.session_token}"


def load_session_user(session_value: str) -> User | None:
    """The active user a session value belongs to, if it is still current."""
    user_id, _, token = session_value.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def _hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_api_key(site_slug: str | None = None, label: str = "",
                   by: Actor = SYSTEM) -> tuple[ApiKey, str]:
    """A new key for one site or all; the secret is returned once and only its hash kept."""
    by.require_admin()
    site = _sites_by_slug([site_slug])[0] if site_slug else None
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(prefix=secret[: len(KEY_PREFIX) + 8], key_hash=_hash_key(secret),
                 label=label.strip()[:100], site_id=site.id if site else None,
                 created_by=by.name, created_at=utcnow())
    db.session.add(key)
    db.session.flush()
    audit.record(by, AuditAction.KEY_CREATE, site_id=site.id if site else None,
                 note=f"{key.prefix}… for {site.slug if site else 'all sites'}"
                      f"{' (' + key.label + ')' if key.label else ''}")
    db.session.commit()
    return key, secret


def list_api_keys(by: Actor) -> list[ApiKey]:
    """Every key (never its secret), newest first, for admins."""
    by.require_admin()
    return list(db.session.execute(sa.select(ApiKey).order_by(ApiKey.id.desc())).scalars())


def revoke_api_key(by: Actor, key_id: int) -> ApiKey:
    """Stop a key working; it stays listed as revoked."""
    by.require_admin()
    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"No API key {key_id}.")
    if key.revoked_at is not None:
        raise Conflict("This key is already revoked.")
    key.revoked_at = utcnow()
    audit.record(by, AuditAction.KEY_REVOKE, site_id=key.site_id, note=f"{key.prefix}…")
    db.session.commit()
    return key


def authenticate_key(secret: str) -> Actor | None:
    """The actor behind a live API key, or None for an unknown or revoked one."""
    if not secret.startswith(KEY_PREFIX):
        return None
    key = db.session.execute(
        sa.select(ApiKey).where(ApiKey.key_hash == _hash_key(secret))
    ).scalar_one_or_none()
    if key is None or key.revoked_at is not None:
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=5):
        key.last_used_at = now
        db.session.commit()
    return _actor_for_key(key)


def visible_sites(actor: Actor) -> list[Site]:
    """The sites this actor may moderate, by slug."""
    query = sa.select(Site).order_by(Site.slug)
    if actor.site_ids is not None:
        query = query.where(Site.id.in_(actor.site_ids))
    return list(db.session.execute(query).scalars())
