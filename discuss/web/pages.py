"""Operator pages: liveness and readiness."""

from __future__ import annotations

from flask import Blueprint, jsonify

from discuss.services.health import database_ready

blueprint = Blueprint("pages", __name__)


@blueprint.get("/healthz")
def healthz():
    """The process answers."""
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz():
    """The database answers too."""
    if database_ready():
        return jsonify(status="ready")
    return jsonify(status="not ready", database="unreachable"), 503
