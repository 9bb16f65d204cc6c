"""The Akismet client of the akismet check, pointed at a configurable base URL.

Kept apart from the check so that ``akismet`` and ``httpx`` load only when a site uses it.
"""

from __future__ import annotations

import akismet
import httpx


class _BaseUrlTransport(httpx.BaseTransport):
    """Sends the client's requests for rest.akismet.com to the configured base URL."""

    def __init__(self, base_url: str) -> None:
        self.base = httpx.URL(base_url)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = self.base.path.rstrip("/") + request.url.path
        request.url = request.url.copy_with(scheme=self.base.scheme, host=self.base.host,
                                            port=self.base.port, path=path)
        request.headers["Host"] = request.url.netloc.decode("ascii")
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def new_client(key: str, blog: str, base_url: str, timeout: float) -> akismet.SyncClient:
    """A client for ``key`` and ``blog`` that sends its requests to ``base_url``."""
    http = httpx.Client(transport=_BaseUrlTransport(base_url), timeout=timeout,
                        headers={"User-Agent": f"discuss | {akismet.USER_AGENT}"})
    return akismet.SyncClient(config=akismet.Config(key=key, url=blog), http_client=http)
