"""Adapters written in Python (R-SDK-1): a PMS, a strata system, an intercom, a key encoder and a
mailer given to `Concierge.open` (and `AsyncConcierge.open`) as plain Python objects, called by
the engine like its own adapters, each request given as its generated record (attribute access,
datetimes as `datetime`, secrets out of the repr). Both plain and `async def` methods work from
both handles; what they raise arrives as a typed ProviderError; a record of the wrong shape is an
error of its own record, not of the run; a slow adapter blocks neither the handle nor the event
loop; the conformance kit checks each kind from Python."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import re
import threading
import time
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import pytest

import concierge
from concierge import (
    AdapterPage,
    Admin,
    AsyncConcierge,
    AdapterReport,
    AuthorizeArgs,
    CancelKeyRequest,
    Concierge,
    CreateVisitorPassRequest,
    EncodeKeyRequest,
    EnsurePlaceholderRequest,
    ExternalRef,
    GetIntercomBuildingRequest,
    GetStrataBuildingRequest,
    IntercomAdapter,
    IntercomBuilding,
    IntercomTenant,
    KeyEncoderAdapter,
    KeyHolder,
    KeyStateRequest,
    ListEncodersRequest,
    ListIntercomBuildingsRequest,
    ListIntercomTenantsRequest,
    ListPmsPropertiesRequest,
    ListPmsResidentsRequest,
    ListPmsUnitsRequest,
    ListStrataBuildingsRequest,
    ListStrataUsersRequest,
    MailerAdapter,
    PmsAdapter,
    PmsProperty,
    PmsResident,
    PmsUnit,
    PreflightRequest,
    Property,
    ProviderError,
    RevokeVisitorPassRequest,
    SendEmailArgs,
    StrataAdapter,
    StrataBuilding,
    StrataUser,
    SyncRun,
    TimeWindow,
    Unit,
)

PMS = "py-pms"


def ext(id: str) -> Dict[str, str]:
    return {"provider": PMS, "id": id}


def plain(ref: Optional[ExternalRef]) -> Optional[Dict[str, str]]:
    """A reference an adapter was given (a record) in the form its own lists keep (a dict)."""
    return None if ref is None else {"provider": ref.provider, "id": ref.id}


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


def page(
    items: List[Dict[str, Any]], cursor: Optional[str], properties: Optional[List[ExternalRef]] = None, size: int = 2
) -> AdapterPage[Any]:
    """One page of `items` of the `properties` a request names, from its cursor (an offset)."""
    wanted = {p.id for p in properties or []}
    items = [i for i in items if "property" not in i or i["property"]["id"] in wanted]
    start = int(cursor or 0)
    end = start + size
    return {"items": items[start:end], "next": str(end) if end < len(items) else None}


class MemoryPms:
    """A PMS serving the lists above, two records a page, remembering every call."""

    name = PMS

    def __init__(self, residents: Optional[List[Dict[str, Any]]] = None, properties_per_listing: int = 1) -> None:
        self.residents = RESIDENTS if residents is None else residents
        self.properties_per_listing = properties_per_listing
        self.calls: List[Tuple[str, Any, str]] = []

    def seen(self, method: str, request: object) -> None:
        self.calls.append((method, request, threading.current_thread().name))

    def asked(self, method: str) -> List[Any]:
        return [r for m, r, _ in self.calls if m == method]

    def list_properties(self, request: ListPmsPropertiesRequest) -> AdapterPage[PmsProperty]:
        self.seen("list_properties", request)
        return {"items": PROPERTIES[:], "next": None}

    def list_units(self, request: ListPmsUnitsRequest) -> AdapterPage[PmsUnit]:
        self.seen("list_units", request)
        return page(UNITS, request.cursor, request.properties)

    def list_residents(self, request: ListPmsResidentsRequest) -> AdapterPage[PmsResident]:
        self.seen("list_residents", request)
        return page(self.residents, request.cursor, request.properties)


class AsyncMemoryPms(MemoryPms):
    """The same PMS with `async def` methods."""

    async def list_properties(self, request: ListPmsPropertiesRequest) -> AdapterPage[PmsProperty]:  # type: ignore[override]
        await asyncio.sleep(0)
        return super().list_properties(request)

    async def list_units(self, request: ListPmsUnitsRequest) -> AdapterPage[PmsUnit]:  # type: ignore[override]
        await asyncio.sleep(0.01)
        return super().list_units(request)

    async def list_residents(self, request: ListPmsResidentsRequest) -> AdapterPage[PmsResident]:  # type: ignore[override]
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
        # Asked page by page, with the cursors the adapter gave, one property a listing: each
        # request a record of its own.
        assert all(isinstance(r, ListPmsResidentsRequest) for r in pms.asked("list_residents"))
        harbour_pages = [r for r in pms.asked("list_residents") if r.properties == [ExternalRef(provider=PMS, id="p1")]]
        assert harbour_pages == [
            ListPmsResidentsRequest(properties=[ExternalRef(provider=PMS, id="p1")], cursor=cursor, updated_since=None)
            for cursor in [None, "2"]
        ]
        assert all(len(r.properties) == 1 for r in pms.asked("list_units"))
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
        assert any(len(r.properties) == 2 for r in pms.asked("list_residents")), pms.asked("list_residents")


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

    def list_residents(self, request: ListPmsResidentsRequest) -> AdapterPage[PmsResident]:
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
        def list_properties(self, request: ListPmsPropertiesRequest) -> Any:
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
        self.calls: List[Tuple[str, Any]] = []

    def list_encoders(self, request: ListEncodersRequest) -> Dict[str, Any]:
        self.calls.append(("list_encoders", request))
        encoder = {"external": {"provider": self.name, "id": "enc-1"}, "name": "Lobby", "online": True, "initialized": True}
        return {"encoders": [encoder]}

    def encode_key(self, request: EncodeKeyRequest) -> Dict[str, Any]:
        self.calls.append(("encode_key", request))
        return {"key": {"provider": self.name, "id": f"key-{request.idempotency_key}"}}

    async def key_state(self, request: KeyStateRequest) -> Dict[str, Any]:
        self.calls.append(("key_state", request))
        return {"key": None, "state": "not_assigned"}

    def cancel_key(self, request: CancelKeyRequest) -> None:
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
        assert isinstance(write, EncodeKeyRequest)
        assert write.encoder == ExternalRef(provider="py-locks", id="enc-1")
        assert write.idempotency_key and write.holder_ref and write.unit_ref
        assert write.deadline_seconds > 0
        assert (key.state, key.unit_id, key.encoder.id) == ("active", place.id, "enc-1")
        assert key.external is not None
        assert (key.external.provider, key.external.id) == ("py-locks", f"key-{write.idempotency_key}")
        # `list_encoders` has nothing to ask: it is given an empty dict.
        listings = [r for m, r in locks.calls if m == "list_encoders"]
        assert listings and all(r == {} for r in listings)
        assert list(c.list_keys(admin, holder=KeyHolder(kind="resident", id=ada.id))) == [key]


class Slow(MemoryPms):
    """`list_units` blocks (like a slow vendor) until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def list_units(self, request: ListPmsUnitsRequest) -> AdapterPage[PmsUnit]:
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
    strata: StrataAdapter = MemoryStrata()
    intercom: IntercomAdapter = MemoryIntercom()
    mailer: MailerAdapter = MemoryMailer()
    assert (pms.name, locks.name, strata.name, intercom.name, mailer.name) == (
        PMS,
        "py-locks",
        STRATA,
        INTERCOM,
        MAILER,
    )


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    yield
    # The package's event loop is one daemon thread, whatever the number of calls.
    assert len([t for t in threading.enumerate() if t.name == "concierge-adapters"]) <= 1


