"""Entry point for WSGI servers: ``gunicorn wsgi:app``."""

import gc

from discuss import create_app

app = create_app()

# What loading made (modules, the app, its schemas, routes and statements) lives as long as
# the worker. Frozen, it is left out of the collector's full passes, which otherwise walk
# it all with every request of the worker waiting: 0.09 to 0.23 s each while posting,
# against a few milliseconds frozen (bench/NOTES.md). The collection first, so that the
# loading's own garbage (a replaced rate-limit storage, say) is freed, not kept for good.
gc.collect()
gc.freeze()
