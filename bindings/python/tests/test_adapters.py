"""Adapters written in Python (R-SDK-1): a PMS and a key encoder given to `Concierge.open` (and
`AsyncConcierge.open`) as plain Python objects, called by the engine like its own adapters. Both
plain and `async def` methods work from both handles; what they raise arrives as a typed
ProviderError; a record of the wrong shape is a sync error of its own; a slow adapter blocks
neither the handle nor the event loop."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

import concierge
from concierge import (
    Admin,
    AsyncConcierge,
    Concierge,
    KeyEncoderAdapter,
    KeyHolder,
    PmsAdapter,
    Property,
    ProviderError,
    SyncRun,
)

PMS = "py-pms"


def ext(id: str) -> Dict[str, str]:
    return {"provider": PMS, "id": id}


def unit(id: str, prop: str, building: Optional[str], number: str) -> Dict[str, Any]:
    return {"external": ext(id), "property": ext(prop), "building_name": building, "floor": "1", "number": number}


def resident(id: str, prop: str, unit: str, first: str) -> Dict[str, Any]:
    return {
        "external": ext(id),
        "property": ext(prop),
        "unit": ext(unit),
        "first_name": first,
        "last_name": "Lovelace",
        "email": f"{first.lower()}@example.com",
        "phone": None,
        "role": "primary",
        "move_in": "2024-01-01",
        "move_out": None,
        "updated_at": None,
    }


PROPERTIES = [{"external": ext("p1"), "name": "Harbour View"}, {"external": ext("p2"), "name": "Hillside"}]
UNITS = [
    unit("u1", "p1", "Tower A", "101"),
    unit("u2", "p1", "Tower A", "102"),
    unit("u3", "p1", "Tower B", "201"),
    unit("u4", "p2", None, "1"),
    unit("u5", "p2", None, "2"),
]
RESIDENTS = [
    resident("r1", "p1", "u1", "Ada"),
    resident("r2", "p1", "u2", "Grace"),
    resident("r3", "p1", "u3", "Edsger"),
    resident("r4", "p2", "u4", "Barbara"),
    resident("r5", "p2", "u5", "Donald"),
]


def page(items: List[Dict[str, Any]], request: Dict[str, Any], size: int = 2) -> Dict[str, Any]:
    """One page of `items` of the properties the request names, from its cursor (an offset)."""
    wanted = {p["id"] for p in request.get("properties", [])}
    items = [i for i in items if "property" not in i or i["property"]["id"] in wanted]
    start = int(request["cursor"] or 0)
    end = start + size
    return {"items": items[start:end], "next": str(end) if end < len(items) else None}


class MemoryPms:
    """A PMS serving the lists above, two records a page, remembering every call."""

    name = PMS

    def __init__(self, residents: Optional[List[Dict[str, Any]]] = None, properties_per_listing: int = 1) -> None:
        self.residents = RESIDENTS if residents is None else residents
        self.properties_per_listing = properties_per_listing
        self.calls: List[Tuple[str, Dict[str, Any], str]] = []

    def seen(self, method: str, request: Dict[str, Any]) -> None:
        self.calls.append((method, request, threading.current_thread().name))

    def asked(self, method: str) -> List[Dict[str, Any]]:
        return [r for m, r, _ in self.calls if m == method]

    def list_properties(self, request: Dict[str, Any]) -> Dict[str, Any]:
        self.seen("list_properties", request)
        return {"items": PROPERTIES[:], "next": None}

    def list_units(self, request: Dict[str, Any]) -> Dict[str, Any]:
        self.seen("list_units", request)
        return page(UNITS, request)

    def list_residents(self, request: Dict[str, Any]) -> Dict[str, Any]:
        self.seen("list_residents", request)
        return page(self.residents, request)


class AsyncMemoryPms(MemoryPms):
    """The same PMS with `async def` methods."""

    async def list_properties(self, request: Dict[str, Any]) -> Dict[str, Any]:  # type: ignore[override]
        await asyncio.sleep(0)
        return super().list_properties(request)

    async def list_units(self, request: Dict[str, Any]) -> Dict[str, Any]:  # type: ignore[override]
        await asyncio.sleep(0.01)
        return super().list_units(request)

    async def list_residents(self, request: Dict[str, Any]) -> Dict[str, Any]:  # type: ignore[override]
        await asyncio.sleep(0.01)
        return super().list_residents(request)


@pytest.fixture
def admin() -> Admin:
    return Admin.full_access("desk-1", "Front desk")


def linked(c: Concierge, admin: Admin) -> List[Property]:
    """Two properties registered by hand and linked to p1 and p2."""
    out = []
    for pms_id, (name, slug) in [("p1", ("Harbour View", "harbour-view")), ("p2", ("Hillside", "hillside"))]:
        prop = c.register_property(admin, name, slug)
        out.append(c.link_pms_property(admin, prop.id, pms_id))
    return out


def external_ids(c: Concierge, admin: Admin, prop: Property) -> List[str]:
    return sorted(r.external.id for r in c.list_residents(admin, property_id=prop.id) if r.external)


def test_a_python_pms_runs_a_full_sync_page_by_page() -> None:
    # R-SDK-1
    pms = MemoryPms()
    admin = Admin.full_access("desk-1", "Front desk")
    with Concierge.open(sandbox={}, pms=pms) as c:
        listed = c.list_pms_properties(admin)
        assert [(p.external.provider, p.external.id, p.name) for p in listed] == [
            (PMS, "p1", "Harbour View"),
            (PMS, "p2", "Hillside"),
        ]
        harbour, hillside = linked(c, admin)

        reports = c.sync_all(admin)

        runs = {r.run.property_id: r.run for r in reports}
        assert set(runs) == {harbour.id, hillside.id}
        for prop, expected in [(harbour, ["r1", "r2", "r3"]), (hillside, ["r4", "r5"])]:
            run = runs[prop.id]
            assert (run.aborted, run.errors) == (None, [])
            assert (run.counts.seen, run.counts.created, run.counts.failed) == (len(expected), len(expected), 0)
            assert external_ids(c, admin, prop) == expected
        assert sorted(u.number for u in c.list_units(admin, harbour.id)) == ["101", "102", "201"]
        assert sorted(b.name for b in c.list_buildings(admin, harbour.id)) == ["Tower A", "Tower B"]
        ada = [r for r in c.list_residents(admin, property_id=harbour.id) if r.first_name == "Ada"][0]
        assert (ada.last_name, ada.email) == ("Lovelace", "ada@example.com")
        # Asked page by page, with the cursors the adapter gave, one property a listing.
        harbour_pages = [r for r in pms.asked("list_residents") if r["properties"] == [ext("p1")]]
        assert [r["cursor"] for r in harbour_pages] == [None, "2"]
        assert all(r["updated_since"] is None for r in harbour_pages)
        assert all(len(r["properties"]) == 1 for r in pms.asked("list_units"))
        # A re-sync changes nothing.
        again = c.sync_now(admin, harbour.id).run
        assert (again.counts.unchanged, again.counts.created) == (3, 0)


def test_properties_per_listing_lets_one_listing_name_several_properties(admin: Admin) -> None:
    # R-SDK-1
    pms = MemoryPms(properties_per_listing=2)
    with Concierge.open(sandbox={}, pms=pms) as c:
        harbour, hillside = linked(c, admin)
        reports = c.sync_all(admin)
        assert sorted(r.run.counts.created for r in reports) == [2, 3]
        assert any(len(r["properties"]) == 2 for r in pms.asked("list_residents")), pms.asked("list_residents")


async def test_async_def_methods_run_from_the_async_handle(admin: Admin) -> None:
    # R-SDK-1
    pms = AsyncMemoryPms()
    c = await AsyncConcierge.open(sandbox={}, pms=pms)
    try:
        assert [p.external.id for p in await c.list_pms_properties(admin)] == ["p1", "p2"]
        prop = await c.register_property(admin, "Harbour View", "harbour-view")
        prop = await c.link_pms_property(admin, prop.id, "p1")

        report = await c.sync_now(admin, prop.id)

        assert (report.run.aborted, report.run.counts.created, report.run.counts.seen) == (None, 3, 3)
        names = sorted([r.first_name async for r in c.list_residents(admin, property_id=prop.id)])
        assert names == ["Ada", "Edsger", "Grace"]
        # The coroutines ran on the package's own event loop, not on this one.
        assert {thread for _, _, thread in pms.calls} == {"concierge-adapters"}
    finally:
        await c.close()


def test_async_def_methods_run_from_the_blocking_handle(admin: Admin) -> None:
    # R-SDK-1
    with Concierge.open(sandbox={}, pms=AsyncMemoryPms()) as c:
        harbour, _ = linked(c, admin)
        assert c.sync_now(admin, harbour.id).run.counts.created == 3


class Failing(MemoryPms):
    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def list_residents(self, request: Dict[str, Any]) -> Dict[str, Any]:
        self.seen("list_residents", request)
        raise self.exc


def test_a_typed_provider_error_arrives_with_its_kind_provider_and_operation(admin: Admin) -> None:
    # R-SDK-1, R-SDK-2
    raised = concierge.provider_error(
        "rate_limited", "slow down", http_status=429, vendor_code="TOO_MANY", request_id="req-7", retry_after_seconds=0.01
    )
    assert isinstance(raised, ProviderError) and str(raised) == "slow down"
    pms = Failing(raised)
    with Concierge.open(sandbox={}, pms=pms) as c:
        harbour, _ = linked(c, admin)
        with pytest.raises(ProviderError) as failed:
            c.sync_now(admin, harbour.id)

        e = failed.value
        assert (e.code, e.provider, e.operation, e.kind, e.retry_class, e.retryable) == (
            "PROVIDER",
            PMS,
            "list_residents",
            "rate_limited",
            "throttled",
            True,
        )
        assert (e.http_status, e.vendor_code, e.request_id) == (429, "TOO_MANY", "req-7")
        assert "slow down" in str(e)
        last = c.last_sync(admin, harbour.id)
        assert last is not None and last.aborted is not None
        assert c.list_residents(admin, property_id=harbour.id).pages().__next__().items == []


def test_an_explicit_retry_class_or_retryable_overrides_the_kinds(admin: Admin) -> None:
    # R-SDK-1, R-SDK-2
    for raised, expected in [
        (concierge.provider_error("unavailable", "down", retryable=False), ("unavailable", "permanent", False)),
        (concierge.provider_error("rejected", "busy", retry_class="transient"), ("rejected", "transient", True)),
    ]:
        with Concierge.open(sandbox={}, pms=Failing(raised)) as c:
            harbour, _ = linked(c, admin)
            with pytest.raises(ProviderError) as failed:
                c.sync_now(admin, harbour.id)
            assert (failed.value.kind, failed.value.retry_class, failed.value.retryable) == expected


def test_any_other_exception_is_kind_other_and_not_retryable(admin: Admin) -> None:
    # R-SDK-1, R-SDK-2
    with Concierge.open(sandbox={}, pms=Failing(ValueError("row 3 is garbled"))) as c:
        harbour, _ = linked(c, admin)
        with pytest.raises(ProviderError) as failed:
            c.sync_now(admin, harbour.id)
    e = failed.value
    assert (e.provider, e.operation, e.kind, e.retryable) == (PMS, "list_residents", "other", False)
    assert "ValueError" in str(e) and "row 3 is garbled" in str(e)


def test_a_missing_method_is_an_error_of_the_adapter_not_a_crash(admin: Admin) -> None:
    # R-SDK-1
    class NoProperties:
        name = PMS

    with Concierge.open(sandbox={}, pms=NoProperties()) as c:  # type: ignore[arg-type]
        with pytest.raises(ProviderError) as failed:
            c.list_pms_properties(admin)
    assert (failed.value.operation, failed.value.kind) == ("list_properties", "other")
    assert "AttributeError" in str(failed.value)


def test_a_record_of_the_wrong_shape_is_its_own_sync_error_and_the_others_land(admin: Admin) -> None:
    # R-SDK-1
    broken = dict(RESIDENTS[1])
    del broken["unit"]
    unreadable = {"unreadable": {"external": ext("r9"), "message": "row 9 has no name"}}
    pms = MemoryPms(residents=[RESIDENTS[0], broken, unreadable, RESIDENTS[2]])
    with Concierge.open(sandbox={}, pms=pms) as c:
        harbour, _ = linked(c, admin)

        run: SyncRun = c.sync_now(admin, harbour.id).run

        assert run.aborted is None
        assert (run.counts.seen, run.counts.created, run.counts.failed) == (4, 2, 2)
        assert external_ids(c, admin, harbour) == ["r1", "r3"]
        by_id = {e.external.id: e for e in run.errors if e.external}
        assert set(by_id) == {"r2", "r9"}
        assert by_id["r2"].kind == "unreadable_record" and "unit" in by_id["r2"].message
        assert by_id["r9"].message == "row 9 has no name"
        assert "Grace" not in by_id["r2"].message


def test_a_result_that_is_not_a_page_is_an_invalid_response_naming_the_field(admin: Admin) -> None:
    # R-SDK-1
    class Wrong(MemoryPms):
        def list_properties(self, request: Dict[str, Any]) -> Dict[str, Any]:
            return {"records": []}

    with Concierge.open(sandbox={}, pms=Wrong()) as c:
        with pytest.raises(ProviderError) as failed:
            c.list_pms_properties(admin)
    e = failed.value
    assert (e.provider, e.operation, e.kind, e.retryable) == (PMS, "list_properties", "invalid_response", False)
    assert "records" in str(e)


class Locks:
    """A key encoder that writes every key at once; `key_state` is an `async def`."""

    name = "py-locks"

    def __init__(self) -> None:
        self.calls: List[Tuple[str, Dict[str, Any]]] = []

    def list_encoders(self, request: Dict[str, Any]) -> Dict[str, Any]:
        self.calls.append(("list_encoders", request))
        encoder = {"external": {"provider": self.name, "id": "enc-1"}, "name": "Lobby", "online": True, "initialized": True}
        return {"encoders": [encoder]}

    def encode_key(self, request: Dict[str, Any]) -> Dict[str, Any]:
        self.calls.append(("encode_key", request))
        return {"key": {"provider": self.name, "id": f"key-{request['idempotency_key']}"}}

    async def key_state(self, request: Dict[str, Any]) -> Dict[str, Any]:
        self.calls.append(("key_state", request))
        return {"key": None, "state": "not_assigned"}

    def cancel_key(self, request: Dict[str, Any]) -> None:
        self.calls.append(("cancel_key", request))


def test_a_python_key_encoder_writes_a_key_with_the_intents_idempotency_key(admin: Admin) -> None:
    # R-SDK-1
    locks = Locks()
    with Concierge.open(sandbox={}, key_encoder=locks) as c:
        assert [(e.external.provider, e.external.id, e.name) for e in c.list_encoders(admin)] == [
            ("py-locks", "enc-1", "Lobby")
        ]
        prop = c.register_property(admin, "Keys", "keys")
        building = c.register_building(admin, prop.id, "A")
        place = c.register_unit(admin, building.id, "101")
        ada = c.move_in(admin, place.id, "Ada", "Key")

        key = c.make_key(admin, KeyHolder(kind="resident", id=ada.id), "enc-1")

        writes = [r for m, r in locks.calls if m == "encode_key"]
        assert len(writes) == 1
        write = writes[0]
        assert write["encoder"] == {"provider": "py-locks", "id": "enc-1"}
        assert write["idempotency_key"] and write["holder_ref"] and write["unit_ref"]
        assert write["deadline_seconds"] > 0
        assert (key.state, key.unit_id, key.encoder.id) == ("active", place.id, "enc-1")
        assert key.external is not None
        assert (key.external.provider, key.external.id) == ("py-locks", f"key-{write['idempotency_key']}")
        assert list(c.list_keys(admin, holder=KeyHolder(kind="resident", id=ada.id))) == [key]


class Slow(MemoryPms):
    """`list_units` blocks (like a slow vendor) until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def list_units(self, request: Dict[str, Any]) -> Dict[str, Any]:
        self.entered.set()
        self.release.wait(timeout=10)
        time.sleep(0.2)
        return super().list_units(request)