class CarefulPms(MemoryPms):
    """The memory PMS, refusing a cursor it never issued."""

    def list_units(self, request: ListPmsUnitsRequest) -> AdapterPage[PmsUnit]:
        cursor = request.cursor
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
        def list_properties(self, request: ListPmsPropertiesRequest) -> AdapterPage[PmsProperty]:
            return {"items": [], "next": None}

    with pytest.raises(concierge.ValidationError) as raised:
        Concierge.open(sandbox={}, pms=Nameless())  # type: ignore[arg-type]
    assert "pms.name" in str(raised.value)


# R-SDK-1
@pytest.mark.parametrize("kind", ["strata", "intercom", "key_encoder", "mailer"])
def test_an_adapter_of_any_kind_without_a_name_is_refused_naming_its_kind(kind: str) -> None:
    class Nameless:
        pass

    with pytest.raises(concierge.ValidationError) as raised:
        Concierge.open(sandbox={}, **{kind: Nameless()})  # type: ignore[arg-type]
    assert f"{kind}.name" in str(raised.value)


# ---------------------------------------------------------------------------------------------
# Strata, intercom and mailer adapters.


def offset_page(items: List[Dict[str, Any]], cursor: Optional[str], size: int) -> AdapterPage[Any]:
    """One page of `items` from `cursor` (an offset this adapter issued); any other cursor is
    refused, as the conformance kit asks."""
    if cursor is not None and not cursor.isdigit():
        raise concierge.provider_error("rejected", "this cursor was never issued")
    start = int(cursor or 0)
    end = start + size
    return {"items": items[start:end], "next": str(end) if end < len(items) else None}


