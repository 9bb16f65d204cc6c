-- A conditional read: the client already holds the current ETag.
wrk.headers["If-None-Match"] = os.getenv("BENCH_ETAG")
