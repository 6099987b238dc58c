"""Smart keys on the sandbox encoder (R-KEY-1..4, R-PERM-2, R-PMS-4, R-PMS-7), mirroring
crates/concierge/tests/keys.rs."""

from __future__ import annotations

import asyncio
import datetime
import time
from typing import Iterable, Iterator

import pytest
from conftest import Place, fields, staff

from concierge import (
    Admin,
    AsyncConcierge,
    Concierge,
    ConflictError,
    EncoderInfo,
    ExternalRef,
    KeyHolder,
    KeyPreview,
    PermissionDeniedError,
    ProviderError,
    SandboxControls,
    SmartKey,
    ValidationError,
)

LOBBY = "ncoder-1"
LIVE = ("encoding", "active")


@pytest.fixture
def concierge() -> Iterator[Concierge]:
    # A write takes 5 ms (3 s by default); a reply is lost when it takes longer than 0.2 s.
    with Concierge.open(sandbox={"seed": 5, "key_write_time_ms": 5}, key_write_deadline_seconds=0.2) as concierge:
        yield concierge


def resident(resident_id: str) -> KeyHolder:
    return KeyHolder(kind="resident", id=resident_id)


def spare_holder(spare_id: str) -> KeyHolder:
    return KeyHolder(kind="spare", id=spare_id)


def live(keys: Iterable[SmartKey]) -> list[SmartKey]:
    return [k for k in keys if k.state in LIVE]


def test_the_encoders_are_listed(concierge: Concierge, admin: Admin) -> None:
    encoders = concierge.list_encoders(admin)

    assert [(e.external.id, e.name, e.online, e.initialized) for e in encoders] == [
        ("ncoder-1", "NCoder Lobby", True, True),
        ("ncoder-2", "NCoder Back Office", True, False),
    ]
    assert isinstance(encoders[0], EncoderInfo)
    assert encoders[0].external == ExternalRef(provider="sandbox-salto", id="ncoder-1")