def test_a_slow_adapter_does_not_block_the_handle_for_other_threads(admin: Admin) -> None:
    # R-SDK-1
    pms = Slow()
    with Concierge.open(sandbox={}, pms=pms) as c:
        harbour, _ = linked(c, admin)
        runs: List[SyncRun] = []
        syncing = threading.Thread(target=lambda: runs.append(c.sync_now(admin, harbour.id).run))
        syncing.start()
        assert pms.entered.wait(timeout=10)

        # The adapter is inside list_units: the handle still answers this thread.
        started = time.monotonic()
        other = c.register_property(admin, "Elsewhere", "elsewhere")
        assert c.get_property(admin, other.id) == other
        assert not pms.release.is_set() and time.monotonic() - started < 5

        pms.release.set()
        syncing.join(timeout=10)
        assert [r.counts.created for r in runs] == [3]


async def test_a_slow_adapter_does_not_block_the_event_loop(admin: Admin) -> None:
    # R-SDK-1
    pms = Slow()
    c = await AsyncConcierge.open(sandbox={}, pms=pms)
    try:
        prop = await c.register_property(admin, "Harbour View", "harbour-view")
        prop = await c.link_pms_property(admin, prop.id, "p1")
        sync = asyncio.ensure_future(c.sync_now(admin, prop.id))
        ticks = 0
        while not pms.entered.is_set():
            await asyncio.sleep(0.01)
        # The adapter is inside list_units: this loop keeps running, other operations too.
        for _ in range(5):
            await asyncio.sleep(0.01)
            ticks += 1
        other = await c.register_property(admin, "Elsewhere", "elsewhere")
        assert (await c.get_property(admin, other.id)) == other
        assert ticks == 5 and not sync.done()

        pms.release.set()
        report = await asyncio.wait_for(sync, timeout=10)
        assert report.run.counts.created == 3
    finally:
        await c.close()


