"""The account state machine through the binding (R-STATUS-1..5), as the Rust suite has it."""

from __future__ import annotations

import pytest
from conftest import Place, fields, snapshot

from concierge import (
    Admin,
    Concierge,
    InvalidTransitionError,
    SandboxControls,
    TokenRejectedError,
    ValidationError,
)

EMAIL = "ada@example.org"


def test_a_new_resident_moved_in_without_activation_is_not_invited(
    concierge: Concierge, admin: Admin, place: Place
) -> None:
    # R-STATUS-1
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email=EMAIL)

    assert ada.status == "not_invited"
    assert concierge.account_status(admin, ada.id) == "not_invited"
    assert ada.invited_at is None and ada.invitations_sent == 0


def test_inviting_makes_the_account_pending_for_seven_days(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-STATUS-2
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email=EMAIL)

    invited = concierge.invite(admin, ada.id)

    assert invited.status == "pending_activation"
    assert invited.invitations_sent == 1
    assert invited.invited_at == controls.now()
    assert invited.activation_expires_at is not None
    assert (invited.activation_expires_at - controls.now()).days == 7
    assert [m.to for m in controls.sent_emails()] == [EMAIL]


def test_activating_with_the_emailed_token_makes_the_account_live(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-STATUS-3
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email=EMAIL)
    concierge.invite(admin, ada.id)
    token = controls.last_activation_token(EMAIL)
    assert token is not None

    live = concierge.activate(token, accept_terms=True, password="correct horse battery staple")

    assert live.id == ada.id
    assert live.status == "live"
    assert live.activated_at == controls.now()
    assert concierge.account_status(admin, ada.id) == "live"


def test_after_eight_days_the_link_has_expired_and_a_new_invitation_supersedes_it(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-STATUS-4
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email=EMAIL)
    concierge.invite(admin, ada.id)
    old = controls.last_activation_token(EMAIL)
    assert old is not None

    controls.advance(days=8)

    assert concierge.account_status(admin, ada.id) == "activation_expired"
    with pytest.raises(TokenRejectedError) as expired:
        concierge.activate(old, accept_terms=True, password="correct horse battery staple")
    assert expired.value.reason == "expired"
    assert expired.value.code == "TOKEN_REJECTED"
    assert concierge.account_status(admin, ada.id) == "activation_expired"

    again = concierge.invite(admin, ada.id)
    new = controls.last_activation_token(EMAIL)

    assert again.status == "pending_activation"
    assert again.invitations_sent == 2
    assert new is not None and new != old
    with pytest.raises(TokenRejectedError) as superseded:
        concierge.activate(old, accept_terms=True, password="correct horse battery staple")
    assert superseded.value.reason == "superseded"
    assert concierge.activate(new, accept_terms=True, password="correct horse battery staple").status == "live"


@pytest.mark.parametrize("reach", ["pending_activation", "live"])
def test_inviting_a_pending_or_live_account_is_refused_naming_status_and_action(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place, reach: str
) -> None:
    # R-STATUS-5
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email=EMAIL)
    concierge.invite(admin, ada.id)
    if reach == "live":
        token = controls.last_activation_token(EMAIL)
        assert token is not None
        concierge.activate(token, accept_terms=True, password="correct horse battery staple")
    before = snapshot(concierge, admin)

    with pytest.raises(InvalidTransitionError) as refused:
        concierge.invite(admin, ada.id)

    assert refused.value.from_status == reach
    assert refused.value.action == "invite"
    assert refused.value.code == "INVALID_TRANSITION"
    assert str(refused.value) == f"cannot invite an account that is {reach}"
    assert snapshot(concierge, admin) == before


def test_a_used_token_is_refused_the_second_time_and_changes_nothing(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-STATUS-5
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email=EMAIL, send_mobile_activation=True)
    token = controls.last_activation_token(EMAIL)
    assert token is not None
    concierge.activate(token, accept_terms=True, password="correct horse battery staple")
    before = snapshot(concierge, admin)

    with pytest.raises(TokenRejectedError) as reused:
        concierge.activate(token, accept_terms=True, password="correct horse battery staple")

    assert reused.value.reason == "already_used"
    assert concierge.get_resident(admin, ada.id).status == "live"
    assert snapshot(concierge, admin) == before


def test_activation_without_accepting_the_terms_is_a_validation_error(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-STATUS-5, R-STATUS-3
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email=EMAIL, send_mobile_activation=True)
    token = controls.last_activation_token(EMAIL)
    assert token is not None
    before = snapshot(concierge, admin)

    with pytest.raises(ValidationError) as refused:
        concierge.activate(token, accept_terms=False, password="correct horse battery staple")

    assert fields(refused.value) == ["accept_terms"]
    assert concierge.account_status(admin, ada.id) == "pending_activation"
    assert snapshot(concierge, admin) == before
    assert concierge.activate(token, accept_terms=True, password="correct horse battery staple").status == "live"


def test_a_token_the_sdk_never_issued_is_invalid(concierge: Concierge, admin: Admin, place: Place) -> None:
    # R-STATUS-5
    with pytest.raises(TokenRejectedError) as refused:
        concierge.activate("res_nobody." + "A" * 43, accept_terms=True, password="correct horse battery staple")

    assert refused.value.reason == "invalid"
