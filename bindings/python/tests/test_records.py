"""Records, admins and settings cross the boundary as typed, read-only Python values."""

from __future__ import annotations

import datetime
import os
import select

import pytest
from conftest import Place

from concierge import (
    Admin,
    Concierge,
    InvitationEmailSettings,
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


def test_admins_have_levels_per_area_and_a_bad_level_is_a_value_error() -> None:
    # R-PERM-1, R-PERM-2
    desk = Admin("Desk", residence="full")
    full = Admin.full_access("Boss")

    assert (desk.name, desk.integrations, desk.residence) == ("Desk", "none", "full")
    assert (full.integrations, full.residence) == ("full", "full")
    assert desk.id.startswith("admin_") and desk.id != full.id
    assert "residence='full'" in repr(desk)
    with pytest.raises(ValueError, match="residence must be one of"):
        Admin("Desk", residence="owner")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Admin("Desk", "full")  # type: ignore[call-arg]


def test_property_settings_default_as_the_sdk_does_and_round_trip(concierge: Concierge, admin: Admin) -> None:
    # R-PMS-6, R-MOVE-3, R-STRATA-3
    default = PropertySettings()
    email = InvitationEmailSettings(from_="Desk <desk@example.org>", subject="Welcome, {first_name}")
    chosen = PropertySettings(
        future_resident_sync=True, sync_interval_seconds=3600, amenities=["Pool"], invitation_email=email
    )

    prop = concierge.register_property(admin, "Harbour View", "harbour-view", settings=chosen)

    assert default.sync_interval_seconds == 14400
    assert default.amenities == [] and default.future_resident_sync is False
    assert "{activation_link}" in default.invitation_email.body
    assert prop.settings.future_resident_sync is True
    assert prop.settings.sync_interval_seconds == 3600
    assert prop.settings.invitation_email.from_ == "Desk <desk@example.org>"
    assert prop.settings.invitation_email.subject == "Welcome, {first_name}"
    assert prop.settings.invitation_email.body == default.invitation_email.body
    [pool] = prop.settings.amenities
    assert pool.name == "Pool" and pool.id.startswith("amen_")
    assert concierge.get_property(admin, prop.id) == prop

    updated = concierge.update_property_settings(
        admin, prop.id, PropertySettings(amenities=[pool, "Gym"], auto_grant_mobile_access=True)
    )

    assert [a.name for a in updated.settings.amenities] == ["Pool", "Gym"]
    assert updated.settings.amenities[0] == pool
    assert updated.settings.auto_grant_mobile_access is True
    assert concierge.list_properties(admin) == [updated]


def test_invalid_settings_are_refused_naming_each_field(concierge: Concierge, admin: Admin) -> None:
    bad = PropertySettings(
        sync_interval_seconds=60,
        invitation_email=InvitationEmailSettings(body="no link", activation_url="ftp://x"),
    )

    with pytest.raises(ValidationError) as refused:
        concierge.register_property(admin, "Harbour View", "harbour-view", settings=bad)

    assert [i.field for i in refused.value.issues] == [
        "settings.sync_interval",
        "settings.invitation_email.body",
        "settings.invitation_email.activation_url",
    ]
    assert concierge.list_properties(admin) == []


def test_bad_filter_values_are_value_errors(concierge: Concierge, admin: Admin, place: Place) -> None:
    for kwargs in ({"status": "asleep"}, {"phase": "someday"}, {"source": "rumour"}):
        with pytest.raises(ValueError):
            concierge.list_residents(admin, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="role must be one of"):
        concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", role="landlord")  # type: ignore[arg-type]
    assert concierge.list_residents(admin) == []


def test_a_production_handle_has_no_sandbox_controls() -> None:
    from concierge import SmtpConfig

    concierge = Concierge(smtp=SmtpConfig("mail.example.org", 587))

    assert concierge.sandbox_controls is None
    assert repr(concierge).startswith("Concierge(smtp=SmtpConfig(host='mail.example.org'")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_a_working_runtime(concierge: Concierge, admin: Admin, place: Place) -> None:
    concierge.list_residents(admin)  # the parent's runtime is running
    read_end, write_end = os.pipe()

    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            child = Concierge.sandbox()
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
    assert concierge.list_residents(admin) == []


def test_out_of_range_durations_are_value_errors_not_crashes(controls: SandboxControls) -> None:
    from concierge import SmtpConfig

    start = controls.now()
    smtp = SmtpConfig("mail.example.org", 587)

    with pytest.raises(ValueError):
        controls.advance(days=10**15)
    with pytest.raises(ValueError):
        controls.advance(days=10**9)
    with pytest.raises(ValueError):
        PropertySettings(sync_interval_seconds=2**62)
    with pytest.raises(ValueError):
        Concierge(smtp=smtp, activation_validity_days=10**15)
    with pytest.raises(ValidationError) as not_positive:
        Concierge(smtp=smtp, activation_validity_days=0)
    assert [i.field for i in not_positive.value.issues] == ["activation_validity"]
    assert controls.now() == start
