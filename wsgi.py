"""Entry point for WSGI servers: ``gunicorn wsgi:app``."""

import gc

from discuss import create_app

app = create_app()

# What loading made (modules, the app, its schemas, routes and statements) lives as long as
# the worker. Frozen, it is left out of the collector's full passes, which otherwise walk
# it all with requests waiting: a tenth of a second or more each while posting, against a
# few milliseconds frozen (bench/NOTES.md).
gc.freeze()
