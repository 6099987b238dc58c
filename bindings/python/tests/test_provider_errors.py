"""A provider failure says where it happened (R-SDK-2): the transport (no answer) or the vendor's
response, with the HTTP status, the vendor's error code and the retry class, for Buildium and
SALTO alike; the same fields as in Rust and Node."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, Tuple

import pytest
from conftest import closed_port

from concierge import Admin, Concierge, ProviderError, ValidationError

DESK = Admin.full_access("desk-1", "Front desk")


def serving(status: int, body: dict[str, Any]) -> Tuple[ThreadingHTTPServer, str]:
    """A local vendor answering every request with `status` and `body`."""

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = answer  # noqa: N815 - the http.server hooks

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def refusing_buildium() -> Iterator[str]:
    server, url = serving(400, {"UserMessage": "Unable to process the request.", "ErrorCode": "BadRequest"})
    yield url
    server.shutdown()


@pytest.fixture
def refusing_token_endpoint() -> Iterator[str]:
    server, url = serving(401, {"error": "invalid_client", "error_description": "unknown client"})
    yield url
    server.shutdown()


def fields(e: ProviderError) -> Tuple[Any, ...]:
    return (e.provider, e.failure, e.http_status, e.vendor_code, e.retry_class, e.retryable)


def buildium(url: str) -> Concierge:
    config = {"client_id": "desk", "client_secret": "s3cret-value", "base_url": url, "timeout_seconds": 0.5,
              "retry": {"max_attempts": 1, "initial_backoff_ms": 1, "max_backoff_ms": 1}}
    return Concierge.open(hold_email=True, buildium=config)


def salto(url: str) -> Concierge:
    config = {"installation": "inst-1", "client_id": "desk", "client_secret": "s3cret-value", "base_url": url,
              "token_url": f"{url}/token", "timeout_seconds": 0.5,
              "retry": {"max_attempts": 1, "initial_backoff_ms": 1, "max_backoff_ms": 1}}
    return Concierge.open(hold_email=True, salto=config)


# R-SDK-2
def test_a_buildium_refusal_is_the_vendors_response_with_status_code_and_retry_class(refusing_buildium: str) -> None:
    with buildium(refusing_buildium) as c, pytest.raises(ProviderError) as err:
        c.list_pms_properties(DESK)
    assert fields(err.value) == ("buildium", "response", 400, "BadRequest", "permanent", False)


def test_an_unreachable_buildium_is_a_transport_failure_without_a_status() -> None:
    with buildium(f"http://127.0.0.1:{closed_port()}") as c, pytest.raises(ProviderError) as err:
        c.list_pms_properties(DESK)
    assert fields(err.value) == ("buildium", "transport", None, None, "transient", True)


def test_a_salto_token_refusal_is_the_vendors_response_with_status_code_and_retry_class(
    refusing_token_endpoint: str,
) -> None:
    with salto(refusing_token_endpoint) as c, pytest.raises(ProviderError) as err:
        c.list_encoders(DESK)
    assert fields(err.value) == ("salto", "response", 401, "invalid_client", "permanent", False)


def test_an_unreachable_salto_is_a_transport_failure_without_a_status() -> None:
    with salto(f"http://127.0.0.1:{closed_port()}") as c, pytest.raises(ProviderError) as err:
        c.list_encoders(DESK)
    assert fields(err.value) == ("salto", "transport", None, None, "transient", True)


def test_a_buildium_property_id_beyond_int32_is_refused_when_linked() -> None:
    # Buildium's ids are int32: a bigger one is a validation error on its field, before any request.
    with buildium(f"http://127.0.0.1:{closed_port()}") as c:
        prop = c.register_property(DESK, "Harbour View", "harbour-view")
        with pytest.raises(ValidationError) as err:
            c.link_pms_property(DESK, prop.id, "9999999999")
        assert err.value.issues[0].field == "pms_property_id"
        assert c.link_pms_property(DESK, prop.id, "2147483647").external is not None
