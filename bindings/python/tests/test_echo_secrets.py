"""Against a Buildium that echoes what it receives (every request header, the client secret
among them, in its error body and request id) at 400, 401 and 500: no 8-character window of
the client secret shows up in the error's str, repr, attributes or pickle (R-SDK-2)."""

from __future__ import annotations

import json
import pickle
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from concierge import Admin, Concierge, ProviderError

# Characters that change under form, percent and JSON encoding (header-safe: visible ASCII).
CANARY = 'canary+/ S3cret=&%"{}\\<x>'


def windows(secret: str) -> list[str]:
    return [secret[i : i + 8] for i in range(len(secret) - 7)]


def assert_nothing_of_the_canary(text: str, what: str) -> None:
    for window in windows(CANARY) + windows(json.dumps(CANARY)[1:-1]):
        assert window not in text, f"{what} holds {window!r}: {text}"


class Echo:
    """A local Buildium answering `status` with everything it received."""

    def __init__(self) -> None:
        self.status = 400
        echo = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server hook
                text = " ".join(f"{k}: {v}" for k, v in self.headers.items())
                secret = self.headers.get("x-buildium-client-secret", "")
                body = json.dumps(
                    {
                        "UserMessage": text,
                        "ErrorCode": "BadRequest",
                        "Errors": [{"Key": "x-buildium-client-secret", "Value": secret}],
                    }
                ).encode()
                self.send_response(echo.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Request-Id", secret)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def echo() -> Iterator[Echo]:
    server = Echo()
    thread = threading.Thread(target=server.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


@pytest.mark.parametrize("status", [400, 401, 500])
def test_an_echoing_buildium_never_gets_the_client_secret_into_the_error(echo: Echo, status: int) -> None:
    # R-SDK-2
    echo.status = status
    admin = Admin.full_access("desk-1", "Front desk")
    buildium = {
        "client_id": "desk-client",
        "client_secret": CANARY,
        "base_url": echo.base_url,
        "timeout_seconds": 5,
        "retry": {"max_attempts": 1, "initial_backoff_ms": 10, "max_backoff_ms": 10},
    }
    with Concierge.open(buildium=buildium, hold_email=True) as concierge:
        with pytest.raises(ProviderError) as raised:
            concierge.list_pms_properties(admin)

    err = raised.value
    assert err.provider == "buildium"
    assert "<redacted>" in str(err)
    assert_nothing_of_the_canary(str(err), "str")
    assert_nothing_of_the_canary(repr(err), "repr")
    assert_nothing_of_the_canary(repr(err.args), "args")
    assert_nothing_of_the_canary(repr(vars(err)), "attributes")
    for name in dir(err):
        if not name.startswith("__"):
            assert_nothing_of_the_canary(repr(getattr(err, name, None)), name)
    assert_nothing_of_the_canary(repr(pickle.dumps(err)), "pickle")
    assert_nothing_of_the_canary(repr(vars(pickle.loads(pickle.dumps(err)))), "unpickled")
