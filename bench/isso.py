"""Isso, the peer: installed from PyPI into its own virtualenv, configured, seeded over its API."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from pathlib import Path

from bench import dataset
from bench.targets import WORK, Server

VENV = WORK / "isso-venv"
ISSO_DIR = WORK / "isso"


def ensure_installed() -> str:
    """Create the virtualenv and ``pip install isso gunicorn`` unless already there."""
    python = VENV / "bin" / "python"
    if not (VENV / "bin" / "gunicorn").exists() or subprocess.run(
        [str(python), "-c", "import isso"], capture_output=True
    ).returncode:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", "isso", "gunicorn"],
                       check=True)
    version = subprocess.run([str(python), "-c", "import importlib.metadata as m;"
                              "print(m.version('isso'))"], capture_output=True, text=True,
                             check=True).stdout.strip()
    return version


def isso_server() -> Server:
    """Isso with its defaults (guard on: 2 comments a minute per /24), behind a trusted proxy."""
    ISSO_DIR.mkdir(parents=True, exist_ok=True)
    db = ISSO_DIR / "comments.db"
    for path in ISSO_DIR.glob("comments.db*"):
        path.unlink()
    config = ISSO_DIR / "isso.cfg"
    config.write_text(f"""[general]
dbpath = {db}
host = http://127.0.0.1:9/
notify = stdout
gravatar = false

[moderation]
enabled = false

[server]
trusted-proxies = 127.0.0.1

[guard]
enabled = true
ratelimit = 2
direct-reply = 3
reply-to-self = false
require-author = false
require-email = false
""")
    return Server("isso", "isso", [str(VENV / "bin" / "gunicorn"), "isso.run:application"],
                  {"ISSO_SETTINGS": str(config)}, ISSO_DIR, "/?uri=/none")


def seed(server: Server) -> int:
    """Post the data set through Isso's own API; each comment from its own /24."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    posted = 0
    for key, total, roots in dataset.THREADS:
        ids: dict[int, int] = {}
        for comment in dataset.thread_comments(total, roots):
            payload = {"text": comment.body, "author": comment.author, "title": f"Article {key}",
                       "email": f"{comment.author.lower()}@example.org"}
            if comment.parent is not None:
                payload["parent"] = ids[comment.parent]
            posted += 1
            address = f"10.{posted // 250 % 250}.{posted % 250}.1"
            conn.request("POST", f"/new?uri={key}", body=json.dumps(payload),
                         headers={"Content-Type": "application/json",
                                  "X-Forwarded-For": address})
            response = conn.getresponse()
            body = response.read()
            if response.status not in (201, 202):
                raise RuntimeError(f"Isso refused a seed comment: {response.status} {body[:200]}")
            ids[comment.index] = json.loads(body)["id"]
    conn.close()
    return posted


def count_body() -> str:
    """The body of Isso's counts request for the 20 threads."""
    return json.dumps(dataset.COUNT_KEYS)


def database() -> Path:
    return ISSO_DIR / "comments.db"
