"""The PMS resident sync (R-PMS-1..8) on the sandbox PMS, mirroring crates/concierge/tests/sync.rs
at a smaller scale: link a property, sync it, change the sandbox PMS, sync again."""

from __future__ import annotations

import asyncio
import datetime
from dataclasses import dataclass
from typing import Optional

import pytest

from conftest import fields, staff

from concierge import (
    Admin,
    AsyncConcierge,
    Concierge,
    ConflictError,
    OccupancyPhase,
    PermissionDeniedError,
    PmsProperty,
    PmsResident,
    Property,
    ProviderError,
    Resident,
    SandboxControls,
    SpareHolder,
    SyncCounts,
    SyncError,
    SyncReport,
    SyncRun,
    ValidationError,
)

# Seed 21's first PMS property (pms-prop-1, "Harbour View") has six units in two towers and
# six residents, two of them future residents (as in the Rust tests).
SEED = 21
PMS_PROPERTY = "pms-prop-1"


@dataclass
class World:
    concierge: Concierge
    controls: SandboxControls
    admin: Admin
    property: Property

    def today(self) -> datetime.date:
        return self.controls.now().date()

    def pms_residents(self) -> list[PmsResident]:
        return self.controls.pms_residents(PMS_PROPERTY)

    def residents(self, phase: Optional[OccupancyPhase] = None) -> list[Resident]:
        return list(self.concierge.list_residents(self.admin, property_id=self.property.id, phase=phase))

    def by_external_id(self, external_id: str) -> Resident:
        [resident] = [
            r for r in self.residents() if r.external is not None and r.external.id == external_id
        ]
        return resident

    def sync(self) -> SyncRun:
        report = self.concierge.sync_now(self.admin, self.property.id)
        assert report.joined is False
        assert report.run.aborted is None
        return report.run


def world(*, future_resident_sync: bool = True) -> World:
    """A property registered by hand and linked to its PMS record, never synced."""
    concierge = Concierge.open(sandbox={"seed": SEED})
    controls = concierge.sandbox_controls
    assert controls is not None
    admin = Admin.full_access("desk-1", "Front desk")
    settings = {"future_resident_sync": future_resident_sync}
    prop = concierge.register_property(admin, "Harbour View", "harbour-view", settings=settings)
    prop = concierge.link_pms_property(admin, prop.id, PMS_PROPERTY)
    return World(concierge, controls, admin, prop)


def test_a_linked_property_is_synced_from_its_pms_record(admin: Admin) -> None:
    # R-PMS-1
    concierge = Concierge.open(sandbox={"seed": SEED})
    controls = concierge.sandbox_controls
    assert controls is not None
    prop = concierge.register_property(admin, "Harbour View", "harbour-view", settings={"future_resident_sync": True})
    assert prop.external is None

    pms_properties = concierge.list_pms_properties(admin)
    assert pms_properties == controls.pms_properties()
    first: PmsProperty = pms_properties[0]
    assert (first.external.provider, first.external.id, first.name) == ("sandbox-pms", PMS_PROPERTY, "Harbour View")
    linked = concierge.link_pms_property(admin, prop.id, first.external.id)
    assert linked.external == first.external
    assert concierge.get_property(admin, prop.id) == linked
    assert concierge.last_sync(admin, prop.id) is None
    assert list(concierge.sync_errors(admin, prop.id)) == []

    report = concierge.sync_now(admin, prop.id)

    listed = controls.pms_residents(PMS_PROPERTY)
    run = report.run
    assert isinstance(report, SyncReport) and isinstance(run.counts, SyncCounts)
    assert (report.joined, run.mode, run.property_id, run.aborted, run.errors) == (False, "full", prop.id, None, [])
    assert (run.counts.seen, run.counts.created, run.counts.failed) == (len(listed), len(listed), 0)
    assert run.finished_at == controls.now() and run.started_at <= run.finished_at
    assert concierge.last_sync(admin, prop.id) == run
    residents = list(concierge.list_residents(admin, property_id=prop.id, source="pms"))
    assert sorted((r.external.id, r.first_name, r.last_name) for r in residents if r.external) == sorted(
        (p.external.id, p.first_name, p.last_name) for p in listed
    )
    assert {r.external.provider for r in residents if r.external} == {"sandbox-pms"}
    assert len(concierge.list_units(admin, prop.id)) == 6
    assert sorted(b.name for b in concierge.list_buildings(admin, prop.id)) == ["Tower A", "Tower B"]
    # Another property may not take the same PMS record.
    other = concierge.register_property(admin, "Elsewhere", "elsewhere")
    with pytest.raises(ConflictError):
        concierge.link_pms_property(admin, other.id, PMS_PROPERTY)