STRATA = "py-strata"


def sref(id: str) -> Dict[str, str]:
    return {"provider": STRATA, "id": id}


def strata_ref(id: str) -> ExternalRef:
    return ExternalRef(provider=STRATA, id=id)


def strata_user(
    id: str, building: str, name: str, lots: List[Tuple[str, Optional[str]]], types: List[str]
) -> Dict[str, Any]:
    first, last = name.split(" ", 1)
    return {
        "external": sref(id),
        "building": sref(building),
        "display_name": name,
        "first_name": first,
        "last_name": last,
        "email": f"{first.lower()}@example.com",
        "alt_emails": [],
        "mobile": None,
        "phone": None,
        "lots": [{"lot_number": n, "unit_number": u} for n, u in lots],
        "user_types": types,
        "tenancy": {"move_in": "2025-07-01", "move_out": None} if "tenant" in types else None,
        "warnings": [],
    }


STRATA_BUILDINGS: List[Dict[str, Any]] = [
    {"external": sref("b1"), "plan_number": "SP 1001", "name": "Harbour Strata", "address": "1 Quay St", "status": "active"},
    {"external": sref("b2"), "plan_number": "SP 1002", "name": "Hillside Strata", "address": None, "status": "active"},
]
STRATA_USERS = [
    strata_user("s1", "b1", "Ada Lovelace", [("1", "101")], ["owner_occupier", "committee"]),
    strata_user("s2", "b1", "Grace Hopper", [("2", "102")], ["tenant"]),
    strata_user("s3", "b1", "Edsger Dijkstra", [("3", None)], ["owner_occupier"]),
    strata_user("s4", "b2", "Barbara Liskov", [("1", "1")], ["owner_occupier"]),
]


class MemoryStrata:
    """A strata system serving the buildings and users above, remembering every call: buildings
    one a page, users two a page."""

    name = STRATA

    def __init__(self, users: Optional[List[Dict[str, Any]]] = None) -> None:
        self.buildings = STRATA_BUILDINGS
        self.users = STRATA_USERS if users is None else users
        self.calls: List[Tuple[str, Any]] = []

    def list_buildings(self, request: ListStrataBuildingsRequest) -> AdapterPage[StrataBuilding]:
        self.calls.append(("list_buildings", request))
        return offset_page(self.buildings, request.cursor, 1)

    def get_building(self, request: GetStrataBuildingRequest) -> Dict[str, Any]:
        self.calls.append(("get_building", request))
        for building in self.buildings:
            if building["external"] == plain(request.building):
                return building
        raise concierge.provider_error("not_found", "no such building")

    def list_users(self, request: ListStrataUsersRequest) -> AdapterPage[StrataUser]:
        self.calls.append(("list_users", request))
        users = [u for u in self.users if u["building"] == plain(request.building)]
        return offset_page(users, request.cursor, 2)


