"""Visitors through the intercom (R-VISIT-1..4, R-PERM-1..2) on the sandbox intercom,
mirroring crates/concierge/tests/visitors.rs: link, provision once, preflight, passes for the
visit's window in the building's zone, one pass when a reply is lost, the contact report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest
from conftest import sandbox, staff

from concierge import (
    Admin,
    AsyncConcierge,
    Concierge,
    ConflictError,
    PermissionDeniedError,
    Property,
    SandboxControls,
    ValidationError,
    VisitorPassView,
    VisitorPreflight,
)

MAILBOX = "butterflymx@example.org"


@dataclass
class World:
    concierge: Concierge
    controls: SandboxControls
    admin: Admin
    property: Property


def linked(concierge: Concierge, admin: Admin) -> World:
    controls = concierge.sandbox_controls
    assert controls is not None
    prop = concierge.register_property(
        admin, "Harbour View", "harbour-view", settings={"visitors": {"placeholder_mailbox": MAILBOX}}
    )
    building = concierge.intercom_buildings(admin)[0]
    assert building.time_zone == "Australia/Sydney"
    prop = concierge.link_intercom_building(admin, prop.id, building.external.id)
    return World(concierge, controls, admin, prop)


def ready(concierge: Concierge, admin: Admin) -> World:
    w = linked(concierge, admin)
    concierge.provision_visitor_site(admin, w.property.id)
    report = concierge.visitor_preflight(admin, w.property.id)
    assert report.passed, report.checks
    return w


def test_linking_takes_the_buildings_zone_and_provisioning_twice_leaves_one_of_each(
    concierge: Concierge, admin: Admin
) -> None:
    # R-VISIT-1
    w = linked(concierge, admin)
    assert w.property.time_zone == "Australia/Sydney"
    tenants = len(w.controls.intercom_tenants())
    first = concierge.provision_visitor_site(admin, w.property.id)
    assert (first.created_unit, first.created_tenant) == (True, True)
    assert first.tenant_name == "STRATIS User"
    assert first.tenant_email == "butterflymx+harbour-view@example.org"
    second = concierge.provision_visitor_site(admin, w.property.id)
    assert (second.created_unit, second.created_tenant) == (False, False)
    assert second.placeholder_tenant == first.placeholder_tenant
    assert len(w.controls.intercom_tenants()) == tenants + 1


def test_provisioning_without_a_mailbox_names_the_setting(concierge: Concierge, admin: Admin) -> None:
    # R-VISIT-1
    prop = concierge.register_property(admin, "Old Mill", "old-mill")
    building = concierge.intercom_buildings(admin)[0]
    concierge.link_intercom_building(admin, prop.id, building.external.id)
    with pytest.raises(ValidationError) as err:
        concierge.provision_visitor_site(admin, prop.id)
    assert err.value.code == "VALIDATION"
    assert "settings.visitors.placeholder_mailbox" in str(err.value)


def test_the_preflight_names_failing_checks_and_passes_once_provisioned(
    concierge: Concierge, admin: Admin
) -> None:
    # R-VISIT-2
    w = linked(concierge, admin)
    before: VisitorPreflight = concierge.visitor_preflight(admin, w.property.id)
    assert not before.passed
    assert [c.name for c in before.checks if not c.passed] == ["placeholder_unit", "placeholder_tenant"]
    concierge.provision_visitor_site(admin, w.property.id)
    w.controls.intercom_set_integration_enabled(enabled=False)
    disabled = concierge.visitor_preflight(admin, w.property.id)
    enabled_check = next(c for c in disabled.checks if c.name == "integration_enabled")
    assert not enabled_check.passed and "ask the intercom vendor" in enabled_check.detail
    w.controls.intercom_set_integration_enabled(enabled=True)
    assert concierge.visitor_preflight(admin, w.property.id).passed


def test_the_report_lists_tenants_on_phone_calls_but_not_the_placeholder(
    concierge: Concierge, admin: Admin
) -> None:
    # R-VISIT-4
    w = ready(concierge, admin)
    tenants = w.controls.intercom_tenants()
    expected = [t for t in tenants if t.contact_preference == "phone_call" and t.name != "STRATIS User"]
    assert expected
    report = concierge.visitor_contact_report(admin, w.property.id)
    assert [t.external for t in report.phone_call_tenants] == [t.external for t in expected]
    assert report.tenants == len(tenants) - 1
    assert w.controls.intercom_set_contact_preference(expected[0].external.id, "mobile_app")
    report = concierge.visitor_contact_report(admin, w.property.id)
    assert expected[0].external not in [t.external for t in report.phone_call_tenants]


def test_a_pass_covers_exactly_the_visit_window_in_the_buildings_zone(
    concierge: Concierge, admin: Admin
) -> None:
    # R-VISIT-3: 14:00-16:00 in Sydney (AEDT, UTC+11) is 03:00-05:00 UTC.
    w = ready(concierge, admin)
    view: VisitorPassView = concierge.create_visitor_pass(
        admin, w.property.id, "Sam Visitor", "2026-01-06T14:00", "2026-01-06T16:00"
    )
    assert view.state == "active"
    assert view.window.starts_at == datetime(2026, 1, 6, 3, 0, tzinfo=timezone.utc)
    assert view.window.ends_at == datetime(2026, 1, 6, 5, 0, tzinfo=timezone.utc)
    assert (view.starts_local, view.ends_local) == ("2026-01-06 14:00 AEDT", "2026-01-06 16:00 AEDT")
    assert view.qr_code_url
    # The QR code opens the door: it is readable, but never in a repr (logs, tracebacks).
    assert view.qr_code_url not in repr(view) and "qr_code_url" not in repr(view)
    assert w.controls.intercom_pass_count() == 1


def test_a_pass_across_sydneys_daylight_saving_change_keeps_its_wall_clock_times(
    concierge: Concierge, admin: Admin
) -> None:
    # R-VISIT-3: AEST (UTC+10) becomes AEDT (UTC+11) at 02:00 on 2026-10-04.
    w = ready(concierge, admin)
    view = concierge.create_visitor_pass(admin, w.property.id, "Night Guest", "2026-10-03T22:00", "2026-10-04T10:00")
    assert view.window.starts_at == datetime(2026, 10, 3, 12, 0, tzinfo=timezone.utc)
    assert view.window.ends_at == datetime(2026, 10, 3, 23, 0, tzinfo=timezone.utc)
    with pytest.raises(ValidationError) as err:
        concierge.create_visitor_pass(admin, w.property.id, "Ghost", "2026-10-04T02:30", "2026-10-04T05:00")
    assert "starts_at" in [i.field for i in err.value.issues]


@pytest.mark.parametrize(
    ("starts", "ends"),
    [("2026-01-06T16:00", "2026-01-06T16:00"), ("2026-01-06T16:00", "2026-01-06T14:00"), ("2026-01-04T10:00", "2026-01-04T12:00")],
)
def test_an_empty_or_past_window_is_refused_before_any_intercom_call(
    concierge: Concierge, admin: Admin, starts: str, ends: str
) -> None:
    # R-VISIT-3
    w = ready(concierge, admin)
    with pytest.raises(ValidationError) as err:
        concierge.create_visitor_pass(admin, w.property.id, "Sam", starts, ends)
    assert [i.field for i in err.value.issues] == ["ends_at"]
    assert w.controls.calls("create_visitor_pass") == 0


def test_a_site_that_is_not_ready_refuses_passes(concierge: Concierge, admin: Admin) -> None:
    # R-VISIT-2
    w = linked(concierge, admin)
    with pytest.raises(ConflictError) as err:
        concierge.create_visitor_pass(admin, w.property.id, "Sam", "2026-01-06T14:00", "2026-01-06T16:00")
    assert "not provisioned" in str(err.value)


def test_a_lost_reply_and_a_repeated_request_still_make_one_pass(concierge: Concierge, admin: Admin) -> None:
    # R-VISIT-3
    w = ready(concierge, admin)
    w.controls.intercom_lose_next_reply("create_visitor_pass")
    first = concierge.create_visitor_pass(
        admin, w.property.id, "Sam", "2026-01-06T14:00", "2026-01-06T16:00", request_key="desk-42"
    )
    again = concierge.create_visitor_pass(
        admin, w.property.id, "Sam", "2026-01-06T14:00", "2026-01-06T16:00", request_key="desk-42"
    )
    assert first.state == again.state == "active"
    assert again.id == first.id
    assert w.controls.intercom_pass_count() == 1


def test_passes_are_listed_and_revoked_and_end_with_the_residents_occupancy(
    concierge: Concierge, admin: Admin
) -> None:
    # R-VISIT-3
    w = ready(concierge, admin)
    building = concierge.register_building(admin, w.property.id, "Tower A")
    unit = concierge.register_unit(admin, building.id, "1204")
    ada = concierge.move_in(admin, unit.id, "Ada", "Lovelace")
    guest = concierge.create_visitor_pass(
        admin, w.property.id, "Ada's Guest", "2026-01-06T14:00", "2026-01-06T16:00", resident_id=ada.id
    )
    plumber = concierge.create_visitor_pass(admin, w.property.id, "Plumber", "2026-01-07T09:00", "2026-01-07T11:00")
    assert {p.id for p in concierge.list_visitor_passes(admin, w.property.id, state="active")} == {guest.id, plumber.id}
    assert concierge.revoke_visitor_pass(admin, plumber.id).state == "revoked"
    concierge.move_out(admin, ada.id)
    assert concierge.get_visitor_pass(admin, guest.id).state == "revoked"


def test_visitors_need_the_right_permissions(concierge: Concierge, admin: Admin) -> None:
    # R-PERM-1, R-PERM-2
    w = ready(concierge, admin)
    desk = staff("Desk", residence="read")
    with pytest.raises(PermissionDeniedError):
        concierge.provision_visitor_site(desk, w.property.id)
    with pytest.raises(PermissionDeniedError):
        concierge.create_visitor_pass(desk, w.property.id, "Sam", "2026-01-06T14:00", "2026-01-06T16:00")
    assert concierge.visitor_contact_report(desk, w.property.id).property_id == w.property.id


def test_an_unknown_time_zone_is_a_validation_error_on_its_field(concierge: Concierge, admin: Admin) -> None:
    prop = concierge.register_property(admin, "Old Mill", "old-mill")
    with pytest.raises(ValidationError) as err:
        concierge.set_property_time_zone(admin, prop.id, "Mars/Olympus_Mons")
    assert [i.field for i in err.value.issues] == ["time_zone"]
    assert concierge.set_property_time_zone(admin, prop.id, "Pacific/Auckland").time_zone == "Pacific/Auckland"


async def test_the_async_handle_creates_a_pass_too(admin: Admin) -> None:
    # R-VISIT-3
    concierge = await AsyncConcierge.open(sandbox={"seed": 7})
    async with concierge:
        prop = await concierge.register_property(
            admin, "Harbour View", "harbour-view", settings={"visitors": {"placeholder_mailbox": MAILBOX}}
        )
        building = (await concierge.intercom_buildings(admin))[0]
        await concierge.link_intercom_building(admin, prop.id, building.external.id)
        await concierge.provision_visitor_site(admin, prop.id)
        assert (await concierge.visitor_preflight(admin, prop.id)).passed
        view = await concierge.create_visitor_pass(admin, prop.id, "Sam", "2026-01-06T14:00", "2026-01-06T16:00")
        assert view.starts_local == "2026-01-06 14:00 AEDT"


def test_a_sandbox_handle_opened_here_is_the_same_shape() -> None:
    with sandbox(7) as handle:
        assert handle.sandbox_controls is not None


def test_a_move_in_is_dated_by_the_propertys_own_calendar_far_from_utc(concierge: Concierge, admin: Admin) -> None:
    # R-PMS-2: at 13:00 UTC on 5 January it is already 6 January in Sydney.
    controls = concierge.sandbox_controls
    assert controls is not None
    prop = concierge.register_property(admin, "Harbour View", "harbour-view", time_zone="Australia/Sydney")
    tower = concierge.register_building(admin, prop.id, "Tower A")
    unit = concierge.register_unit(admin, tower.id, "1204")
    controls.advance(hours=4)
    ada = concierge.move_in(admin, unit.id, "Ada", "Lovelace")
    assert ada.move_in == date(2026, 1, 6)
    old = concierge.register_property(admin, "Old Mill", "old-mill")
    assert old.time_zone is None  # judged in UTC, as before zones existed