def test_a_rename_and_a_removal_in_the_pms_are_one_update_and_one_move_out() -> None:
    # R-PMS-1
    w = world()
    w.sync()
    listed = w.pms_residents()
    renamed, dropped = listed[0].external.id, listed[1].external.id

    w.controls.pms_update_resident(renamed, last_name="Renamed")
    w.controls.pms_remove_resident(dropped)
    run = w.sync()

    assert (run.counts.updated, run.counts.moved_out, run.counts.created) == (1, 1, 0)
    assert w.by_external_id(renamed).last_name == "Renamed"
    gone = w.by_external_id(dropped)
    assert gone.move_out == w.today()
    assert gone.id in [r.id for r in w.residents(phase="past")]
    assert gone.id not in [r.id for r in w.residents(phase="current")]
    assert dropped not in [r.external.id for r in w.pms_residents()]


def test_an_unchanged_resync_counts_every_record_as_unchanged() -> None:
    # R-PMS-1
    w = world()
    w.sync()
    before = w.residents()

    run = w.sync()

    assert run.counts.unchanged == run.counts.seen == len(w.pms_residents())
    assert (run.counts.created, run.counts.updated, run.counts.moved_out, run.counts.failed) == (0, 0, 0, 0)
    assert w.residents() == before


def test_future_residents_are_imported_as_future_when_future_sync_is_on() -> None:
    # R-PMS-2
    w = world(future_resident_sync=True)
    expected = sorted(r.external.id for r in w.pms_residents() if r.move_in and r.move_in > w.today())
    assert len(expected) == 2

    run = w.sync()

    future = w.residents(phase="future")
    assert sorted(r.external.id for r in future if r.external) == expected
    assert all(r.move_in is not None and r.move_in > w.today() for r in future)
    assert run.counts.deferred == 0
    # Their move-in date arrives; the PMS sends nothing new.
    first = min(future, key=lambda r: r.move_in or w.today())
    assert first.move_in is not None
    w.controls.advance(days=(first.move_in - w.today()).days)
    assert first.id in [r.id for r in w.residents(phase="current")]


def test_with_future_sync_off_future_residents_are_deferred_until_their_move_in_date() -> None:
    # R-PMS-2
    w = world(future_resident_sync=False)
    listed = w.pms_residents()
    future_count = sum(1 for r in listed if r.move_in and r.move_in > w.today())

    run = w.sync()

    assert run.counts.deferred == future_count == 2
    assert run.counts.created == len(listed) - future_count
    assert w.residents(phase="future") == []
    latest = max(r.move_in for r in listed if r.move_in)
    w.controls.advance(days=(latest - w.today()).days)
    run = w.sync()
    assert (run.counts.created, run.counts.deferred) == (future_count, 0)
    assert len(w.residents()) == len(listed)


@pytest.mark.parametrize("auto_grant", [True, False])
def test_mobile_access_at_move_in_follows_the_property_setting(auto_grant: bool) -> None:
    # R-PMS-3
    w = world()
    settings = {"future_resident_sync": True, "auto_grant_mobile_access": auto_grant}
    w.concierge.update_property_settings(w.admin, w.property.id, settings)

    w.sync()

    current = w.residents(phase="current")
    assert len(current) == 4
    assert [r.mobile_access_granted for r in current] == [auto_grant] * 4
    assert [r.mobile_access_granted for r in w.residents(phase="future")] == [False, False]
    # A future resident's move-in date arrives: the next sync grants access if the property does.
    first = min(w.residents(phase="future"), key=lambda r: r.move_in or w.today())
    assert first.move_in is not None
    w.controls.advance(days=(first.move_in - w.today()).days)
    w.sync()
    assert w.concierge.get_resident(w.admin, first.id).mobile_access_granted is auto_grant


