"""Bad inputs are refused the same way in every language: each case of the shared table
tests/fixtures/bad_inputs.json (also run by the Rust and Node suites) raises a VALIDATION error
whose first issue names the case's field, on the blocking and the asyncio handle."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from concierge import Admin, AsyncConcierge, AsyncPaginator, Concierge, ConciergeError, Paginator, ValidationError

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "bad_inputs.json"
CASES: List[Dict[str, Any]] = json.loads(FIXTURE.read_text())
DESK = Admin.full_access("desk-1", "Front desk")

def cases() -> List[Any]:
    return [pytest.param(case, id=case["name"]) for case in CASES]


def call_args(method: Any, case: Dict[str, Any]) -> List[Any]:
    """The positional arguments of a case: the admin first when the operation acts for one
    (its generated signature starts with `admin`), then the case's positional values in order."""
    params = [p for p in inspect.signature(method).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    args: List[Any] = [DESK] if params and params[0].name == "admin" else []
    names = [p.name for p in params[len(args) :]]
    assert list(case["positional"]) == names[: len(case["positional"])], (case["name"], names)
    return args + list(case["positional"].values())


def target(handle: Any, op: str) -> Any:
    if op.startswith("sandbox."):
        return getattr(handle.sandbox_controls, op[len("sandbox.") :])
    return getattr(handle, op)


def check(err: ConciergeError, case: Dict[str, Any]) -> None:
    assert isinstance(err, ValidationError)
    assert err.code == case["code"]
    assert err.issues[0].field == case["field"], (case["name"], err.issues)


def test_the_table_is_not_empty() -> None:
    assert any("op" in c for c in CASES) and any("open" in c for c in CASES)


@pytest.mark.parametrize("case", cases())
def test_the_blocking_handle_refuses_the_bad_input(case: Dict[str, Any]) -> None:
    if "open" in case:
        with pytest.raises(ConciergeError) as info:
            Concierge.open(**case["open"])
        check(info.value, case)
        return
    with Concierge.open(sandbox={"seed": 7}) as concierge:
        method = target(concierge, case["op"])
        with pytest.raises(ConciergeError) as info:
            result = method(*call_args(method, case), **case["options"])
            if isinstance(result, Paginator):
                next(iter(result))
        check(info.value, case)


@pytest.mark.parametrize("case", cases())
async def test_the_async_handle_refuses_the_bad_input(case: Dict[str, Any]) -> None:
    if "open" in case:
        with pytest.raises(ConciergeError) as info:
            await AsyncConcierge.open(**case["open"])
        check(info.value, case)
        return
    async with await AsyncConcierge.open(sandbox={"seed": 7}) as concierge:
        method = target(concierge, case["op"])
        with pytest.raises(ConciergeError) as info:
            result = method(*call_args(method, case), **case["options"])
            if isinstance(result, AsyncPaginator):
                async for _ in result:
                    break
            elif inspect.isawaitable(result):
                await result
        check(info.value, case)
