"""Typed settings: defaults, then an optional TOML file, then DISCUSS_* variables, then overrides.

Everything is read and checked once, in ``create_app``; a bad value stops start-up with a
message naming the setting instead of failing on the first request.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import limits

from discuss import rate_limit_storage  # defines the storage its SCHEME names


class ConfigError(ValueError):
    """A setting is missing or has a value of the wrong kind."""


@dataclass
class Settings:
    """Every knob an operator can turn; DISCUSS_ plus the field name in capitals sets it."""

    database_url: str = ""
    secret_key: str = ""
    redis_url: str = ""
    max_request_bytes: int = 64 * 1024
    max_comment_chars: int = 10_000
    form_token_max_age: int = 24 * 3600
    rate_limit_comments: str = "5 per minute;30 per hour"
    rate_limit_default: str = ""
    spam_check_timeout_ms: int = 3000
    spam_check_workers: int = 8
    akismet_key: str = field(default="", repr=False)
    akismet_api_url: str = "https://rest.akismet.com"
    trust_proxy_headers: int = 0
    ip_anonymize_days: int = 30
    spam_retention_days: int = 30
    public_url: str = ""
    log_json: bool = False
    log_level: str = "INFO"
    session_cookie_secure: bool = True
    session_hours: int = 12
    rate_limit_login: str = "5 per minute;30 per hour"
    metrics_token: str = ""
    db_connect_timeout: int = 3
    db_statement_timeout_ms: int = 10_000
    listing_cache_bytes: int = 8 * 1024 * 1024
    listing_cache_ttl: int = 3600
    counts_cache_seconds: int = 5
    instance_path: str = field(default="", repr=False)

    def to_flask(self) -> dict[str, Any]:
        """The mapping Flask and its extensions read, derived from the settings."""
        storage = self.redis_url or f"{rate_limit_storage.SCHEME}://"
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(
                self.database_url, self.db_connect_timeout, self.db_statement_timeout_ms
            ),
            "MAX_CONTENT_LENGTH": self.max_request_bytes,
            "RATELIMIT_STORAGE_URI": storage,
            "RATELIMIT_HEADERS_ENABLED": True,
            "RATELIMIT_DEFAULT": self.rate_limit_default or None,
            "RATELIMIT_SWALLOW_ERRORS": True,
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.session_cookie_secure,
            "PERMANENT_SESSION_LIFETIME": self.session_hours * 3600,
            "WTF_CSRF_CHECK_DEFAULT": False,
            "WTF_CSRF_TIME_LIMIT": None,
            "API_TITLE": "discuss",
            "API_VERSION": "v1",
            "OPENAPI_VERSION": "3.0.3",
            "OPENAPI_URL_PREFIX": "/api/v1",
            "OPENAPI_JSON_PATH": "openapi.json",
            "DISCUSS": self,
        }


def engine_options(
    url: str, connect_timeout: int = 3, statement_timeout_ms: int = 10_000
) -> dict[str, Any]:
    """Connection settings per backend: SQLite waits for the write lock, PostgreSQL fails fast.

    On PostgreSQL a lost server must cost a request seconds, not minutes: connecting gives up
    after ``connect_timeout``, a statement (or a wait for a lock) after its own limit, and
    TCP keepalives notice a peer that vanished without closing the connection.
    """
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    options = f"-c statement_timeout={statement_timeout_ms} -c lock_timeout={statement_timeout_ms}"
    return {  # stale connections are checked by discuss.pool.ping_when_idle instead of pre-ping
        "pool_size": 10,
        "max_overflow": 20,
        "pool_timeout": 5,
        "connect_args": {
            "connect_timeout": connect_timeout,
            "options": options,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
        },
    }


def _coerce(name: str, kind: type, raw: Any) -> Any:
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"DISCUSS_{name.upper()} must be true or false, not {raw!r}")
    if kind is int:
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"DISCUSS_{name.upper()} must be an integer, not {raw!r}") from None
    return str(raw)


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    instance_path: str | os.PathLike[str] = "instance",
) -> Settings:
    """Layer the sources and check the result."""
    environ = os.environ if environ is None else environ
    kinds = {f.name: (int if f.type in ("int", int) else bool if f.type in ("bool", bool) else str)
             for f in fields(Settings)}
    values: dict[str, Any] = {}

    config_file = (overrides or {}).get("config_file") or environ.get("DISCUSS_CONFIG")
    if config_file:
        try:
            with open(config_file, "rb") as fh:
                values.update({k.lower(): v for k, v in tomllib.load(fh).items()})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {config_file}: {exc}") from exc
    for name in kinds:
        env_value = environ.get(f"DISCUSS_{name.upper()}")
        if env_value is not None:
            values[name] = env_value
    for key, value in (overrides or {}).items():
        if key != "config_file":
            values[key.lower()] = value

    unknown = sorted(set(values) - set(kinds))
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    settings = Settings(**{k: _coerce(k, kinds[k], v) for k, v in values.items()})

    instance = Path(settings.instance_path or instance_path).resolve()
    settings.instance_path = str(instance)
    if not settings.database_url:
        instance.mkdir(parents=True, exist_ok=True)
        settings.database_url = f"sqlite:///{instance / 'discuss.db'}"
    if settings.database_url.startswith("postgresql://"):
        settings.database_url = "postgresql+psycopg://" + settings.database_url[len("postgresql://"):]
    if not settings.secret_key:
        settings.secret_key = _instance_secret(instance)
    _validate(settings)
    return settings


def _instance_secret(instance: Path) -> str:
    """A development secret kept in the instance folder so every worker signs alike."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _validate(settings: Settings) -> None:
    if not settings.database_url.startswith(("sqlite", "postgresql")):
        raise ConfigError("DISCUSS_DATABASE_URL must be an sqlite:// or postgresql:// URL")
    if len(settings.secret_key) < 16:
        raise ConfigError("DISCUSS_SECRET_KEY must be at least 16 characters")
    if settings.redis_url and not settings.redis_url.startswith(("redis://", "rediss://")):
        raise ConfigError("DISCUSS_REDIS_URL must be a redis:// URL")
    if settings.listing_cache_bytes < 0:
        raise ConfigError("DISCUSS_LISTING_CACHE_BYTES must be 0 (off) or more")
    if settings.counts_cache_seconds < 0:
        raise ConfigError("DISCUSS_COUNTS_CACHE_SECONDS must be 0 (off) or more")
    for name in ("max_request_bytes", "max_comment_chars", "form_token_max_age",
                 "spam_check_timeout_ms", "spam_check_workers", "session_hours",
                 "db_connect_timeout", "db_statement_timeout_ms", "listing_cache_ttl"):
        if getattr(settings, name) <= 0:
            raise ConfigError(f"DISCUSS_{name.upper()} must be positive")
    if not settings.akismet_api_url.startswith(("http://", "https://")):
        raise ConfigError("DISCUSS_AKISMET_API_URL must be an http(s):// URL")
    try:
        limits.parse_many(settings.rate_limit_comments)
    except ValueError:
        raise ConfigError("DISCUSS_RATE_LIMIT_COMMENTS must be a rate limit like "
                          "'5 per minute;30 per hour'") from None
    try:
        limits.parse_many(settings.rate_limit_login)
    except ValueError:
        raise ConfigError("DISCUSS_RATE_LIMIT_LOGIN must be a rate limit like "
                          "'5 per minute;30 per hour'") from None
    if settings.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError("DISCUSS_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