def test_records_that_cannot_be_applied_become_typed_sync_errors_replaced_by_the_next_run() -> None:
    # R-PMS-5
    w = world()
    listed = w.pms_residents()
    no_name, bad_email = listed[0].external.id, listed[1].external.id
    w.controls.pms_update_resident(no_name, first_name=" ")
    w.controls.pms_update_resident(bad_email, email="nope@")
    w.controls.pms_add_unreadable(PMS_PROPERTY, "the record is not JSON")

    run = w.sync()

    by_kind = {e.kind: e for e in run.errors}
    assert sorted(by_kind) == ["invalid_email", "invalid_name", "unreadable_record"]
    assert (run.counts.failed, run.counts.created, run.counts.seen) == (3, len(listed) - 2, len(listed) + 1)
    named = by_kind["invalid_name"].external
    assert named is not None and (named.provider, named.id) == ("sandbox-pms", no_name)
    assert (by_kind["invalid_name"].field, by_kind["invalid_email"].field) == ("name", "email")
    assert by_kind["unreadable_record"].external is None
    assert by_kind["unreadable_record"].message == "the record is not JSON"
    assert all("nope@" not in e.message and listed[0].last_name not in e.message for e in run.errors)
    assert all(isinstance(e, SyncError) for e in run.errors)
    assert list(w.concierge.sync_errors(w.admin, w.property.id)) == run.errors

    # The PMS's staff fix the name: the next run's list replaces this one.
    w.controls.pms_update_resident(no_name, first_name="Named")
    run = w.sync()
    assert sorted(e.kind for e in w.concierge.sync_errors(w.admin, w.property.id)) == [
        "invalid_email",
        "unreadable_record",
    ]
    assert run.counts.created == 1
    assert w.by_external_id(no_name).first_name == "Named"


def test_an_admin_moves_a_resident_out_by_hand() -> None:
    # R-MOVE-1, R-PMS-8
    w = world()
    w.sync()
    resident = w.residents(phase="current")[0]

    with pytest.raises(ValidationError) as refused:
        w.concierge.move_out(w.admin, resident.id, on=datetime.date(2000, 1, 1))
    assert fields(refused.value) == ["move_out"]
    later = w.today() + datetime.timedelta(days=7)
    planned = w.concierge.move_out(w.admin, resident.id, on=later)
    assert planned.move_out == later
    assert resident.id in [r.id for r in w.residents(phase="current")]

    out = w.concierge.move_out(w.admin, resident.id)

    assert out.move_out == w.today()
    assert out.mobile_access_granted is False
    assert resident.id in [r.id for r in w.residents(phase="past")]
    with pytest.raises(ConflictError):
        w.concierge.move_out(w.admin, resident.id)
    reader = staff("Reader", residence="read")
    with pytest.raises(PermissionDeniedError) as denied:
        w.concierge.move_out(reader, w.residents(phase="current")[0].id)
    assert (denied.value.action, denied.value.required) == ("move_out", "full")


def test_spare_holders_and_manual_residents_survive_a_sync_that_drops_everyone() -> None:
    # R-PMS-7
    w = world()
    w.sync()
    unit = w.concierge.list_units(w.admin, w.property.id)[0]
    minor = w.concierge.move_in(w.admin, unit.id, "Tom", "Minor", role="occupant")
    spare = w.concierge.add_spare_holder(w.admin, unit.id, "Spare: cleaner")
    assert isinstance(spare, SpareHolder)
    assert (spare.unit_id, spare.label) == (unit.id, "Spare: cleaner")
    with pytest.raises(ValidationError) as refused:
        w.concierge.add_spare_holder(w.admin, unit.id, "  ")
    assert fields(refused.value) == ["label"]
    listed = w.pms_residents()
    for record in listed:
        w.controls.pms_remove_resident(record.external.id)

    run = w.sync()

    assert run.counts.moved_out == len(listed)
    assert w.concierge.get_resident(w.admin, minor.id).move_out is None
    assert [r.id for r in w.residents(phase="current")] == [minor.id]
    assert list(w.concierge.list_spare_holders(w.admin, unit.id)) == [spare]


def test_sync_now_needs_full_integrations_access_and_a_linked_property() -> None:
    # R-PMS-6
    w = world()
    desk = staff("Desk", residence="full", integrations="read")

    with pytest.raises(PermissionDeniedError) as denied:
        w.concierge.sync_now(desk, w.property.id)

    err = denied.value
    assert (err.action, err.permission, err.required, err.held) == ("sync_now", "integrations", "full", "read")
    assert w.controls.calls("list_residents") == w.controls.calls("list_units") == 0
    assert w.concierge.last_sync(desk, w.property.id) is None
    with pytest.raises(PermissionDeniedError):
        w.concierge.list_pms_properties(staff("Desk", residence="full"))
    with pytest.raises(PermissionDeniedError):
        w.concierge.link_pms_property(desk, w.property.id, PMS_PROPERTY)
    unlinked = w.concierge.register_property(w.admin, "Manual", "manual")
    with pytest.raises(ValidationError) as refused:
        w.concierge.sync_now(w.admin, unlinked.id)
    assert fields(refused.value) == ["property"]
    with pytest.raises(ValidationError) as bad_mode:
        w.concierge.sync_property(w.admin, w.property.id, mode="partial")  # type: ignore[arg-type]
    assert fields(bad_mode.value) == ["mode"]