def test_a_python_strata_system_is_linked_and_imported_and_a_bad_record_is_its_own_error(admin: Admin) -> None:
    # R-SDK-1
    broken = strata_user("s9", "b1", "Zed Shaw", [("9", "109")], ["tenant"])
    del broken["lots"]
    strata = MemoryStrata(users=[*STRATA_USERS[:2], broken, *STRATA_USERS[2:]])
    with Concierge.open(sandbox={}, strata=strata) as c:
        listed = c.strata_provider_buildings(admin)
        assert [(b.external.provider, b.external.id, b.plan_number, b.status) for b in listed] == [
            (STRATA, "b1", "SP 1001", "active"),
            (STRATA, "b2", "SP 1002", "active"),
        ]
        prop = c.register_property(admin, "Harbour View", "harbour-view")

        roll = c.link_strata_building(admin, prop.id, "b1")

        assert (roll.name, roll.plan_number, roll.pending, roll.imported) == ("Harbour Strata", "SP 1001", 3, 0)
        # Read page by page, with the cursors the adapter gave.
        assert [r for m, r in strata.calls if m == "list_users"] == [
            ListStrataUsersRequest(building=strata_ref("b1"), cursor=None),
            ListStrataUsersRequest(building=strata_ref("b1"), cursor="2"),
        ]
        # The record without lots is an error of its own, naming the field; the run went on.
        run = roll.last_sync
        assert run is not None and run.aborted is None
        [error] = run.errors
        assert error.kind == "unreadable_record" and error.external is not None
        assert (error.external.provider, error.external.id) == (STRATA, "s9")
        assert "lots" in error.message
        assert [e.message for e in c.strata_errors(admin, roll.id)] == [error.message]
        pending = list(c.list_strata_users(admin, roll.id))
        assert sorted(m.user.external.id for m in pending) == ["s1", "s2", "s3"]

        report = c.import_strata_users(admin, roll.id, [m.id for m in pending])

        assert (len(report.residents), report.already_imported, report.failed) == (3, 0, [])
        residents = list(c.list_residents(admin, property_id=prop.id, source="strata"))
        assert sorted((r.first_name, r.last_name, r.email, r.status) for r in residents) == [
            ("Ada", "Lovelace", "ada@example.com", "pending_activation"),
            ("Edsger", "Dijkstra", "edsger@example.com", "pending_activation"),
            ("Grace", "Hopper", "grace@example.com", "pending_activation"),
        ]
        assert all(r.external is not None and r.external.provider == STRATA for r in residents)
        assert sorted(u.number for u in c.list_units(admin, prop.id)) == ["101", "102", "Lot 3"]
        # A later sync reads the building again, the bad record still its own error.
        again = c.sync_strata_building(admin, roll.id).run
        assert (again.aborted, again.listed, again.added_pending) == (None, 3, 0)
        assert [(e.kind, e.external.id if e.external else None) for e in again.errors] == [("unreadable_record", "s9")]


INTERCOM = "py-intercom"
CONSENT_CODE = "consent-code-42"
MAILBOX = "butterflymx@example.org"


def iref(id: str) -> Dict[str, str]:
    return {"provider": INTERCOM, "id": id}


def intercom_ref(id: str) -> ExternalRef:
    return ExternalRef(provider=INTERCOM, id=id)


