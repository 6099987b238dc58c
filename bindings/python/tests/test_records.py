"""Records, admins and settings cross the boundary as typed, read-only Python values."""

from __future__ import annotations

import dataclasses
import datetime
import os
import select

import pytest
from conftest import Place, fields, sandbox, staff

from concierge import (
    Admin,
    Amenity,
    Concierge,
    InvitationEmailSettings,
    Permissions,
    PropertySettings,
    SandboxControls,
    ValidationError,
)


def test_instants_are_utc_aware_datetimes_and_dates_are_dates(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email="ada@example.org", send_mobile_activation=True)

    now = controls.now()
    assert now == datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.timezone.utc)
    assert now.utcoffset() == datetime.timedelta(0)
    assert place.property.created_at == now
    assert ada.invited_at == now
    assert ada.activation_expires_at == now + datetime.timedelta(days=7)
    assert ada.move_in == now.date() and type(ada.move_in) is datetime.date
    assert ada.move_out is None and ada.activated_at is None


def test_the_clock_moves_only_when_advanced(controls: SandboxControls) -> None:
    start = controls.now()

    controls.advance(days=1, hours=2, minutes=3, seconds=4)

    assert controls.now() - start == datetime.timedelta(days=1, hours=2, minutes=3, seconds=4)


def test_records_are_read_only(concierge: Concierge, admin: Admin, place: Place) -> None:
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace")

    with pytest.raises(AttributeError):
        ada.status = "live"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        place.unit.number = "1"  # type: ignore[misc]
    assert concierge.get_resident(admin, ada.id) == ada


def test_admins_are_the_hosts_staff_with_levels_per_area() -> None:
    # R-PERM-1, R-PERM-2
    desk = staff("Desk", residence="full")
    full = Admin.full_access("boss-1", "Boss")

    assert (desk.id, desk.name, desk.permissions) == ("desk", "Desk", Permissions(integrations="none", residence="full"))
    assert (full.id, full.name) == ("boss-1", "Boss")
    assert (full.permissions.integrations, full.permissions.residence) == ("full", "full")
    assert Admin(id="x", name="X").permissions == Permissions()
    assert "residence='full'" in repr(desk)
    with pytest.raises(AttributeError):
        desk.name = "Boss"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Admin("Desk")  # type: ignore[call-arg]


def test_a_bad_access_level_is_a_validation_error_naming_the_admins_field(
    concierge: Concierge, admin: Admin
) -> None:
    # R-PERM-1
    owner = Admin(id="desk", name="Desk", permissions=Permissions(residence="owner"))  # type: ignore[arg-type]

    with pytest.raises(ValidationError) as refused:
        concierge.list_properties(owner)

    assert fields(refused.value) == ["admin.permissions.residence"]


DEFAULT_INTERVAL = 4 * 60 * 60


def test_property_settings_default_as_the_sdk_does_and_round_trip(concierge: Concierge, admin: Admin) -> None:
    # R-PMS-6, R-MOVE-3, R-STRATA-3
    default = concierge.register_property(admin, "Default", "default").settings
    chosen = {
        "future_resident_sync": True,
        "sync_interval": 3600,
        "amenities": [{"id": "amen_pool", "name": "Pool"}],
        "invitation_email": {"sender": "Desk <desk@example.org>", "subject": "Welcome, {{ first_name }}"},
    }

    prop = concierge.register_property(admin, "Harbour View", "harbour-view", settings=chosen)

    assert isinstance(default, PropertySettings) and isinstance(default.invitation_email, InvitationEmailSettings)
    assert default.sync_interval == DEFAULT_INTERVAL
    assert default.amenities == [] and default.future_resident_sync is False
    assert "{{ activation_link }}" in default.invitation_email.body
    assert prop.settings.future_resident_sync is True
    assert prop.settings.sync_interval == 3600
    assert prop.settings.invitation_email.sender == "Desk <desk@example.org>"
    assert prop.settings.invitation_email.subject == "Welcome, {{ first_name }}"
    assert prop.settings.invitation_email.body == default.invitation_email.body
    [pool] = prop.settings.amenities
    assert (pool.id, pool.name) == ("amen_pool", "Pool")
    assert concierge.get_property(admin, prop.id) == prop

    # A settings record read back is accepted as it is, with changes made by dataclasses.replace.
    updated = concierge.update_property_settings(
        admin,
        prop.id,
        dataclasses.replace(
            prop.settings,
            amenities=[pool, Amenity(id="amen_gym", name="Gym")],
            auto_grant_mobile_access=True,
        ),
    )

    assert [a.name for a in updated.settings.amenities] == ["Pool", "Gym"]
    assert updated.settings.amenities[0] == pool
    assert updated.settings.auto_grant_mobile_access is True
    assert updated.settings.invitation_email == prop.settings.invitation_email
    assert updated.version > prop.version
    assert sorted(p.id for p in concierge.list_properties(admin)) == sorted([default_id(concierge, admin), prop.id])
    assert updated in concierge.list_properties(admin)


def default_id(concierge: Concierge, admin: Admin) -> str:
    [prop] = [p for p in concierge.list_properties(admin) if p.site_name == "default"]
    return prop.id


