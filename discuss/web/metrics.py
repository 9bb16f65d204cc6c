"""The operator's view of requests: a request id in and out, an access log line, and /metrics."""

from __future__ import annotations

import hmac
import logging
import time

from flask import Blueprint, Flask, Response, current_app, g, request

from discuss import observability
from discuss.logs import accept_request_id, bind_request_id
from discuss.web.errors import problem

blueprint = Blueprint("metrics", __name__)
access_log = logging.getLogger("discuss.access")

REQUEST_ID_HEADER = "X-Request-ID"
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@blueprint.get("/metrics")
def metrics():
    """Prometheus text format; behind a bearer token when DISCUSS_METRICS_TOKEN is set."""
    token = current_app.config["DISCUSS"].metrics_token
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return problem(401, "Send the metrics token as 'Authorization: Bearer <token>'.",
                           headers={"WWW-Authenticate": "Bearer"})
    body, content_type = observability.exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def _start_request() -> None:
    g.discuss_started = time.perf_counter()
    g.discuss_request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
    bind_request_id(g.discuss_request_id)


def _endpoint_label() -> str:
    """The route pattern, never the raw path, so label values stay few."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def _finish_request(response: Response) -> Response:
    request_id = g.get("discuss_request_id") or accept_request_id(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("discuss_started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    record_answer(request.method, request.path, _endpoint_label(), response.status_code,
                  seconds, request_id)
    return response


def record_answer(method: str, path: str, endpoint: str, status: int, seconds: float,
                  request_id: str) -> None:
    """Count and time one answered request, and write its access line."""
    method = method if method in _KNOWN_METHODS else "OTHER"
    observability.record_request(endpoint, method, status, seconds)
    if not access_log.isEnabledFor(logging.INFO):  # spare building the line's fields
        return
    access_log.info(
        "%s %s %s", method, path, status,
        extra={"method": method, "path": path, "endpoint": endpoint, "status": status,
               "duration_ms": round(seconds * 1000, 2), "request_id": request_id},
    )


def _end_request(_error: BaseException | None) -> None:
    bind_request_id(None)


def register(app: Flask) -> None:
    """Instrument every request and serve /metrics."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
    app.teardown_request(_end_request)
    app.register_blueprint(blueprint)
    count_limiter_fallbacks()


class _FallbackCounter(logging.Handler):
    """Counts Flask-Limiter's switch to in-process limits when Redis is unreachable."""

    def emit(self, record: logging.LogRecord) -> None:
        if "falling back" in record.getMessage():
            observability.record_fallback("rate_limits")


def count_limiter_fallbacks() -> None:
    """Attach the counter to Flask-Limiter's logger once per process."""
    limiter_log = logging.getLogger("flask-limiter")
    if not any(isinstance(h, _FallbackCounter) for h in limiter_log.handlers):
        limiter_log.addHandler(_FallbackCounter(logging.WARNING))