def test_the_adapters_are_typed_by_protocols() -> None:
    # R-SDK-1: the examples' classes satisfy the protocols (checked by mypy on this file too).
    pms: PmsAdapter = MemoryPms()
    locks: KeyEncoderAdapter = Locks()
    assert (pms.name, locks.name) == (PMS, "py-locks")


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    yield
    # The package's event loop is one daemon thread, whatever the number of calls.
    assert len([t for t in threading.enumerate() if t.name == "concierge-adapters"]) <= 1


class CarefulPms(MemoryPms):
    """The memory PMS, refusing a cursor it never issued."""

    def list_units(self, request: Dict[str, Any]) -> Dict[str, Any]:
        cursor = request["cursor"]
        if cursor is not None and not cursor.isdigit():
            raise concierge.provider_error("rejected", f"no cursor {cursor}")
        return super().list_units(request)


# R-SDK-1
def test_the_conformance_kit_passes_a_careful_python_pms_and_tells_a_careless_one_what_is_wrong() -> None:
    admin = Admin.full_access("desk-1", "desk")
    with Concierge.open(sandbox={}, pms=CarefulPms()) as c:
        report = c.check_pms_adapter(admin)
        assert report.provider == PMS
        assert report.failed == 0, [(x.name, x.detail) for x in report.checks]
        passed = {x.name for x in report.checks if x.outcome == "passed"}
        assert {"properties_page_through", "units_page_through", "residents_page_through", "unknown_cursor_refused"} <= passed

    # Careless: a resident lives in a unit its property's unit listing never showed.
    stray = [resident("r9", "p1", "u9", "Zed")]
    with Concierge.open(sandbox={}, pms=CarefulPms(residents=stray)) as c:
        told = c.check_pms_adapter(admin)
        failed = [x for x in told.checks if x.outcome == "failed"]
        assert [x.name for x in failed] == ["residents_page_through"], [(x.name, x.detail) for x in told.checks]
        assert "u9" in failed[0].detail


# R-SDK-1
def test_an_adapter_without_a_name_is_a_validation_error_naming_the_field() -> None:
    class Nameless:
        def list_properties(self, request: Dict[str, Any]) -> Dict[str, Any]:
            return {"items": [], "next": None}

    with pytest.raises(concierge.ValidationError) as raised:
        Concierge.open(sandbox={}, pms=Nameless())  # type: ignore[arg-type]
    assert "pms.name" in str(raised.value)