class MemoryIntercom:
    """An intercom with `async def` methods: two buildings, two tenants in the first, visitor
    passes found again by their idempotency key on a retry; `fail_next` is raised by the next
    revocation."""

    name = INTERCOM
    consent_url = "https://intercom.example.com/consent"

    def __init__(self) -> None:
        self.buildings: List[Dict[str, Any]] = [
            {"external": iref("ib1"), "name": "Harbour Tower", "time_zone": "Australia/Sydney"},
            {"external": iref("ib2"), "name": "Test Building", "time_zone": None},
        ]
        self.units: Dict[Tuple[str, str], Dict[str, str]] = {}
        self.tenants: Dict[str, List[Dict[str, Any]]] = {
            "ib1": [
                {"external": iref("t1"), "name": "Ada Lovelace", "email": "ada@example.com", "unit_label": "101", "contact_preference": "phone_call"},
                {"external": iref("t2"), "name": "Grace Hopper", "email": None, "unit_label": "102", "contact_preference": "mobile_app"},
            ]
        }
        self.passes: Dict[str, Dict[str, Any]] = {}
        self.made: List[str] = []
        self.revoked: Set[str] = set()
        self.fail_next: Optional[Exception] = None
        self.calls: List[Tuple[str, Any, str]] = []

    def seen(self, method: str, request: object) -> None:
        self.calls.append((method, request, threading.current_thread().name))

    def asked(self, method: str) -> List[Any]:
        return [r for m, r, _ in self.calls if m == method]

    async def authorize(self, request: AuthorizeArgs) -> None:
        self.seen("authorize", request)
        if request.code != CONSENT_CODE:
            raise concierge.provider_error("rejected", "this consent code was never issued")

    async def list_buildings(self, request: ListIntercomBuildingsRequest) -> AdapterPage[IntercomBuilding]:
        self.seen("list_buildings", request)
        return offset_page(self.buildings, request.cursor, 1)

    async def get_building(self, request: GetIntercomBuildingRequest) -> Dict[str, Any]:
        self.seen("get_building", request)
        for building in self.buildings:
            if building["external"] == plain(request.building):
                return building
        raise concierge.provider_error("not_found", "no such building")

    async def ensure_placeholder(self, request: EnsurePlaceholderRequest) -> Dict[str, Any]:
        self.seen("ensure_placeholder", request)
        await asyncio.sleep(0)
        building = request.building.id
        key = (building, request.unit_label)
        created_unit = key not in self.units
        if created_unit:
            self.units[key] = iref(f"unit-{len(self.units) + 1}")
        tenants = self.tenants.setdefault(building, [])
        email = request.tenant_email.lower()
        found = [t for t in tenants if (t["email"] or "").lower() == email]
        created_tenant = not found
        if created_tenant:
            tenant = {
                "external": iref(f"{building}-t{len(tenants) + 1}"),
                "name": f"{request.tenant_first_name} {request.tenant_last_name}",
                "email": email,
                "unit_label": request.unit_label,
                "contact_preference": "mobile_app",
            }
            tenants.append(tenant)
            found = [tenant]
        return {
            "unit": self.units[key],
            "tenant": found[0]["external"],
            "created_unit": created_unit,
            "created_tenant": created_tenant,
        }

    async def preflight(self, request: PreflightRequest) -> Dict[str, Any]:
        self.seen("preflight", request)
        tenants = self.tenants.get(request.building.id, [])
        unit = request.unit is not None and plain(request.unit) in self.units.values()
        tenant = request.tenant is not None and any(t["external"] == plain(request.tenant) for t in tenants)
        return {
            "checks": [
                {"name": "manager_account_active", "passed": True, "detail": "the token is valid"},
                {"name": "integration_enabled", "passed": True, "detail": "enabled"},
                {"name": "placeholder_unit", "passed": unit, "detail": "found" if unit else "missing"},
                {"name": "placeholder_tenant", "passed": tenant, "detail": "found" if tenant else "missing"},
                {"name": "access_points", "passed": True, "detail": "2 doors"},
            ]
        }

    async def list_tenants(self, request: ListIntercomTenantsRequest) -> AdapterPage[IntercomTenant]:
        self.seen("list_tenants", request)
        return offset_page(self.tenants.get(request.building.id, []), request.cursor, 2)

    async def create_visitor_pass(self, request: CreateVisitorPassRequest) -> Dict[str, Any]:
        self.seen("create_visitor_pass", request)
        key = request.idempotency_key
        if request.retry and key in self.passes:
            return self.passes[key]
        n = len(self.made) + 1
        self.made.append(f"pass-{n}")
        made = {
            "external": iref(f"pass-{n}"),
            "key": iref(f"vkey-{n}"),
            "qr_code_url": f"https://intercom.example.com/qr/{n}.png",
            "instructions_url": f"https://intercom.example.com/p/{n}",
            # The window asked for, as given: a result may hold records too.
            "window": request.window,
        }
        self.passes[key] = made
        return made

    async def revoke_visitor_pass(self, request: RevokeVisitorPassRequest) -> None:
        self.seen("revoke_visitor_pass", request)
        if self.fail_next is not None:
            failure, self.fail_next = self.fail_next, None
            raise failure
        id = request.visitor_pass.id
        if id in self.revoked or id not in self.made:
            raise concierge.provider_error("not_found", "no such pass")
        self.revoked.add(id)


