"""Permissions are checked first, before any provider call or change (R-PERM-1, R-PERM-2)."""

from __future__ import annotations

import pytest
from conftest import Place, snapshot, staff

from concierge import Admin, Concierge, PermissionDeniedError, SandboxControls


def test_an_admin_without_full_integrations_access_cannot_register_a_property(
    concierge: Concierge, admin: Admin
) -> None:
    # R-PERM-1
    reader = staff("Reader", integrations="read", residence="full")

    with pytest.raises(PermissionDeniedError) as refused:
        concierge.register_property(reader, "Harbour View", "harbour-view")

    err = refused.value
    assert err.code == "PERMISSION_DENIED"
    assert err.permission == "integrations"
    assert err.required == "full"
    assert err.held == "read"
    assert err.action == "register_property"
    assert (err.admin, err.admin_name) == (reader.id, "Reader")
    assert concierge.list_properties(admin) == []


def test_an_admin_with_residence_read_cannot_move_in_and_nothing_is_sent_or_stored(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-PERM-2
    reader = staff("Reader", residence="read")
    before = snapshot(concierge, admin)

    with pytest.raises(PermissionDeniedError) as refused:
        concierge.move_in(
            reader, place.unit.id, "Ada", "Lovelace", email="ada@example.org", send_mobile_activation=True
        )

    assert (refused.value.permission, refused.value.required, refused.value.held) == ("residence", "full", "read")
    assert refused.value.action == "move_in"
    assert controls.calls("send") == 0
    assert snapshot(concierge, admin) == before


def test_an_admin_with_residence_read_cannot_invite_and_no_email_is_tried(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-PERM-2
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email="ada@example.org")
    reader = staff("Reader", residence="read")
    before = snapshot(concierge, admin)

    with pytest.raises(PermissionDeniedError) as refused:
        concierge.invite(reader, ada.id)

    assert refused.value.action == "invite"
    assert controls.calls("send") == 0
    assert concierge.account_status(reader, ada.id) == "not_invited"
    assert snapshot(concierge, admin) == before


def test_residence_read_is_enough_to_look(concierge: Concierge, admin: Admin, place: Place) -> None:
    # R-PERM-2
    reader = staff("Reader", residence="read")
    concierge.move_in(admin, place.unit.id, "Ada", "Lovelace")

    assert [r.first_name for r in concierge.list_residents(reader)] == ["Ada"]
    assert [u.number for u in concierge.list_units(reader, place.property.id)] == ["1204"]


def test_an_admin_with_no_access_cannot_even_list_residents(concierge: Concierge) -> None:
    # R-PERM-2
    nobody = staff("Nobody")

    with pytest.raises(PermissionDeniedError) as refused:
        list(concierge.list_residents(nobody))

    assert (refused.value.required, refused.value.held) == ("read", "none")


def test_an_admin_without_an_id_is_refused_before_anything_happens(concierge: Concierge, admin: Admin) -> None:
    # R-PERM-1: the host names its staff; an admin with an empty id is refused on its field.
    from conftest import fields

    from concierge import ValidationError

    with pytest.raises(ValidationError) as refused:
        concierge.register_property(Admin(id="", name="Nobody"), "Harbour View", "harbour-view")

    assert fields(refused.value) == ["admin.id"]
    assert concierge.list_properties(admin) == []
