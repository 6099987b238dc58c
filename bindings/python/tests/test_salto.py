"""SALTO as the key encoder of a production handle: `SaltoConfig` keeps its client secret
write-only and out of every repr and error (R-SDK-2); `salto=` wires the adapter into
`Concierge(...)`, `open`, `connect` and their `AsyncConcierge` equivalents; a refused
configuration raises the adapter's `ProviderError` before any store is opened; an unreachable
SALTO fails `list_encoders` with a retryable `ProviderError` from "salto" (R-KEY-1)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import closed_port

from concierge import Admin, AsyncConcierge, Concierge, ProviderError, SaltoConfig, SmtpConfig

CANARY = "canary-SALTO-s3cret-7c42"


def shown(obj: object) -> str:
    return f"{obj!r} {obj!s}"


def smtp() -> SmtpConfig:
    # Never reached: these tests send no email.
    return SmtpConfig("127.0.0.1", closed_port())


def assert_no_canary(err: BaseException) -> None:
    assert CANARY not in shown(err)
    assert CANARY not in repr(err.args)
    assert all(CANARY not in repr(v) for v in vars(err).values())


def test_the_client_secret_is_write_only_and_never_shown() -> None:
    # R-SDK-2
    cfg = SaltoConfig("inst-1", "desk-client", CANARY)

    assert CANARY not in shown(cfg)
    assert "client_secret=<redacted>" in repr(cfg)
    assert not hasattr(cfg, "client_secret")
    assert all(CANARY not in repr(getattr(cfg, name, "")) for name in dir(cfg))
    assert (cfg.installation, cfg.client_id, cfg.base_url, cfg.token_url, cfg.timeout_seconds) == (
        "inst-1",
        "desk-client",
        "https://nebula.saltoapis.com/v1",
        "https://account.saltosystems.com/oauth2/token",
        30.0,
    )
    tuned = SaltoConfig(
        "inst-1",
        "desk-client",
        CANARY,
        base_url="https://nebula.example.org/v1",
        token_url="https://auth.example.org/token",
        timeout_seconds=2.5,
    )
    assert (tuned.base_url, tuned.token_url, tuned.timeout_seconds) == (
        "https://nebula.example.org/v1",
        "https://auth.example.org/token",
        2.5,
    )
    concierge = Concierge(smtp=smtp(), salto=tuned)
    assert "salto=SaltoConfig(installation='inst-1', client_id='desk-client', client_secret=<redacted>" in repr(
        concierge
    )
    assert CANARY not in shown(concierge)


@pytest.mark.parametrize("timeout", [0, -1.0, float("nan")])
def test_a_timeout_that_is_not_a_positive_number_is_a_value_error(timeout: float) -> None:
    with pytest.raises(ValueError, match="timeout_seconds") as err:
        SaltoConfig("inst-1", "desk-client", CANARY, timeout_seconds=timeout)
    assert_no_canary(err.value)


@pytest.mark.parametrize(
    ("installation", "client_id", "secret", "message"),
    [
        ("inst-1", " ", CANARY, "client id is empty"),
        ("inst-1", "desk-client", "", "client secret is empty"),
        ("installations/inst-1", "desk-client", CANARY, "installation"),
    ],
    ids=["empty client id", "empty client secret", "installation not an id"],
)
def test_a_refused_config_raises_the_adapters_provider_error_without_the_secret(
    installation: str, client_id: str, secret: str, message: str
) -> None:
    # R-SDK-2
    with pytest.raises(ProviderError) as err:
        Concierge(smtp=smtp(), salto=SaltoConfig(installation, client_id, secret))

    e = err.value
    assert (e.code, e.provider, e.operation, e.kind, e.retryable) == ("PROVIDER", "salto", "new", "other", False)
    assert message in e.message
    assert_no_canary(e)


async def test_a_refused_config_is_raised_before_any_store_is_opened(tmp_path: Path) -> None:
    # R-SDK-2: no file is created, no database is reached.
    bad = SaltoConfig("installations/inst-1", "desk-client", CANARY)
    path = tmp_path / "concierge.db"
    url = f"postgres://desk:pw@127.0.0.1:{closed_port()}/concierge"
    raised: list[BaseException] = []

    with pytest.raises(ProviderError) as opened:
        Concierge.open(path, smtp=smtp(), salto=bad)
    with pytest.raises(ProviderError) as connected:
        Concierge.connect(url, smtp=smtp(), salto=bad)
    raised += [opened.value, connected.value]
    for opening in (
        AsyncConcierge.open(path, smtp=smtp(), salto=bad),
        AsyncConcierge.connect(url, smtp=smtp(), salto=bad),
    ):
        with pytest.raises(ProviderError) as err:
            await opening
        raised.append(err.value)

    assert not path.exists()
    assert [(type(e), e.provider, e.operation) for e in raised] == [(ProviderError, "salto", "new")] * 4  # type: ignore[attr-defined]
    for e in raised:
        assert_no_canary(e)


def unreachable() -> SaltoConfig:
    port = closed_port()
    return SaltoConfig(
        "inst-1",
        "desk-client",
        CANARY,
        base_url=f"http://127.0.0.1:{port}/v1",
        token_url=f"http://127.0.0.1:{port}/oauth2/token",
        timeout_seconds=0.5,
    )


def test_an_unreachable_salto_fails_list_encoders_with_a_retryable_provider_error() -> None:
    # R-SDK-2, R-KEY-1
    admin = Admin.full_access("desk-1", "Front desk")
    started = time.monotonic()
    with Concierge(smtp=smtp(), salto=unreachable()) as concierge:
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
    async with AsyncConcierge.open(tmp_path / "concierge.db", smtp=smtp(), salto=unreachable()) as concierge:
        with pytest.raises(ProviderError) as err:
            await concierge.list_encoders(admin)

    e = err.value
    assert (e.code, e.provider, e.retryable) == ("PROVIDER", "salto", True)
    assert_no_canary(e)
