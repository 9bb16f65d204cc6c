-- Isso's counts: POST /count with a JSON list of thread URIs.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BENCH_COUNT_BODY")
