"""Entry point for WSGI servers: ``gunicorn wsgi:app``."""

from discuss import create_app

app = create_app()