def test_a_pms_that_keeps_failing_aborts_the_run_without_moving_anyone_out() -> None:
    # R-PMS-6
    w = world()
    w.sync()
    before = w.residents()
    for _ in range(3):
        w.controls.fail_next("list_residents", "unavailable")

    with pytest.raises(ProviderError) as failed:
        w.concierge.sync_now(w.admin, w.property.id)

    err = failed.value
    assert (err.code, err.provider, err.operation, err.kind, err.retryable) == (
        "PROVIDER",
        "sandbox-pms",
        "list_residents",
        "unavailable",
        True,
    )
    assert err.request_id == "sandbox-list_residents"
    last = w.concierge.last_sync(w.admin, w.property.id)
    assert last is not None and last.aborted is not None
    assert "sandbox-pms list_residents failed" in last.aborted
    assert last.finished_at is not None
    assert w.residents() == before
    # The PMS is back: the next run completes.
    assert w.sync().counts.unchanged == len(w.pms_residents())


def test_an_incremental_sync_never_moves_anyone_out_and_a_full_one_does() -> None:
    # R-PMS-1, R-PMS-6
    w = world()
    w.sync()
    dropped = w.pms_residents()[0].external.id
    w.controls.pms_remove_resident(dropped)
    w.controls.advance(minutes=30)

    report = w.concierge.sync_property(w.admin, w.property.id, mode="incremental")

    assert (report.run.mode, report.run.counts.moved_out) == ("incremental", 0)
    assert w.by_external_id(dropped).move_out is None
    assert w.sync().counts.moved_out == 1


def test_run_due_syncs_syncs_a_linked_property_every_four_hours() -> None:
    # R-PMS-6
    w = world()
    unlinked = w.concierge.register_property(w.admin, "Manual", "manual")

    [first] = w.concierge.run_due_syncs()
    assert first.run.property_id == w.property.id and first.run.counts.created > 0
    assert w.concierge.run_due_syncs() == []
    w.controls.advance(hours=3, minutes=59)
    assert w.concierge.run_due_syncs() == []
    w.controls.advance(minutes=1)
    [again] = w.concierge.run_due_syncs()
    assert again.run.property_id == w.property.id and again.run.id != first.run.id
    assert w.concierge.last_sync(w.admin, w.property.id) == again.run
    assert w.concierge.last_sync(w.admin, unlinked.id) is None


def test_sync_all_and_sync_properties_sync_a_portfolio_as_one_run() -> None:
    # R-PMS-1, R-PMS-6: one report per property, each with its own run and counts.
    w = world()
    second = w.concierge.register_property(w.admin, "Parkside", "parkside", settings={"future_resident_sync": True})
    [_, other] = w.controls.pms_properties()[:2]
    second = w.concierge.link_pms_property(w.admin, second.id, other.external.id)
    unlinked = w.concierge.register_property(w.admin, "Manual", "manual")

    reports = w.concierge.sync_all(w.admin)
    by_property = {r.run.property_id: r.run for r in reports}
    assert set(by_property) == {w.property.id, second.id}
    for prop_id, pms_id in [(w.property.id, PMS_PROPERTY), (second.id, other.external.id)]:
        run = by_property[prop_id]
        assert run.aborted is None
        assert run.counts.seen == len(w.controls.pms_residents(pms_id))
        assert run.counts.created == len(
            list(w.concierge.list_residents(w.admin, property_id=prop_id))
        )

    again = w.concierge.sync_properties(w.admin, [second.id, w.property.id], mode="incremental")
    assert [r.run.property_id for r in again] == [second.id, w.property.id]
    assert all(r.run.mode == "incremental" and r.run.counts.created == 0 for r in again)

    with pytest.raises(ValidationError) as e:
        w.concierge.sync_properties(w.admin, [w.property.id, unlinked.id])
    assert e.value.code == "VALIDATION" and [i.field for i in e.value.issues] == ["property_ids"]
    with pytest.raises(ValidationError):
        w.concierge.sync_properties(w.admin, [])
    with pytest.raises(PermissionDeniedError):
        w.concierge.sync_all(staff("Desk", residence="full"))


