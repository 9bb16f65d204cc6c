"""A small stand-in for the Akismet REST API, served over real HTTP on 127.0.0.1.

It follows the documented protocol (https://akismet.com/developers/): form-encoded POSTs
to /1.1/verify-key, /1.1/comment-check, /1.1/submit-spam and /1.1/submit-ham; plain-text
answers "valid"/"invalid", "true"/"false" (with ``X-akismet-pro-tip: discard`` for blatant
spam) and "Thanks for making the web a better place."; an unknown key gets "invalid" with
an ``X-akismet-debug-help`` header. Akismet's documented test values work: the author
``viagra-test-123`` or the email ``akismet-guaranteed-spam@example.com`` is spam,
``user_role=administrator`` is ham. The author ``akismet-discard-test`` gets the discard tip.
``mode`` makes it misbehave: "slow" (hold each answer until released), "error" (HTTP 500),
"garbage" (an answer outside the protocol).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

THANKS = "Thanks for making the web a better place."
VALID_KEY = "standin-key-123"


@dataclass
class AkismetStandIn:
    """The server, with what it received, for tests to read."""

    keys: set[str] = field(default_factory=lambda: {VALID_KEY})
    mode: str = "ok"
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def start(self) -> AkismetStandIn:
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def calls(self, endpoint: str) -> list[dict[str, str]]:
        """The form data of every request to ``endpoint`` (e.g. 'comment-check')."""
        return [data for path, data in self.requests if path == f"/1.1/{endpoint}"]

    def _answer(self, request: Request) -> Response:
        data = request.form.to_dict()
        self.requests.append((request.path, data))
        if request.method != "POST":
            return Response("Method not allowed", 405)
        if self.mode == "slow":
            self.release.wait(10)
        if self.mode == "error":
            return Response("Internal Server Error", 500)
        if self.mode == "garbage":
            return Response("<html>maintenance</html>", 200)
        endpoint = request.path.removeprefix("/1.1/")
        if endpoint == "verify-key":
            valid = data.get("key") in self.keys and data.get("blog", "").startswith("http")
            return self._text("valid" if valid else "invalid", debug=not valid)
        if endpoint not in {"comment-check", "submit-spam", "submit-ham"}:
            return Response("Not found", 404)
        if data.get("api_key") not in self.keys:
            return self._text("invalid", debug=True)
        for required in ("blog", "user_ip"):
            if not data.get(required):
                return self._text(f"Missing required field: {required}.", debug=True)
        if endpoint != "comment-check":
            return self._text(THANKS)
        return self._check(data)

    def _check(self, data: dict[str, str]) -> Response:
        if data.get("user_role") == "administrator":
            return self._text("false")
        author = data.get("comment_author", "")
        if author == "akismet-discard-test":
            response = self._text("true")
            response.headers["X-akismet-pro-tip"] = "discard"
            return response
        if author == "viagra-test-123" or (
                data.get("comment_author_email") == "akismet-guaranteed-spam@example.com"):
            return self._text("true")
        return self._text("false")

    @staticmethod
    def _text(body: str, debug: bool = False) -> Response:
        response = Response(body, 200, mimetype="text/plain")
        response.headers["X-akismet-guid"] = "standin"
        if debug:
            response.headers["X-akismet-debug-help"] = "Empty or invalid key, or bad request"
        return response

    def wsgi(self, environ, start_response):  # noqa: ANN001 - WSGI signature
        return self._answer(Request(environ))(environ, start_response)
