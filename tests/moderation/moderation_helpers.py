"""Helpers shared by the moderation tests (plain functions; fixtures live in conftest)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

PASSWORD = "correct horse battery staple"
LINKS_VERDICT = {"check": "links", "verdict": "unsure", "score": 0.6,
                 "reason": "3 links, limit 2", "trial": False}


def form_csrf(html: str) -> str:
    """The CSRF token of the first form on a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the CSRF token the session must send."""
    token = form_csrf(client.get("/admin/login").get_data(as_text=True))
    response = client.post("/admin/login", data={"name": name, "password": password,
                                                 "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get("/api/v1/moderation/me").get_json()["csrf_token"]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
