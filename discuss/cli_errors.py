"""How the ``discuss`` command reports a rule the service layer refused."""

from __future__ import annotations

from typing import NoReturn

import click

from discuss.errors import DomainError


def fail(error: DomainError) -> NoReturn:
    """Stop the command with the refusal's detail and its field messages."""
    details = "; ".join(f"{k}: {' '.join(v)}" for k, v in getattr(error, "errors", {}).items())
    raise click.ClickException(f"{error.detail} {details}".strip())