async def test_a_python_intercom_with_async_methods_runs_the_visitor_flow(admin: Admin) -> None:
    # R-SDK-1
    intercom = MemoryIntercom()
    c = await AsyncConcierge.open(sandbox={}, intercom=intercom)
    try:
        assert await c.intercom_consent_url(admin) == intercom.consent_url
        assert await c.connect_intercom(admin, CONSENT_CODE) is True
        assert intercom.asked("authorize") == [AuthorizeArgs(code=CONSENT_CODE)]
        assert [(b.external.id, b.name) for b in await c.intercom_buildings(admin)] == [
            ("ib1", "Harbour Tower"),
            ("ib2", "Test Building"),
        ]
        prop = await c.register_property(
            admin, "Harbour View", "harbour-view", settings={"visitors": {"placeholder_mailbox": MAILBOX}}
        )
        prop = await c.link_intercom_building(admin, prop.id, "ib1")
        assert prop.time_zone == "Australia/Sydney"

        site = await c.provision_visitor_site(admin, prop.id)
        again = await c.provision_visitor_site(admin, prop.id)

        assert (site.created_unit, site.created_tenant, again.created_unit, again.created_tenant) == (
            True,
            True,
            False,
            False,
        )
        assert again.placeholder_tenant == site.placeholder_tenant
        [placeholder, *_] = intercom.asked("ensure_placeholder")
        assert (placeholder.building, placeholder.tenant_email) == (intercom_ref("ib1"), site.tenant_email)
        preflight = await c.visitor_preflight(admin, prop.id)
        assert preflight.passed, preflight.checks
        assert [t.external.id for t in preflight.phone_call_tenants] == ["t1"]

        # 14:00-16:00 in Sydney (UTC+11) is 03:00-05:00 UTC: the adapter is asked for that.
        view = await c.create_visitor_pass(admin, prop.id, "Sam Visitor", "2026-01-06T14:00", "2026-01-06T16:00")

        assert view.state == "active" and view.external is not None
        assert (view.external.provider, view.external.id) == (INTERCOM, "pass-1")
        assert view.qr_code_url == "https://intercom.example.com/qr/1.png"
        [asked] = intercom.asked("create_visitor_pass")
        assert (asked.tenant.id, asked.visitor_name, asked.retry) == (
            site.placeholder_tenant.id,
            "Sam Visitor",
            False,
        )
        # The window is a record of `datetime`s.
        assert isinstance(asked.window, TimeWindow)
        assert (asked.window.starts_at, asked.window.ends_at) == (view.window.starts_at, view.window.ends_at)
        assert asked.window.starts_at == datetime.datetime(2026, 1, 6, 3, 0, tzinfo=datetime.timezone.utc)

        # What the adapter raises arrives typed, and the pass stays active.
        intercom.fail_next = concierge.provider_error("rate_limited", "slow down", retry_after_seconds=0.01)
        with pytest.raises(ProviderError) as failed:
            await c.revoke_visitor_pass(admin, view.id)
        e = failed.value
        assert (e.provider, e.operation, e.kind, e.retry_class, e.retryable) == (
            INTERCOM,
            "revoke_visitor_pass",
            "rate_limited",
            "throttled",
            True,
        )
        assert e.retry_after_seconds == pytest.approx(0.01)
        assert (await c.get_visitor_pass(admin, view.id)).state == "active"

        revoked = await c.revoke_visitor_pass(admin, view.id)

        assert revoked.state == "revoked" and intercom.revoked == {"pass-1"}
        # Every coroutine ran on the package's own event loop.
        assert {thread for _, _, thread in intercom.calls} == {"concierge-adapters"}
    finally:
        await c.close()


MAILER = "py-mailer"
EMAIL = "ada@example.org"