def test_the_invitation_sender_may_be_given_as_from(concierge: Concierge, admin: Admin) -> None:
    # R-STRATA-3: `from` (a Python keyword) was renamed `sender`; stored settings keep the alias.
    prop = concierge.register_property(
        admin, "Harbour View", "harbour-view", settings={"invitation_email": {"from": "Desk <desk@example.org>"}}
    )

    assert prop.settings.invitation_email.sender == "Desk <desk@example.org>"


def test_invalid_settings_are_refused_naming_each_field(concierge: Concierge, admin: Admin) -> None:
    bad = {"sync_interval": 60, "invitation_email": {"body": "no link", "activation_url": "ftp://x"}}

    with pytest.raises(ValidationError) as refused:
        concierge.register_property(admin, "Harbour View", "harbour-view", settings=bad)

    assert fields(refused.value) == [
        "settings.sync_interval",
        "settings.invitation_email.body",
        "settings.invitation_email.activation_url",
    ]
    assert concierge.list_properties(admin) == []


def test_bad_filter_values_are_validation_errors_on_their_field(
    concierge: Concierge, admin: Admin, place: Place
) -> None:
    for name, value in (("status", "asleep"), ("phase", "someday"), ("source", "rumour")):
        with pytest.raises(ValidationError) as refused:
            list(concierge.list_residents(admin, **{name: value}))  # type: ignore[arg-type]
        assert fields(refused.value) == [name]
    with pytest.raises(ValidationError, match="must be one of") as role:
        concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", role="landlord")  # type: ignore[arg-type]
    assert fields(role.value) == ["role"]
    assert list(concierge.list_residents(admin)) == []


def test_an_unknown_keyword_reaches_the_core_and_is_refused_naming_it(
    concierge: Concierge, admin: Admin, place: Place
) -> None:
    with pytest.raises(ValidationError, match="is not a known field") as refused:
        concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", unit="unit_2")

    assert fields(refused.value) == ["unit"]
    assert list(concierge.list_residents(admin)) == []


def test_booleans_are_never_positional(concierge: Concierge) -> None:
    with pytest.raises(TypeError):
        concierge.activate("token", True)  # type: ignore[misc]


def test_listings_are_paged(concierge: Concierge, admin: Admin, place: Place) -> None:
    for n in range(5):
        concierge.move_in(admin, place.unit.id, "Resident", f"Number{n}")

    pages = list(concierge.list_residents(admin, limit=2).pages())

    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert pages[-1].next_cursor is None and pages[0].next_cursor is not None
    assert [r.id for p in pages for r in p.items] == [r.id for r in concierge.list_residents(admin, limit=2)]
    rest = list(concierge.list_residents(admin, limit=2, cursor=pages[0].next_cursor))
    assert [r.id for r in rest] == [r.id for p in pages[1:] for r in p.items]
    with pytest.raises(ValidationError) as zero:
        list(concierge.list_residents(admin, limit=0))
    assert fields(zero.value) == ["limit"]


def test_a_production_handle_has_no_sandbox_controls() -> None:
    concierge = Concierge.open(smtp={"host": "mail.example.org", "port": 587})

    assert concierge.sandbox_controls is None
    assert repr(concierge) == "Concierge(store=memory, mailer=smtp(mail.example.org:587))"
    concierge.close()


def test_the_sandbox_controls_refuse_a_production_handle(concierge: Concierge) -> None:
    from concierge import SandboxControls

    production = Concierge.open(hold_email=True)
    controls = SandboxControls(production._native)

    with pytest.raises(ValidationError) as refused:
        controls.now()
    assert fields(refused.value) == ["sandbox"]
    production.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_a_working_runtime(concierge: Concierge, admin: Admin, place: Place) -> None:
    concierge.list_residents(admin)  # the parent's runtime is running
    read_end, write_end = os.pipe()

    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            child = sandbox()
            child.register_property(admin, "Child", "child")
            concierge.move_in(admin, place.unit.id, "Kid", "Fork")
            os.write(write_end, b"ok")
        except BaseException as e:  # noqa: BLE001
            os.write(write_end, repr(e).encode()[:200])
        finally:
            os._exit(0)
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], 60)
    answer = os.read(read_end, 256) if ready else b"timeout"
    os.close(read_end)
    if not ready:
        os.kill(pid, 9)
    os.waitpid(pid, 0)

    assert answer == b"ok"
    assert list(concierge.list_residents(admin)) == []


def test_out_of_range_durations_are_validation_errors_not_crashes(controls: SandboxControls) -> None:
    start = controls.now()
    smtp = {"host": "mail.example.org", "port": 587}

    for days in (10**15, 10**9):
        with pytest.raises(ValidationError) as refused:
            controls.advance(days=days)
        assert fields(refused.value) == ["days"]
    with pytest.raises(ValidationError) as too_long:
        Concierge.open(smtp=smtp, activation_validity_days=10**15)
    with pytest.raises(ValidationError) as not_positive:
        Concierge.open(smtp=smtp, activation_validity_days=0)
    assert fields(too_long.value) == fields(not_positive.value) == ["activation_validity_days"]
    assert controls.now() == start


def test_an_out_of_range_sync_interval_is_a_validation_error_not_a_panic(concierge: Concierge, admin: Admin) -> None:
    with pytest.raises(ValidationError) as refused:
        concierge.register_property(admin, "Harbour View", "harbour-view", settings={"sync_interval": 2**62})
    assert fields(refused.value) == ["settings.sync_interval"]
