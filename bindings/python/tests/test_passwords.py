"""Activation sets a password (R-STATUS-3): a good one makes the account live, a weak one is a
VALIDATION error on `password`, and neither the password nor the token ever shows in a repr,
str or error; with password_mode external, activation takes none."""

from __future__ import annotations

import pickle

import pytest
from conftest import Place, fields, shown

from concierge import Admin, Concierge, ConciergeError, SandboxControls, ValidationError

EMAIL = "ada@example.org"
PASSWORD = "canary-Pa55word-py-4d2e"


def invited_token(concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place) -> str:
    concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email=EMAIL, send_mobile_activation=True)
    token = controls.last_activation_token(EMAIL)
    assert token is not None
    return token


def assert_hidden(value: object, *secrets: str) -> None:
    text = shown(value)
    if isinstance(value, BaseException):
        text += repr(value.args) + repr(vars(value)) + repr(pickle.loads(pickle.dumps(value)).args)
    for secret in secrets:
        assert secret not in text


def test_activation_with_a_password_makes_the_account_live(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-STATUS-3
    token = invited_token(concierge, controls, admin, place)

    live = concierge.activate(token, accept_terms=True, password=PASSWORD)

    assert live.status == "live"
    assert concierge.account_status(admin, live.id) == "live"
    assert_hidden(live, PASSWORD, token)
    assert_hidden(concierge, PASSWORD, token)
    assert_hidden(concierge.get_resident(admin, live.id), PASSWORD, token)


@pytest.mark.parametrize(
    "weak, rule",
    [("canary-1", "at least 10 characters"), ("            ", "only whitespace"), ("ADA@example.org", "email")],
)
def test_a_weak_password_is_a_validation_error_on_password_without_the_password(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place, weak: str, rule: str
) -> None:
    # R-STATUS-3, R-STATUS-5
    token = invited_token(concierge, controls, admin, place)

    with pytest.raises(ValidationError) as refused:
        concierge.activate(token, accept_terms=True, password=weak)

    assert refused.value.code == "VALIDATION"
    assert fields(refused.value) == ["password"]
    assert rule in refused.value.issues[0].message
    assert_hidden(refused.value, token, *([weak] if weak.strip() else []))
    [ada] = list(concierge.list_residents(admin))
    assert ada.status == "pending_activation"


def test_a_missing_password_is_required_and_a_refused_token_error_never_shows_it(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-STATUS-5
    token = invited_token(concierge, controls, admin, place)
    with pytest.raises(ValidationError) as missing:
        concierge.activate(token, accept_terms=True)
    assert fields(missing.value) == ["password"]

    concierge.activate(token, accept_terms=True, password=PASSWORD)
    with pytest.raises(ConciergeError) as reused:
        concierge.activate(token, accept_terms=True, password=PASSWORD)
    assert reused.value.code == "TOKEN_REJECTED"
    assert_hidden(reused.value, PASSWORD, token)


def test_with_external_passwords_activation_takes_none() -> None:
    # R-STATUS-3
    with Concierge.open(sandbox={"seed": 7}, password_mode="external") as concierge:
        admin = Admin.full_access("desk-1", "Front desk")
        controls = concierge.sandbox_controls
        assert controls is not None
        prop = concierge.register_property(admin, "Harbour View", "harbour-view")
        unit = concierge.register_unit(admin, concierge.register_building(admin, prop.id, "A").id, "1")
        concierge.move_in(admin, unit.id, "Ada", "Lovelace", email=EMAIL, send_mobile_activation=True)
        token = controls.last_activation_token(EMAIL)
        assert token is not None

        with pytest.raises(ValidationError) as refused:
            concierge.activate(token, accept_terms=True, password=PASSWORD)
        assert fields(refused.value) == ["password"]
        assert concierge.activate(token, accept_terms=True).status == "live"


def test_the_activation_secret_is_never_shown() -> None:
    secret = "canary-activation-secret-0123456789abcdef"
    with Concierge.open(sandbox={"seed": 7}, activation_secret=secret) as concierge:
        assert_hidden(concierge, secret)
    with pytest.raises(ValidationError) as short:
        Concierge.open(sandbox={"seed": 7}, activation_secret="canary-short")
    assert fields(short.value) == ["activation_secret"]
    assert_hidden(short.value, "canary-short")
