"""Permissions are checked first, before any provider call or change (R-PERM-1, R-PERM-2)."""

from __future__ import annotations

import pytest
from conftest import Place, snapshot

from concierge import Admin, Concierge, PermissionDeniedError, SandboxControls


def test_an_admin_without_full_integrations_access_cannot_register_a_property(
    concierge: Concierge, admin: Admin
) -> None:
    # R-PERM-1
    reader = Admin("Reader", integrations="read", residence="full")

    with pytest.raises(PermissionDeniedError) as refused:
        concierge.register_property(reader, "Harbour View", "harbour-view")

    err = refused.value
    assert err.code == "PERMISSION_DENIED"
    assert err.permission == "integrations"
    assert err.required == "full"
    assert err.held == "read"
    assert err.action == "register_property"
    assert err.admin == reader.id
    assert concierge.list_properties(admin) == []


def test_an_admin_with_residence_read_cannot_move_in_and_nothing_is_sent_or_stored(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-PERM-2
    reader = Admin("Reader", residence="read")
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
    reader = Admin("Reader", residence="read")
    before = snapshot(concierge, admin)

    with pytest.raises(PermissionDeniedError) as refused:
        concierge.invite(reader, ada.id)

    assert refused.value.action == "invite"
    assert controls.calls("send") == 0
    assert concierge.account_status(reader, ada.id) == "not_invited"
    assert snapshot(concierge, admin) == before


def test_residence_read_is_enough_to_look(concierge: Concierge, admin: Admin, place: Place) -> None:
    # R-PERM-2
    reader = Admin("Reader", residence="read")
    concierge.move_in(admin, place.unit.id, "Ada", "Lovelace")

    assert [r.first_name for r in concierge.list_residents(reader)] == ["Ada"]
    assert [u.number for u in concierge.list_units(reader, place.property.id)] == ["1204"]


def test_an_admin_with_no_access_cannot_even_list_residents(concierge: Concierge) -> None:
    # R-PERM-2
    nobody = Admin("Nobody")

    with pytest.raises(PermissionDeniedError) as refused:
        concierge.list_residents(nobody)

    assert (refused.value.required, refused.value.held) == ("read", "none")
