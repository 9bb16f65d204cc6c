"""The answers discuss gave before the runs, which the reference targets serve.

Read once at start-up from the JSON file named by ``BENCH_CEILING_BODIES``: the bodies by
request (each thread's listing, the counts, the answer to a post), the listing's ETag, and
the headers discuss sent with its counts answer (gunicorn's own left out).
"""

from __future__ import annotations

import base64
import json
import os

with open(os.environ["BENCH_CEILING_BODIES"]) as fh:
    _RAW = json.load(fh)
BODIES = {name: base64.b64decode(value) for name, value in _RAW["bodies"].items()}
ETAG = _RAW["etag"]
COUNTS_HEADERS = [(name, value) for name, value in _RAW.get("counts_headers", [])]