class MemoryMailer:
    """A mailer that keeps what it sends, one email per idempotency key; `failures` are raised
    by the next sends, in order."""

    name = MAILER

    def __init__(self, failures: Optional[List[Exception]] = None) -> None:
        self.failures = failures or []
        self.requests: List[SendEmailArgs] = []
        # idempotency key -> (the email, its message id)
        self.sent: Dict[str, Tuple[SendEmailArgs, str]] = {}

    def send(self, request: SendEmailArgs) -> Dict[str, Any]:
        self.requests.append(request)
        if self.failures:
            raise self.failures.pop(0)
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", request.to):
            raise concierge.provider_error("rejected", "the recipient is not an email address")
        key = request.idempotency_key
        if key not in self.sent:
            self.sent[key] = (request, f"<{len(self.sent) + 1}@{MAILER}>")
        return {"message_id": self.sent[key][1]}


def a_unit(c: Concierge, admin: Admin) -> Unit:
    prop = c.register_property(admin, "Harbour View", "harbour-view")
    building = c.register_building(admin, prop.id, "Tower A")
    return c.register_unit(admin, building.id, "1204", floor="12")


def test_a_python_mailer_sends_the_invitation_with_its_activation_link(admin: Admin) -> None:
    # R-SDK-1
    mailer = MemoryMailer()
    with Concierge.open(sandbox={}, mailer=mailer) as c:
        unit = a_unit(c, admin)

        ada = c.move_in(admin, unit.id, "Ada", "Lovelace", email=EMAIL, send_mobile_activation=True)

        assert ada.status == "pending_activation"
        [(sent, message_id)] = mailer.sent.values()
        assert (sent.to, message_id) == (EMAIL, f"<1@{MAILER}>")
        assert sent.sender and sent.subject and sent.idempotency_key
        link = re.search(r"token=(\S+)", sent.body)
        assert link is not None, sent.body
        controls = c.sandbox_controls
        assert controls is not None and controls.sent_emails() == []
        live = c.activate(link.group(1), accept_terms=True, password="correct horse battery staple")
        assert (live.id, live.status) == (ada.id, "live")


def test_an_unavailable_python_mailer_leaves_the_email_in_the_outbox_for_a_retry(admin: Admin) -> None:
    # R-SDK-1
    mailer = MemoryMailer(failures=[concierge.provider_error("unavailable", "the mail API is down")])
    with Concierge.open(sandbox={}, mailer=mailer) as c:
        controls = c.sandbox_controls
        assert controls is not None
        unit = a_unit(c, admin)

        ada = c.move_in(admin, unit.id, "Ada", "Lovelace", email=EMAIL, send_mobile_activation=True)

        assert ada.status == "pending_activation"
        assert (len(mailer.requests), mailer.sent) == (1, {})
        [entry] = c.list_outbox(admin, "pending")
        assert (entry.kind, entry.attempts) == ("activation_email", 1)
        assert entry.last_error is not None
        assert MAILER in entry.last_error and "the mail API is down" in entry.last_error
        assert c.dispatch_outbox().delivered == 0, "not due yet"

        controls.advance(hours=1)
        report = c.dispatch_outbox()

        assert (report.delivered, report.retrying, report.parked) == (1, 0, 0)
        assert [m.to for m, _ in mailer.sent.values()] == [EMAIL]
        first, second = mailer.requests
        assert first.idempotency_key == second.idempotency_key
        assert list(c.list_outbox(admin, "pending")) == []


def test_the_secrets_an_adapter_is_given_stay_out_of_its_requests_repr(admin: Admin) -> None:
    # R-SDK-1: an adapter that logs its request does not log an email's body (its activation
    # link) nor an intercom's consent code.
    mailer, intercom = MemoryMailer(), MemoryIntercom()
    with Concierge.open(sandbox={}, mailer=mailer, intercom=intercom) as c:
        unit = a_unit(c, admin)
        c.move_in(admin, unit.id, "Ada", "Lovelace", email=EMAIL, send_mobile_activation=True)
        assert c.connect_intercom(admin, CONSENT_CODE) is True

    [email] = mailer.requests
    link = re.search(r"https?://\S*token=\S+", email.body)
    assert link is not None, email.body
    shown = repr(email)
    assert email.to in shown and email.subject in shown
    assert link.group(0) not in shown and "token=" not in shown and "body=" not in shown
    assert "html_body=" not in shown and (email.html_body is None or email.html_body not in shown)
    [authorize] = intercom.asked("authorize")
    assert authorize.code == CONSENT_CODE
    assert CONSENT_CODE not in repr(authorize) and CONSENT_CODE not in str(authorize)


