"""Buildium as the PMS of a production handle: its settings (`buildium={...}`, the fields of
`concierge_buildium::BuildiumConfig`) keep the client secret out of every repr and error
(R-SDK-2); `buildium=` wires the adapter into `Concierge.open` and `AsyncConcierge.open`; a
refused configuration raises a `ValidationError` naming the field before any store is opened;
an unreachable Buildium fails calls and syncs with a retryable `ProviderError` from
"buildium"."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import closed_port, fields, shown

from concierge import Admin, AsyncConcierge, Concierge, ProviderError, StoreError, ValidationError

CANARY = "canary-BUILDIUM-s3cret-5d81"


def smtp() -> dict[str, Any]:
    # Never reached: these tests send no email.
    return {"host": "127.0.0.1", "port": closed_port()}


def config(**overrides: Any) -> dict[str, Any]:
    return {"client_id": "desk-client", "client_secret": CANARY, **overrides}


def assert_no_canary(err: BaseException) -> None:
    assert CANARY not in shown(err)
    assert CANARY not in repr(err.args)
    assert all(CANARY not in repr(v) for v in vars(err).values())


class FakeBuildium:
    """A local Buildium serving one rental property and recording each request's headers."""

    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server hook
                fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                if self.path.split("?")[0] == "/v1/rentals":
                    body = json.dumps([{"Id": 1001, "Name": "Harbour View"}]).encode()
                    self.send_response(200)
                    self.send_header("X-Total-Count", "1")
                else:
                    body = b'{"UserMessage": "not here"}'
                    self.send_response(404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def config(self) -> dict[str, Any]:
        return {"client_id": "desk-client", "client_secret": CANARY, "base_url": self.base_url, "timeout_seconds": 5}


@pytest.fixture
def fake_buildium() -> Iterator[FakeBuildium]:
    fake = FakeBuildium()
    thread = threading.Thread(target=fake.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


def test_the_client_secret_is_never_shown_by_the_handle() -> None:
    # R-SDK-2
    tuned = config(base_url="https://apisandbox.buildium.com", page_size=250, rate_limit_per_sec=None, timeout_seconds=2)

    with Concierge.open(smtp=smtp(), buildium=tuned) as concierge:
        assert "pms=buildium" in repr(concierge)
        assert CANARY not in shown(concierge)
        assert all(CANARY not in repr(v) for v in vars(concierge).values())


REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "empty client id": (dict(client_id=" "), "buildium.client_id"),
    "empty client secret": (dict(client_secret=""), "buildium.client_secret"),
    "page size 0": (dict(page_size=0), "buildium.page_size"),
    "page size 5000": (dict(page_size=5000), "buildium.page_size"),
    "zero rate limit": (dict(rate_limit_per_sec=0), "buildium.rate_limit_per_sec"),
    "zero timeout": (dict(timeout_seconds=0), "buildium.timeout_seconds"),
    "negative timeout": (dict(timeout_seconds=-1), "buildium.timeout_seconds"),
    "negative fractional timeout": (dict(timeout_seconds=-0.5), "buildium.timeout_seconds"),
    "the old rate limit switch": (dict(rate_limit_disabled=True), "buildium.rate_limit_disabled"),
    "unknown key": (dict(secret=CANARY), "buildium.secret"),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_a_refused_config_is_a_validation_error_naming_the_field_without_the_secret(case: str) -> None:
    # R-SDK-2, R-SDK-5
    overrides, field = REFUSED[case]
    with pytest.raises(ValidationError) as err:
        Concierge.open(smtp=smtp(), buildium=config(**overrides))

    assert fields(err.value) == [field]
    assert err.value.retryable is False
    assert_no_canary(err.value)


def test_a_base_url_the_client_cannot_use_is_the_adapters_provider_error_without_the_secret() -> None:
    # R-SDK-2, R-SDK-5
    with pytest.raises(ProviderError) as err:
        Concierge.open(smtp=smtp(), buildium=config(base_url="not a url"))

    e = err.value
    assert (e.code, e.provider, e.operation, e.kind, e.retryable) == ("PROVIDER", "buildium", "build_client", "other", False)
    assert "invalid base URL" in str(e)
    assert_no_canary(e)


async def test_a_refused_config_is_raised_before_any_store_is_opened(tmp_path: Path) -> None:
    # R-SDK-2, R-SDK-5: no file is created, no database is reached.
    bad = config(page_size=0)
    path = str(tmp_path / "concierge.db")
    url = f"postgres://desk:{CANARY}@127.0.0.1:{closed_port()}/concierge"
    raised: list[BaseException] = []

    # PostgreSQL requires an activation secret: given, so only the Buildium setting is wrong.
    secret = {"activation_secret": "the tests' shared activation secret"}
    for store in (path, url):
        with pytest.raises(ValidationError) as opened:
            Concierge.open(store=store, smtp=smtp(), buildium=bad, **secret)
        raised.append(opened.value)
        with pytest.raises(ValidationError) as awaited:
            await AsyncConcierge.open(store=store, smtp=smtp(), buildium=bad, **secret)
        raised.append(awaited.value)

    assert list(tmp_path.iterdir()) == []
    assert [fields(e) for e in raised] == [["buildium.page_size"]] * 4
    assert not any(isinstance(e, StoreError) for e in raised)
    for e in raised:
        assert_no_canary(e)


def test_open_sends_the_credentials_to_buildium_and_lists_its_properties(
    fake_buildium: FakeBuildium, tmp_path: Path
) -> None:
    # R-SDK-2
    admin = Admin.full_access("desk-1", "Front desk")
    with Concierge.open(store=str(tmp_path / "concierge.db"), smtp=smtp(), buildium=fake_buildium.config()) as concierge:
        [record] = concierge.list_pms_properties(admin)
        assert CANARY not in shown(concierge)
        assert "pms=buildium" in repr(concierge)

    assert (record.external.provider, record.external.id, record.name) == ("buildium", "1001", "Harbour View")
    [sent] = fake_buildium.headers
    assert (sent["x-buildium-client-id"], sent["x-buildium-client-secret"]) == ("desk-client", CANARY)


async def test_the_async_handles_take_buildium_too(fake_buildium: FakeBuildium, tmp_path: Path) -> None:
    admin = Admin.full_access("desk-1", "Front desk")
    in_memory = await AsyncConcierge.open(smtp=smtp(), buildium=fake_buildium.config())
    names = [p.name for p in await in_memory.list_pms_properties(admin)]
    async with await AsyncConcierge.open(
        store=str(tmp_path / "a.db"), smtp=smtp(), buildium=fake_buildium.config()
    ) as opened:
        names += [p.name for p in await opened.list_pms_properties(admin)]
        assert CANARY not in shown(opened)

    assert names == ["Harbour View", "Harbour View"]
    assert CANARY not in shown(in_memory)
    assert len(fake_buildium.headers) == 2
    await in_memory.close()


def test_an_unreachable_buildium_fails_listing_and_sync_with_a_retryable_provider_error(
    admin: Admin,
) -> None:
    # R-SDK-2, R-SDK-5. The transport retries a refused connection (here twice, 10 ms apart),
    # and the sync engine tries a failed page 3 times.
    started = time.monotonic()
    cfg = config(
        base_url=f"http://127.0.0.1:{closed_port()}",
        timeout_seconds=0.5,
        retry={"max_attempts": 2, "initial_backoff_ms": 10, "max_backoff_ms": 50},
    )
    concierge = Concierge.open(smtp=smtp(), buildium=cfg)
    prop = concierge.register_property(admin, "Harbour View", "harbour-view")

    with pytest.raises(ProviderError) as listing:
        concierge.list_pms_properties(admin)
    linked = concierge.link_pms_property(admin, prop.id, "424242")
    with pytest.raises(ProviderError) as syncing:
        concierge.sync_now(admin, prop.id)
    run = concierge.last_sync(admin, prop.id)

    assert listing.value.operation == "list_properties"
    assert syncing.value.operation in ("list_units", "list_residents")
    for e in (listing.value, syncing.value):
        assert (e.code, e.provider, e.retryable) == ("PROVIDER", "buildium", True)
        assert e.kind in ("connection", "timeout")
        assert_no_canary(e)
    assert linked.id == prop.id
    assert run is not None and run.aborted is not None
    assert "buildium" in run.aborted
    assert CANARY not in shown(run) and CANARY not in run.aborted
    assert CANARY not in shown(concierge)
    assert time.monotonic() - started < 20
    concierge.close()
