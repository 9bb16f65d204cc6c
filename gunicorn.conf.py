"""Production settings for gunicorn: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Each process is stateless: run several (on one machine or many) against one PostgreSQL and,
with ``DISCUSS_REDIS_URL`` set, one Redis that holds the rate limits and the listing cache.
The knobs below read ``DISCUSS_*`` variables so a container or unit file needs no edit.
"""

import os

# Where to listen; behind a reverse proxy set DISCUSS_TRUST_PROXY_HEADERS=1 as well.
bind = os.environ.get("DISCUSS_BIND", "127.0.0.1:8000")

# A worker per CPU, each with a few threads: requests mostly wait on the database, and a
# worker holds about 60-90 MB, so threads are the cheaper way to overlap those waits.
workers = int(os.environ.get("DISCUSS_WORKERS", os.cpu_count() or 2))
worker_class = "gthread"
threads = int(os.environ.get("DISCUSS_THREADS", "4"))

# Keep connections from the load balancer open between requests.
keepalive = int(os.environ.get("DISCUSS_KEEPALIVE", "10"))
backlog = 2048

# A request that takes this long is stuck (a slow spam check has its own, shorter timeout).
timeout = 30
graceful_timeout = 30

# Replace workers now and then, staggered, so that slow growth of memory never adds up.
max_requests = 20_000
max_requests_jitter = 2_000

# The app is built in each worker (no preload): database connections are never shared
# across a fork.
preload_app = False

accesslog = os.environ.get("DISCUSS_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("DISCUSS_LOG_LEVEL", "info").lower()
