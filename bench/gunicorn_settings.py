"""The gunicorn settings of every benchmark target, given to each as its ``--config``.

Named explicitly so that no target also reads a ``gunicorn.conf.py`` from its working
directory. discuss's production file replaces a worker every 20,000 requests or so: at the
benchmark's thousands of requests a second that is a new worker every few seconds, whose
start-up (imports, connections, a cold listing cache) would be measured as if it were
serving. discuss and the ceiling start from the repository and would pay for it; Isso,
started from its own folder, would not.
"""

workers = 2
worker_class = "gthread"
threads = 4
keepalive = 10
backlog = 2048
loglevel = "warning"
max_requests = 0  # never replace a worker during the runs (gunicorn's default, stated)
