"""Buildium as the PMS of a production handle: `BuildiumConfig` keeps its client secret
write-only and out of every repr and error (R-SDK-2); `buildium=` wires the adapter into
`Concierge(...)`, `open`, `connect` and their `AsyncConcierge` equivalents; a refused
configuration raises the adapter's `ProviderError` before any store is opened; an unreachable
Buildium fails calls and syncs with a retryable `ProviderError` from "buildium"."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import closed_port

from concierge import (
    Admin,
    AsyncConcierge,
    BuildiumConfig,
    Concierge,
    ProviderError,
    SmtpConfig,
)

CANARY = "canary-BUILDIUM-s3cret-5d81"


def shown(obj: object) -> str:
    return f"{obj!r} {obj!s}"


def smtp() -> SmtpConfig:
    # Never reached: these tests send no email.
    return SmtpConfig("127.0.0.1", closed_port())


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

    def config(self) -> BuildiumConfig:
        return BuildiumConfig("desk-client", CANARY, base_url=self.base_url, timeout_seconds=5)


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


def test_the_client_secret_is_write_only_and_never_shown() -> None:
    # R-SDK-2
    cfg = BuildiumConfig("desk-client", CANARY)

    assert CANARY not in shown(cfg)
    assert "client_secret=<redacted>" in repr(cfg)
    assert not hasattr(cfg, "client_secret")
    assert all(CANARY not in repr(getattr(cfg, name, "")) for name in dir(cfg))
    assert (cfg.client_id, cfg.base_url, cfg.page_size, cfg.rate_limit_per_sec, cfg.timeout_seconds) == (
        "desk-client",
        "https://api.buildium.com",
        1000,
        10,
        30.0,
    )
    tuned = BuildiumConfig(
        "desk-client",
        CANARY,
        base_url="https://apisandbox.buildium.com",
        page_size=250,
        rate_limit_per_sec=None,
        timeout_seconds=2.5,
    )
    assert (tuned.base_url, tuned.page_size, tuned.rate_limit_per_sec, tuned.timeout_seconds) == (
        "https://apisandbox.buildium.com",
        250,
        None,
        2.5,
    )
    concierge = Concierge(smtp=smtp(), buildium=tuned)
    assert "buildium=BuildiumConfig(client_id='desk-client', client_secret=<redacted>" in repr(concierge)
    assert CANARY not in shown(concierge)


@pytest.mark.parametrize("timeout", [0, -1.0, float("nan")])
def test_a_timeout_that_is_not_a_positive_number_is_a_value_error(timeout: float) -> None:
    with pytest.raises(ValueError, match="timeout_seconds") as err:
        BuildiumConfig("desk-client", CANARY, timeout_seconds=timeout)
    assert_no_canary(err.value)


REFUSED: dict[str, tuple[dict[str, Any], str, str]] = {
    "empty client id": (dict(client_id=" "), "new", "client id is empty"),
    "empty client secret": (dict(client_secret=""), "new", "client secret is empty"),
    "page size 0": (dict(page_size=0), "new", "page size must be between 1 and 1000"),
    "page size 5000": (dict(page_size=5000), "new", "page size must be between 1 and 1000"),
    "bad base url": (dict(base_url="not a url"), "build_client", "invalid base URL"),
    "zero rate limit": (dict(rate_limit_per_sec=0), "build_client", "rate limit"),
}


def refused_config(overrides: dict[str, Any]) -> BuildiumConfig:
    args: dict[str, Any] = dict(client_id="desk-client", client_secret=CANARY)
    args.update(overrides)
    return BuildiumConfig(args.pop("client_id"), args.pop("client_secret"), **args)


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_a_refused_config_raises_the_adapters_provider_error_without_the_secret(case: str) -> None:
    # R-SDK-2, R-SDK-5
    overrides, operation, message = REFUSED[case]
    with pytest.raises(ProviderError) as err:
        Concierge(smtp=smtp(), buildium=refused_config(overrides))

    e = err.value
    assert (e.code, e.provider, e.operation, e.kind, e.retryable) == ("PROVIDER", "buildium", operation, "other", False)
    assert message in e.message
    assert_no_canary(e)


async def test_a_refused_config_is_raised_before_any_store_is_opened(tmp_path: Path) -> None:
    # R-SDK-2, R-SDK-5: no file is created, no database is reached.
    bad = refused_config(dict(page_size=0))
    path = tmp_path / "concierge.db"
    url = f"postgres://desk:{CANARY}@127.0.0.1:{closed_port()}/concierge"
    raised: list[BaseException] = []

    with pytest.raises(ProviderError) as opened:
        Concierge.open(path, smtp=smtp(), buildium=bad)
    with pytest.raises(ProviderError) as connected:
        Concierge.connect(url, smtp=smtp(), buildium=bad)
    raised += [opened.value, connected.value]
    for opening in (
        AsyncConcierge.open(path, smtp=smtp(), buildium=bad),
        AsyncConcierge.connect(url, smtp=smtp(), buildium=bad),
    ):
        with pytest.raises(ProviderError) as err:
            await opening
        raised.append(err.value)

    assert not path.exists()
    assert [(type(e), e.provider, e.operation) for e in raised] == [(ProviderError, "buildium", "new")] * 4  # type: ignore[attr-defined]
    for e in raised:
        assert_no_canary(e)


def test_open_sends_the_credentials_to_buildium_and_lists_its_properties(
    fake_buildium: FakeBuildium, tmp_path: Path
) -> None:
    # R-SDK-2
    admin = Admin.full_access("desk-1", "Front desk")
    with Concierge.open(tmp_path / "concierge.db", smtp=smtp(), buildium=fake_buildium.config()) as concierge:
        [record] = concierge.list_pms_properties(admin)
        assert CANARY not in shown(concierge)
        assert ", buildium=BuildiumConfig(client_id='desk-client', client_secret=<redacted>" in repr(concierge)

    assert (record.external_ref.provider, record.external_ref.id, record.name) == ("buildium", "1001", "Harbour View")
    [sent] = fake_buildium.headers
    assert (sent["x-buildium-client-id"], sent["x-buildium-client-secret"]) == ("desk-client", CANARY)


async def test_the_async_handles_take_buildium_too(fake_buildium: FakeBuildium, tmp_path: Path) -> None:
    admin = Admin.full_access("desk-1", "Front desk")
    in_memory = AsyncConcierge(smtp=smtp(), buildium=fake_buildium.config())
    names = [p.name for p in await in_memory.list_pms_properties(admin)]
    async with AsyncConcierge.open(tmp_path / "a.db", smtp=smtp(), buildium=fake_buildium.config()) as opened:
        names += [p.name for p in await opened.list_pms_properties(admin)]
        assert CANARY not in shown(opened)

    assert names == ["Harbour View", "Harbour View"]
    assert CANARY not in shown(in_memory)
    assert len(fake_buildium.headers) == 2


def test_an_unreachable_buildium_fails_listing_and_sync_with_a_retryable_provider_error(
    admin: Admin,
) -> None:
    # R-SDK-2, R-SDK-5. The transport retries a refused connection 5 times with backoff, and
    # the sync engine tries a failed page 3 times: about 6 s in all (at most about 12 s).
    started = time.monotonic()
    cfg = BuildiumConfig("desk-client", CANARY, base_url=f"http://127.0.0.1:{closed_port()}", timeout_seconds=0.5)
    concierge = Concierge(smtp=smtp(), buildium=cfg)
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