def test_a_key_is_previewed_for_confirmation_then_written_on_the_chosen_encoder(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-KEY-1
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Key")

    preview = concierge.preview_key(admin, resident(ada.id), LOBBY)

    assert isinstance(preview, KeyPreview)
    assert (preview.holder, preview.holder_name) == (resident(ada.id), "Ada Key")
    assert preview.unit == place.unit
    assert preview.encoder.name == "NCoder Lobby"
    assert preview.replaces is None
    assert controls.encoder_keys_written() == 0, "a preview writes nothing"

    key = concierge.make_key(admin, resident(ada.id), LOBBY)

    assert (key.state, key.holder.kind, key.holder.id, key.unit_id, key.encoder.id) == (
        "active",
        "resident",
        ada.id,
        place.unit.id,
        LOBBY,
    )
    assert key.external is not None
    assert key.created_at.tzinfo is not None
    assert controls.encoder_keys_written() == 1
    assert list(concierge.list_keys(admin, holder=resident(ada.id))) == [key]


def test_encoder_failures_are_typed_and_leave_no_live_key(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-KEY-1
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Key")

    assert controls.set_encoder(LOBBY, card_present=False)
    with pytest.raises(ProviderError) as no_card:
        concierge.make_key(admin, resident(ada.id), LOBBY)
    assert (no_card.value.kind, no_card.value.operation, no_card.value.retryable) == ("no_card", "encode_key", False)

    controls.set_encoder(LOBBY, card_present=True)
    assert controls.set_encoder(LOBBY, online=False)
    with pytest.raises(ProviderError) as offline:
        concierge.make_key(admin, resident(ada.id), LOBBY)
    assert offline.value.kind == "device_offline"

    controls.set_encoder(LOBBY, online=True)
    controls.fail_next("encode_key", "rejected")
    with pytest.raises(ProviderError) as rejected:
        concierge.make_key(admin, resident(ada.id), LOBBY)
    assert rejected.value.kind == "rejected"

    assert live(concierge.list_keys(admin, unit_id=place.unit.id)) == []
    assert controls.encoder_keys_written() == 0
    assert not controls.set_encoder("no-such-encoder", online=False)
    # The encoder works again: the key is made.
    assert concierge.make_key(admin, resident(ada.id), LOBBY).state == "active"


def test_a_second_key_for_the_same_resident_and_unit_is_refused_unless_replacing(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-KEY-2
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Key")
    first = concierge.make_key(admin, resident(ada.id), LOBBY)

    with pytest.raises(ConflictError) as refused:
        concierge.make_key(admin, resident(ada.id), LOBBY)
    assert refused.value.code == "CONFLICT"
    assert first.id in str(refused.value), "the error names the existing key"
    assert (refused.value.conflict, refused.value.existing_id) == ("key_already_live", first.id)
    assert refused.value.retryable is False
    with pytest.raises(ConflictError):
        concierge.preview_key(admin, resident(ada.id), LOBBY)

    assert concierge.preview_key(admin, resident(ada.id), LOBBY, replace=True).replaces == first.id
    second = concierge.make_key(admin, resident(ada.id), LOBBY, replace=True)

    keys = {k.id: k for k in concierge.list_keys(admin, holder=resident(ada.id))}
    assert keys[first.id].state == "replaced"
    assert keys[second.id].state == "active"
    assert len(live(list(keys.values()))) == 1
    assert second.external != first.external
    # The lost card is cancelled in the lock system through the outbox.
    assert "cancel_key" in [e.kind for e in concierge.list_outbox(admin, "done")]


def test_a_resident_of_two_units_holds_two_keys_and_moving_out_of_one_keeps_the_other(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-KEY-3
    other_unit = concierge.register_unit(admin, place.building.id, "202")
    here = concierge.move_in(admin, place.unit.id, "Ada", "Key")
    there = concierge.move_in(admin, other_unit.id, "Ada", "Key")
    k1 = concierge.make_key(admin, resident(here.id), LOBBY)
    k2 = concierge.make_key(admin, resident(there.id), LOBBY)
    assert (k1.unit_id, k2.unit_id) == (place.unit.id, other_unit.id)
    assert k1.external != k2.external

    concierge.move_out(admin, there.id)

    [k1] = concierge.list_keys(admin, holder=resident(here.id))
    [k2] = concierge.list_keys(admin, holder=resident(there.id))
    assert (k1.state, k2.state) == ("active", "cancelled")
    assert list(concierge.list_keys(admin, unit_id=other_unit.id)) == [k2]


def test_a_retry_after_a_lost_reply_finishes_the_first_write_and_never_writes_a_second_key(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-KEY-4: the write takes longer than the SDK waits (0.2 s); the reply is lost, the key is
    # written anyway.
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Key")
    controls.set_encoder_write_time(400)

    with pytest.raises(ProviderError) as lost:
        concierge.make_key(admin, resident(ada.id), LOBBY)
    assert (lost.value.kind, lost.value.retryable) == ("timeout", True)
    [pending] = concierge.list_keys(admin, unit_id=place.unit.id)
    assert pending.state == "encoding", "the intent is recorded, the outcome unknown"

    time.sleep(0.5)
    key = concierge.make_key(admin, resident(ada.id), LOBBY)

    assert (key.id, key.state) == (pending.id, "active")
    assert controls.encoder_keys_written() == 1, "one key, not two"
    assert len(list(concierge.list_keys(admin, unit_id=place.unit.id))) == 1


def test_reconciling_after_a_lost_reply_records_the_key_without_writing_it_again(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-KEY-4
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Key")
    controls.set_encoder_write_time(400)
    with pytest.raises(ProviderError):
        concierge.make_key(admin, resident(ada.id), LOBBY)
    time.sleep(0.5)

    assert concierge.reconcile_keys() == 1
    assert concierge.reconcile_keys() == 0

    [key] = concierge.list_keys(admin, holder=resident(ada.id))
    assert key.state == "active"
    assert controls.encoder_keys_written() == 1


def test_a_read_only_admin_is_refused_before_the_encoder_is_called(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-PERM-2
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Key")
    reader = staff("Auditor", residence="read")
    before = (controls.calls("list_encoders"), controls.calls("encode_key"))

    for call in (concierge.make_key, concierge.preview_key):
        with pytest.raises(PermissionDeniedError) as refused:
            call(reader, resident(ada.id), LOBBY)
        assert (refused.value.permission, refused.value.required, refused.value.held) == ("residence", "full", "read")
        assert refused.value.action == call.__name__

    assert (controls.calls("list_encoders"), controls.calls("encode_key")) == before, "the encoder was not called"
    assert controls.encoder_keys_written() == 0
    assert list(concierge.list_keys(reader, holder=resident(ada.id))) == []
    key = concierge.make_key(admin, resident(ada.id), LOBBY)
    with pytest.raises(PermissionDeniedError):
        concierge.cancel_key(reader, key.id)
    with pytest.raises(PermissionDeniedError):
        concierge.list_encoders(staff("Nobody"))


def test_a_future_resident_gets_a_key_before_moving_in_and_a_moved_out_one_cannot(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-PMS-4
    later = controls.now().date() + datetime.timedelta(days=20)
    fay = concierge.move_in(admin, place.unit.id, "Fay", "Future", move_in=later)

    assert concierge.make_key(admin, resident(fay.id), LOBBY).state == "active"

    gus = concierge.move_in(admin, place.unit.id, "Gus", "Gone")
    concierge.move_out(admin, gus.id)
    with pytest.raises(ConflictError):
        concierge.make_key(admin, resident(gus.id), LOBBY)


def test_a_spare_key_belongs_to_a_spare_holder_of_the_unit_not_a_fake_resident(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-PMS-7
    spare = concierge.add_spare_holder(admin, place.unit.id, "Spare: cleaner")

    preview = concierge.preview_key(admin, spare_holder(spare.id), LOBBY)
    key = concierge.make_key(admin, spare_holder(spare.id), LOBBY)

    assert (preview.holder, preview.holder_name) == (spare_holder(spare.id), "Spare: cleaner")
    assert (key.holder.kind, key.holder.id, key.unit_id, key.state) == ("spare", spare.id, place.unit.id, "active")
    assert list(concierge.list_residents(admin, property_id=place.property.id)) == []
    assert list(concierge.list_keys(admin, holder=spare_holder(spare.id))) == [key]


def test_cancel_key_cancels_it_in_the_lock_system_and_only_once(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    spare = concierge.add_spare_holder(admin, place.unit.id, "Spare: cleaner")
    key = concierge.make_key(admin, spare_holder(spare.id), LOBBY)

    cancelled = concierge.cancel_key(admin, key.id)

    assert (cancelled.id, cancelled.state) == (key.id, "cancelled")
    assert controls.calls("cancel_key") == 1
    assert [e.kind for e in concierge.list_outbox(admin, "done")] == ["cancel_key"]
    with pytest.raises(ConflictError):
        concierge.cancel_key(admin, key.id)
    # A new key can be made once the old one is cancelled.
    assert concierge.make_key(admin, spare_holder(spare.id), LOBBY).state == "active"


def test_the_holder_is_a_kind_and_an_id_checked_by_the_core(
    concierge: Concierge, admin: Admin, place: Place
) -> None:
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Key")

    with pytest.raises(ValidationError) as no_id:
        concierge.make_key(admin, {"kind": "resident"}, LOBBY)
    with pytest.raises(ValidationError) as bad_kind:
        concierge.preview_key(admin, {"kind": "tenant", "id": ada.id}, LOBBY)
    with pytest.raises(ValidationError) as bad_filter:
        list(concierge.list_keys(admin, holder={"kind": "tenant", "id": ada.id}))
    with pytest.raises(TypeError):
        concierge.make_key(admin, resident(ada.id))  # type: ignore[call-arg]

    assert fields(no_id.value) == ["holder.id"]
    assert fields(bad_kind.value)[0].startswith("holder")
    assert fields(bad_filter.value)[0].startswith("holder")
    # A mapping is as good as a KeyHolder.
    assert concierge.make_key(admin, {"kind": "resident", "id": ada.id}, LOBBY).holder == resident(ada.id)


def test_the_key_write_deadline_must_be_a_positive_duration() -> None:
    from concierge import ValidationError

    for bad in (-1, 0):
        with pytest.raises(ValidationError) as refused:
            Concierge.open(sandbox={}, key_write_deadline_seconds=bad)
        assert fields(refused.value) == ["key_write_deadline_seconds"]
    with Concierge.open(sandbox={"seed": 3}, key_write_deadline_seconds=0.5) as concierge:
        assert repr(concierge) == "Concierge(store=memory, sandbox(seed=3))"


def test_the_async_handle_makes_keys_too() -> None:
    async def main() -> tuple[str, str, int]:
        async with await AsyncConcierge.open(sandbox={"seed": 5}) as concierge:
            controls = concierge.sandbox_controls
            assert controls is not None
            controls.set_encoder_write_time(5)
            admin = Admin.full_access("desk-1", "Front desk")
            prop = await concierge.register_property(admin, "Harbour View", "harbour-view")
            tower = await concierge.register_building(admin, prop.id, "Tower A")
            unit = await concierge.register_unit(admin, tower.id, "1204")
            ada = await concierge.move_in(admin, unit.id, "Ada", "Key")
            [lobby, _] = await concierge.list_encoders(admin)
            preview = await concierge.preview_key(admin, resident(ada.id), lobby.external.id)
            key = await concierge.make_key(admin, resident(ada.id), lobby.name)
            cancelled = await concierge.cancel_key(admin, key.id)
            assert [k async for k in concierge.list_keys(admin, unit_id=unit.id)] == [cancelled]
            return preview.holder_name, cancelled.state, await concierge.reconcile_keys()

    assert asyncio.run(main()) == ("Ada Key", "cancelled", 0)
