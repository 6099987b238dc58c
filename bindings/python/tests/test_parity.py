"""The Python classes have exactly the operations of the Rust facade's declaration
(tests/fixtures/operations.json, generated from it and shared with the Node suite)."""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path
from typing import Any, Dict, List

import concierge as cg
from concierge import AsyncConcierge, AsyncPaginator, Concierge, Paginator, SandboxControls

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "operations.json"
OPERATIONS: Dict[str, List[str]] = json.loads(FIXTURE.read_text())
LIFECYCLE = set(OPERATIONS["lifecycle"])


def public(cls: type) -> List[str]:
    return sorted(name for name in dir(cls) if not name.startswith("_") and name not in LIFECYCLE)


def test_concierge_has_the_operations_of_the_declaration() -> None:
    assert public(Concierge) == sorted(OPERATIONS["concierge"])
    assert all(hasattr(Concierge, name) for name in LIFECYCLE)


def test_async_concierge_has_the_same_operations() -> None:
    assert public(AsyncConcierge) == sorted(OPERATIONS["concierge"])
    assert all(hasattr(AsyncConcierge, name) for name in LIFECYCLE)


def test_the_sandbox_controls_have_the_sandbox_operations() -> None:
    assert public(SandboxControls) == sorted(OPERATIONS["sandbox"])


def test_the_generated_table_is_the_fixture() -> None:
    assert cg.OPERATIONS == {"concierge": OPERATIONS["concierge"], "sandbox": OPERATIONS["sandbox"]}


def returns(method: Any) -> str:
    return str(inspect.signature(method).return_annotation)


def test_async_operations_are_coroutine_functions_except_listings() -> None:
    for name in OPERATIONS["concierge"]:
        method = getattr(AsyncConcierge, name)
        paged = returns(method).startswith("AsyncPaginator")
        assert inspect.iscoroutinefunction(method) is not paged, name
        assert not inspect.iscoroutinefunction(getattr(Concierge, name)), name
        assert returns(getattr(Concierge, name)).startswith("Paginator") is paged, name
    assert inspect.iscoroutinefunction(AsyncConcierge.open)
    assert inspect.iscoroutinefunction(AsyncConcierge.close)
    assert {"list_residents", "list_outbox", "list_keys", "sync_errors", "list_spare_holders"} <= {
        n for n in OPERATIONS["concierge"] if returns(getattr(AsyncConcierge, n)).startswith("AsyncPaginator")
    }


def test_the_blocking_and_async_signatures_agree() -> None:
    for name in OPERATIONS["concierge"]:
        blocking = inspect.signature(getattr(Concierge, name))
        awaited = inspect.signature(getattr(AsyncConcierge, name))
        assert [(p.name, p.kind, p.default) for p in blocking.parameters.values()] == [
            (p.name, p.kind, p.default) for p in awaited.parameters.values()
        ], name


def test_booleans_and_options_are_keyword_only() -> None:
    for cls in (Concierge, AsyncConcierge, SandboxControls):
        for name in public(cls):
            for p in inspect.signature(getattr(cls, name)).parameters.values():
                if p.kind is p.POSITIONAL_OR_KEYWORD:
                    assert "bool" not in str(p.annotation), (cls.__name__, name, p.name)
                    assert p.default is p.empty, (cls.__name__, name, p.name)


ADAPTERS: Dict[str, List[str]] = json.loads(FIXTURE.read_text())["adapters"]


def protocol_of(kind: str) -> Any:
    """The package's protocol of an adapter kind: `key_encoder` is `KeyEncoderAdapter`."""
    return getattr(cg, "".join(part.title() for part in kind.split("_")) + "Adapter")


# R-SDK-1
def test_the_adapter_protocols_declare_the_methods_the_engine_calls() -> None:
    assert sorted(ADAPTERS) == ["intercom", "key_encoder", "mailer", "pms", "strata"]
    for kind, methods in ADAPTERS.items():
        protocol = protocol_of(kind)
        declared = sorted(
            name for name, value in vars(protocol).items()
            if not name.startswith("_") and inspect.isfunction(value)
        )
        assert declared == sorted(methods), protocol
        assert protocol.__name__ in cg.__all__
        assert isinstance(vars(protocol).get("name"), property), protocol


# R-SDK-1
def test_each_protocol_method_takes_the_record_its_requests_are_decoded_into() -> None:
    # The generated protocols and the dispatcher's table agree: what a method is declared to
    # take is what it is given (`list_encoders`, which asks nothing, is given `{}`).
    from concierge._generated import _ADAPTER_REQUESTS

    for kind, methods in ADAPTERS.items():
        protocol = protocol_of(kind)
        assert protocol.__module__ == "concierge._generated", protocol
        for method in methods:
            request = inspect.signature(getattr(protocol, method)).parameters["request"]
            decoded = _ADAPTER_REQUESTS[kind].get(method)
            if decoded is None:
                assert (kind, method) == ("key_encoder", "list_encoders")
                continue
            assert request.annotation == decoded, (kind, method)
            assert dataclasses.is_dataclass(getattr(cg, decoded)) and decoded in cg.__all__, decoded


# R-SDK-1
def test_open_takes_one_keyword_per_adapter_kind_typed_by_its_protocol() -> None:
    for cls in (Concierge, AsyncConcierge):
        params = inspect.signature(cls.open).parameters
        for kind in ADAPTERS:
            p = params[kind]
            assert (p.kind, p.default) == (p.KEYWORD_ONLY, None), (cls.__name__, kind)
            assert str(p.annotation) == f"Optional[{protocol_of(kind).__name__}]", (cls.__name__, kind)
