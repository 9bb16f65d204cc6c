"""Who is asking, as far as a public request tells: filled by the web layer, read by services."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientInfo:
    """The network facts of one request; stored for moderation, never shown publicly."""

    ip: str | None = None
    user_agent: str | None = None
    referrer: str | None = None
