"""SALTO as the key encoder of a production handle: its settings (`salto={...}`, the fields of
`concierge_salto::SaltoConfig`) keep the client secret out of every repr and error (R-SDK-2);
`salto=` wires the adapter into `Concierge.open` and `AsyncConcierge.open`; a refused
configuration raises a `ValidationError` naming the field before any store is opened; an
unreachable SALTO fails `list_encoders` with a retryable `ProviderError` from "salto"
(R-KEY-1)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from conftest import closed_port, fields, shown

from concierge import Admin, AsyncConcierge, Concierge, ProviderError, ValidationError

CANARY = "canary-SALTO-s3cret-7c42"


def smtp() -> dict[str, Any]:
    # Never reached: these tests send no email.
    return {"host": "127.0.0.1", "port": closed_port()}


def config(**overrides: Any) -> dict[str, Any]:
    return {"installation": "inst-1", "client_id": "desk-client", "client_secret": CANARY, **overrides}


def assert_no_canary(err: BaseException) -> None:
    assert CANARY not in shown(err)
    assert CANARY not in repr(err.args)
    assert all(CANARY not in repr(v) for v in vars(err).values())


def test_the_client_secret_is_never_shown_by_the_handle() -> None:
    # R-SDK-2
    tuned = config(base_url="https://nebula.example.org/v1", token_url="https://auth.example.org/token", timeout_seconds=2.5)

    with Concierge.open(smtp=smtp(), salto=tuned) as concierge:
        assert "key_encoder=salto(inst-1)" in repr(concierge)
        assert CANARY not in shown(concierge)
        assert all(CANARY not in repr(v) for v in vars(concierge).values())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (dict(client_id=" "), "salto.client_id"),
        (dict(client_secret=""), "salto.client_secret"),
        (dict(installation="installations/inst-1"), "salto.installation"),
        (dict(timeout_seconds=0), "salto.timeout_seconds"),
        (dict(timeout_seconds=-0.5), "salto.timeout_seconds"),
        (dict(poll_initial_ms=-1), "salto.poll_initial_ms"),
        (dict(page_size=0), "salto.page_size"),
        (dict(poll_initial_ms=1000, poll_max_ms=10), "salto.poll_max_ms"),
        (dict(routes={"get_usr": "/x"}), "salto.routes.get_usr"),
    ],
    ids=["empty client id", "empty client secret", "installation not an id", "zero timeout", "negative timeout", "negative poll", "page size 0", "poll max below initial", "unknown route"],
)
def test_a_refused_config_is_a_validation_error_naming_the_field_without_the_secret(
    overrides: dict[str, Any], field: str
) -> None:
    # R-SDK-2
    with pytest.raises(ValidationError) as err:
        Concierge.open(smtp=smtp(), salto=config(**overrides))

    assert fields(err.value) == [field]
    assert_no_canary(err.value)


async def test_a_refused_config_is_raised_before_any_store_is_opened(tmp_path: Path) -> None:
    # R-SDK-2: no file is created, no database is reached.
    bad = config(installation="installations/inst-1")
    path = str(tmp_path / "concierge.db")
    url = f"postgres://desk:pw@127.0.0.1:{closed_port()}/concierge"
    raised: list[BaseException] = []

    # PostgreSQL requires an activation secret: given, so only the SALTO setting is wrong.
    secret = {"activation_secret": "the tests' shared activation secret"}
    for store in (path, url):
        with pytest.raises(ValidationError) as opened:
            Concierge.open(store=store, smtp=smtp(), salto=bad, **secret)
        raised.append(opened.value)
        with pytest.raises(ValidationError) as awaited:
            await AsyncConcierge.open(store=store, smtp=smtp(), salto=bad, **secret)
        raised.append(awaited.value)

    assert list(tmp_path.iterdir()) == []
    assert [fields(e) for e in raised] == [["salto.installation"]] * 4
    for e in raised:
        assert_no_canary(e)


def unreachable() -> dict[str, Any]:
    port = closed_port()
    return config(
        base_url=f"http://127.0.0.1:{port}/v1",
        token_url=f"http://127.0.0.1:{port}/oauth2/token",
        timeout_seconds=1,
        retry={"max_attempts": 2, "initial_backoff_ms": 10, "max_backoff_ms": 50},
    )


def test_an_unreachable_salto_fails_list_encoders_with_a_retryable_provider_error() -> None:
    # R-SDK-2, R-KEY-1
    admin = Admin.full_access("desk-1", "Front desk")
    started = time.monotonic()
    with Concierge.open(smtp=smtp(), salto=unreachable()) as concierge:
        with pytest.raises(ProviderError) as err:
            concierge.list_encoders(admin)
        assert CANARY not in shown(concierge)

    e = err.value
    assert (e.code, e.provider, e.retryable) == ("PROVIDER", "salto", True)
    assert_no_canary(e)
    assert time.monotonic() - started < 30


async def test_an_unreachable_salto_fails_list_encoders_on_the_async_handle_too(tmp_path: Path) -> None:
    # R-SDK-2, R-KEY-1
    admin = Admin.full_access("desk-1", "Front desk")
    async with await AsyncConcierge.open(store=str(tmp_path / "concierge.db"), smtp=smtp(), salto=unreachable()) as concierge:
        with pytest.raises(ProviderError) as err:
            await concierge.list_encoders(admin)

    e = err.value
    assert (e.code, e.provider, e.retryable) == ("PROVIDER", "salto", True)
    assert_no_canary(e)
