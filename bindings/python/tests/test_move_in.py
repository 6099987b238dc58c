"""Moving residents in by hand (R-MOVE-1..3), and bad input that changes nothing."""

from __future__ import annotations

import datetime

import pytest
from conftest import Place, fields, issues, snapshot

from concierge import (
    Admin,
    Concierge,
    ConflictError,
    NotFoundError,
    FieldIssue,
    SandboxControls,
    TokenRejectedError,
    ValidationError,
)


def test_a_resident_moved_in_with_first_and_last_name_is_listed_in_their_unit(
    concierge: Concierge, admin: Admin, place: Place
) -> None:
    # R-MOVE-1
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", phone="+61 400 000 000", role="secondary")

    listed = list(concierge.list_residents(admin, unit_id=place.unit.id))

    assert [(r.id, r.first_name, r.last_name) for r in listed] == [(ada.id, "Ada", "Lovelace")]
    assert listed[0] == ada
    assert ada.unit_id == place.unit.id
    assert ada.property_id == place.property.id
    assert ada.role == "secondary"
    assert ada.source == "manual"
    assert ada.phone == "+61 400 000 000"
    assert place.unit.building_id == place.building.id and place.unit.floor == "12"
    assert list(concierge.list_residents(admin, property_id=place.property.id, phase="current", source="manual")) == [ada]


def test_a_resident_moved_in_with_a_future_date_is_a_future_resident(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-MOVE-1
    later = controls.now().date() + datetime.timedelta(days=30)

    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", move_in=later)

    assert ada.move_in == later
    assert type(ada.move_in) is datetime.date
    assert [r.id for r in concierge.list_residents(admin, phase="future")] == [ada.id]
    assert list(concierge.list_residents(admin, phase="current")) == []


def test_moving_in_with_mobile_activation_sends_exactly_one_email_and_the_account_is_pending(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-MOVE-2
    ada = concierge.move_in(
        admin, place.unit.id, "Ada", "Lovelace", email="Ada@Example.org", send_mobile_activation=True
    )

    emails = controls.sent_emails()
    assert [m.to for m in emails] == ["ada@example.org"]
    assert emails[0].subject == "Welcome to Harbour View: activate your account"
    assert ada.status == "pending_activation"
    assert ada.mobile_access_granted is True
    assert list(concierge.list_residents(admin, status="pending_activation")) == [ada]


def test_moving_in_without_mobile_activation_sends_nothing_and_the_account_is_not_invited(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-MOVE-2
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email="ada@example.org")

    assert controls.sent_emails() == []
    assert controls.calls("send") == 0
    assert ada.status == "not_invited"
    assert ada.mobile_access_granted is False


def test_mobile_activation_without_an_email_is_a_validation_error(
    concierge: Concierge, admin: Admin, place: Place
) -> None:
    # R-MOVE-2
    before = snapshot(concierge, admin)

    with pytest.raises(ValidationError) as refused:
        concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", send_mobile_activation=True)

    assert issues(refused.value) == [("email", "is required to send the mobile activation email")]
    assert snapshot(concierge, admin) == before


def test_amenities_of_the_property_are_given_at_move_in(concierge: Concierge, admin: Admin) -> None:
    # R-MOVE-3
    prop = concierge.register_property(
        admin,
        "Harbour View",
        "harbour-view",
        settings={"amenities": [{"id": "amen_pool", "name": "Pool"}, {"id": "amen_gym", "name": "Gym"}]},
    )
    unit = concierge.register_unit(admin, concierge.register_building(admin, prop.id, "A").id, "1")
    pool = prop.settings.amenities[0]

    ada = concierge.move_in(admin, unit.id, "Ada", "Lovelace", amenities=[pool.id])

    assert pool.name == "Pool"
    assert ada.amenities == [pool.id]
    with pytest.raises(ValidationError) as refused:
        concierge.move_in(admin, unit.id, "Bob", "Brown", amenities=["amen_elsewhere"])
    assert fields(refused.value) == ["amenities"]


# --------------------------------------------------------------------------------------------
# Bad input changes nothing


def test_empty_names_are_refused_naming_every_field_and_change_nothing(
    concierge: Concierge, admin: Admin, place: Place
) -> None:
    # R-MOVE-1
    before = snapshot(concierge, admin)

    with pytest.raises(ValidationError) as refused:
        concierge.move_in(admin, place.unit.id, "  ", "", email="ada@example.org", send_mobile_activation=True)

    err = refused.value
    assert err.code == "VALIDATION"
    assert issues(err) == [("first_name", "must not be empty"), ("last_name", "must not be empty")]
    assert all(isinstance(i, FieldIssue) for i in err.issues)
    assert snapshot(concierge, admin) == before


def test_a_malformed_email_is_refused_without_echoing_it_and_changes_nothing(
    concierge: Concierge, admin: Admin, place: Place
) -> None:
    # R-MOVE-2
    before = snapshot(concierge, admin)

    with pytest.raises(ValidationError) as refused:
        concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email="ada-at-nowhere", send_mobile_activation=True)

    assert issues(refused.value) == [("email", "is not a valid email address")]
    assert "ada-at-nowhere" not in str(refused.value)
    assert snapshot(concierge, admin) == before


def test_an_unknown_unit_is_not_found_and_changes_nothing(
    concierge: Concierge, admin: Admin, place: Place
) -> None:
    # R-MOVE-1
    before = snapshot(concierge, admin)

    with pytest.raises(NotFoundError) as refused:
        concierge.move_in(admin, "unit_nope", "Ada", "Lovelace", email="ada@example.org", send_mobile_activation=True)

    assert (refused.value.entity, refused.value.id, refused.value.code) == ("unit", "unit_nope", "NOT_FOUND")
    assert snapshot(concierge, admin) == before


def test_expired_and_reused_tokens_change_nothing(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-STATUS-4, R-STATUS-5
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email="ada@example.org", send_mobile_activation=True)
    bob = concierge.move_in(admin, place.unit.id, "Bob", "Brown", email="bob@example.org", send_mobile_activation=True)
    bob_token = controls.last_activation_token("bob@example.org")
    ada_token = controls.last_activation_token("ada@example.org")
    assert bob_token is not None and ada_token is not None
    concierge.activate(bob_token, accept_terms=True, password="correct horse battery staple")
    controls.advance(days=8)
    before = snapshot(concierge, admin)

    with pytest.raises(TokenRejectedError) as expired:
        concierge.activate(ada_token, accept_terms=True, password="correct horse battery staple")
    with pytest.raises(TokenRejectedError) as reused:
        concierge.activate(bob_token, accept_terms=True, password="correct horse battery staple")

    assert (expired.value.reason, reused.value.reason) == ("expired", "already_used")
    assert snapshot(concierge, admin) == before
    assert concierge.account_status(admin, ada.id) == "activation_expired"
    assert concierge.account_status(admin, bob.id) == "live"


def test_a_second_identical_move_in_is_a_conflict(concierge: Concierge, admin: Admin, place: Place) -> None:
    # R-MOVE-1
    concierge.move_in(admin, place.unit.id, "Ada", "Lovelace")
    before = snapshot(concierge, admin)

    with pytest.raises(ConflictError) as refused:
        concierge.move_in(admin, place.unit.id, "ada", "LOVELACE")

    assert refused.value.code == "CONFLICT"
    assert snapshot(concierge, admin) == before