def test_the_sandbox_pms_controls_read_and_change_the_pms(controls: SandboxControls) -> None:
    # R-PMS-1
    [first, second] = controls.pms_properties()
    residents = controls.pms_residents(first.external.id)
    record = residents[0]
    assert (first.external.id, second.external.id) == ("pms-prop-1", "pms-prop-2")
    assert record.external.id.startswith("pms-res-1-") and record.unit.id.startswith("pms-unit-1-")
    assert isinstance(record, PmsResident) and record.email is not None

    assert controls.pms_update_resident(
        record.external.id, first_name="Ada", email="ada@example.org", move_out=datetime.date(2030, 1, 1)
    )
    changed = controls.pms_residents(first.external.id)[0]
    assert (changed.first_name, changed.last_name, changed.email, changed.move_out) == (
        "Ada",
        record.last_name,
        "ada@example.org",
        datetime.date(2030, 1, 1),
    )
    assert controls.pms_add_unreadable(first.external.id, "garbled")
    assert len(controls.pms_residents(first.external.id)) == len(residents), "unreadable records are not listed"
    assert controls.pms_remove_resident(record.external.id)
    assert len(controls.pms_residents(first.external.id)) == len(residents) - 1
    # Unknown ids change nothing and say so.
    assert controls.pms_residents("pms-prop-9") == []
    assert not controls.pms_add_unreadable("pms-prop-9", "garbled")
    assert not controls.pms_update_resident("pms-res-9", first_name="X")
    assert not controls.pms_remove_resident(record.external.id)


def test_sync_records_are_frozen() -> None:
    # R-SDK-5
    w = world()
    report = w.concierge.sync_now(w.admin, w.property.id)
    unit = w.concierge.list_units(w.admin, w.property.id)[0]
    spare = w.concierge.add_spare_holder(w.admin, unit.id, "Spare: cleaner")
    pms = w.concierge.list_pms_properties(w.admin)[0]

    assert (report.joined, report.run.mode, report.run.property_id, report.run.counts.seen) == (False, "full", w.property.id, 6)
    assert (spare.unit_id, spare.label) == (unit.id, "Spare: cleaner")
    assert (pms.external.provider, pms.external.id, pms.name) == ("sandbox-pms", "pms-prop-1", "Harbour View")
    w.controls.pms_add_unreadable(PMS_PROPERTY, "garbled")
    [error] = w.sync().errors
    assert (error.kind, error.external, error.field, error.message) == ("unreadable_record", None, None, "garbled")
    for record, attribute in ((report, "joined"), (report.run, "aborted"), (report.run.counts, "seen"), (spare, "label"), (error, "kind")):
        with pytest.raises(AttributeError):
            setattr(record, attribute, None)


async def test_the_async_handle_syncs_and_a_second_trigger_joins_the_running_sync() -> None:
    # R-SDK-5, R-PMS-6
    concierge = await AsyncConcierge.open(sandbox={"seed": SEED})
    controls = concierge.sandbox_controls
    assert controls is not None
    admin = Admin.full_access("desk-1", "Front desk")
    prop = await concierge.register_property(admin, "Harbour View", "harbour-view")
    [pms, _] = await concierge.list_pms_properties(admin)
    await concierge.link_pms_property(admin, prop.id, pms.external.id)
    controls.set_latency("list_residents", 150)

    a, b = await asyncio.gather(concierge.sync_now(admin, prop.id), concierge.sync_now(admin, prop.id))

    assert sorted([a.joined, b.joined]) == [False, True], "one ran, the other joined it"
    assert a.run == b.run
    assert controls.calls("list_residents") == 1
    assert await concierge.last_sync(admin, prop.id) == a.run
    assert [e async for e in concierge.sync_errors(admin, prop.id)] == []
    assert await concierge.run_due_syncs() == []
    controls.set_latency("list_residents", 0)
    resident = [r async for r in concierge.list_residents(admin, property_id=prop.id, phase="current")][0]
    out = await concierge.move_out(admin, resident.id)
    assert out.move_out == controls.now().date()
    unit = (await concierge.list_units(admin, prop.id))[0]
    spare = await concierge.add_spare_holder(admin, unit.id, "Spare: cleaner")
    assert [h async for h in concierge.list_spare_holders(admin, unit.id)] == [spare]
    await concierge.close()