def shown_checks(report: AdapterReport) -> List[Tuple[str, str, str]]:
    return [(x.name, x.outcome, x.detail) for x in report.checks]


def failed_checks(report: AdapterReport) -> List[str]:
    return [x.name for x in report.checks if x.outcome == "failed"]


def test_the_conformance_kit_passes_well_behaved_python_strata_intercom_and_mailer_adapters(admin: Admin) -> None:
    # R-SDK-1
    intercom = MemoryIntercom()
    with Concierge.open(sandbox={}, strata=MemoryStrata(), intercom=intercom, mailer=MemoryMailer()) as c:
        strata = c.check_strata_adapter(admin, secrets=["py-strata-api-key"])
        doors = c.check_intercom_adapter(admin, "ib2", secrets=["py-intercom-client-secret"])
        mail = c.check_mailer_adapter(admin, "kit@example.com")

    for report, provider, expected in [
        (
            strata,
            STRATA,
            {"buildings_page_through", "building_read_as_listed", "users_page_through",
             "unknown_building_not_found", "unknown_cursor_refused", "secrets_stay_out_of_errors"},
        ),
        (
            doors,
            INTERCOM,
            {"buildings_page_through", "building_read_as_listed", "unknown_building_not_found",
             "made_up_consent_refused", "placeholder_once", "preflight_sees_placeholder", "pass_window_kept",
             "lost_reply_found_again", "revoke_twice_harmless", "unknown_cursor_refused",
             "secrets_stay_out_of_errors"},
        ),
        (mail, MAILER, {"send_once", "malformed_recipient_refused", "secrets_stay_out_of_errors"}),
    ]:
        assert report.provider == provider
        assert report.failed == 0, shown_checks(report)
        assert expected <= {x.name for x in report.checks if x.outcome == "passed"}, shown_checks(report)
    # The kit wrote on the building it was given, and revoked its pass.
    assert {b for b, _ in intercom.units} == {"ib2"} and intercom.revoked == {"pass-1"}


class LoopingStrata(MemoryStrata):
    """Gives its second page's cursor again: its listing of buildings never ends."""

    def list_buildings(self, request: ListStrataBuildingsRequest) -> AdapterPage[StrataBuilding]:
        if request.cursor not in (None, "again"):
            raise concierge.provider_error("rejected", "this cursor was never issued")
        return {"items": self.buildings[:1], "next": "again"}


class ForgetfulIntercom(MemoryIntercom):
    """Makes a second pass when asked again after a lost reply."""

    async def create_visitor_pass(self, request: CreateVisitorPassRequest) -> Dict[str, Any]:
        return await super().create_visitor_pass(dataclasses.replace(request, retry=False))


class LeakyMailer(MemoryMailer):
    """Puts the email it could not send, activation link included, in its error."""

    def send(self, request: SendEmailArgs) -> Dict[str, Any]:
        try:
            return super().send(request)
        except ProviderError:
            raise concierge.provider_error("rejected", f"cannot send {request.body!r} to {request.to!r}")


def test_the_conformance_kit_tells_a_careless_python_adapter_which_check_it_fails(admin: Admin) -> None:
    # R-SDK-1
    with Concierge.open(sandbox={}, strata=LoopingStrata(), intercom=ForgetfulIntercom(), mailer=LeakyMailer()) as c:
        strata = c.check_strata_adapter(admin)
        doors = c.check_intercom_adapter(admin, "ib1")
        mail = c.check_mailer_adapter(admin, "kit@example.com", secrets=["py-mailer-api-key"])

    assert failed_checks(strata) == ["buildings_page_through"], shown_checks(strata)
    assert "cursor an earlier page gave" in strata.checks[0].detail
    assert failed_checks(doors) == ["lost_reply_found_again"], shown_checks(doors)
    assert failed_checks(mail) == ["secrets_stay_out_of_errors"], shown_checks(mail)
    [leak] = [x for x in mail.checks if x.name == "secrets_stay_out_of_errors"]
    # The report says where, never the secret.
    assert "`send`" in leak.detail and "token=" not in leak.detail
