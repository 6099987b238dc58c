"""One exception tree with stable codes and fields, that survives pickling (R-SDK-5)."""

from __future__ import annotations

import pickle
from typing import Callable

import pytest
from conftest import Place, issues, staff

import concierge as cg
from concierge import Admin, Concierge, SandboxControls

SUBCLASSES = {
    "PermissionDeniedError": "PERMISSION_DENIED",
    "InvalidTransitionError": "INVALID_TRANSITION",
    "TokenRejectedError": "TOKEN_REJECTED",
    "NotFoundError": "NOT_FOUND",
    "ValidationError": "VALIDATION",
    "ConflictError": "CONFLICT",
    "ProviderError": "PROVIDER",
    "StoreError": "STORE",
    "ClosedError": "CLOSED",
}


@pytest.mark.parametrize("name", sorted(SUBCLASSES))
def test_every_error_class_derives_from_concierge_error_with_its_code(name: str) -> None:
    # R-SDK-5
    cls = getattr(cg, name)

    assert issubclass(cls, cg.ConciergeError)
    assert issubclass(cg.ConciergeError, Exception)
    assert cls.__module__ == "concierge._generated"
    assert cls.__name__ == name
    assert cls.code == SUBCLASSES[name]
    assert cg.ERRORS[cls.code] is cls


def raise_each(concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place) -> list[tuple[cg.ConciergeError, dict[str, object]]]:
    """One real error of each kind the sandbox can produce, with its expected fields."""
    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email="ada@example.org", send_mobile_activation=True)
    token = controls.last_activation_token("ada@example.org")
    assert token is not None
    concierge.activate(token, accept_terms=True, password="correct horse battery staple")
    reader = staff("Reader", residence="read")
    calls: list[tuple[Callable[[], object], type[cg.ConciergeError], dict[str, object]]] = [
        (
            lambda: concierge.invite(reader, ada.id),
            cg.PermissionDeniedError,
            {
                "admin": reader.id,
                "admin_name": "Reader",
                "action": "invite",
                "permission": "residence",
                "required": "full",
                "held": "read",
                "retryable": False,
            },
        ),
        (lambda: concierge.invite(admin, ada.id), cg.InvalidTransitionError, {"from_status": "live", "action": "invite"}),
        (lambda: concierge.activate(token, accept_terms=True, password="correct horse battery staple"), cg.TokenRejectedError, {"reason": "already_used"}),
        (lambda: concierge.get_resident(admin, "res_nope"), cg.NotFoundError, {"entity": "resident", "id": "res_nope"}),
        (
            lambda: concierge.move_in(admin, place.unit.id, "", "Lovelace", email="nope"),
            cg.ValidationError,
            {"issues": [cg.FieldIssue("first_name", "must not be empty"), cg.FieldIssue("email", "is not a valid email address")]},
        ),
        (lambda: concierge.register_building(admin, place.property.id, "tower a"), cg.ConflictError, {}),
    ]
    caught = []
    for call, cls, fields in calls:
        with pytest.raises(cls) as info:
            call()
        caught.append((info.value, fields))
    return caught


def test_errors_carry_code_message_and_their_fields(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-SDK-5
    for err, fields in raise_each(concierge, controls, admin, place):
        assert err.code == SUBCLASSES[type(err).__name__]
        assert err.args == (str(err),)
        assert isinstance(err.retryable, bool)
        for name, value in fields.items():
            assert getattr(err, name) == value, (type(err).__name__, name)


def test_errors_survive_pickling_with_their_attributes(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-SDK-5
    for err, fields in raise_each(concierge, controls, admin, place):
        back = pickle.loads(pickle.dumps(err))

        assert type(back) is type(err)
        assert (back.code, back.retryable, str(back), back.args) == (err.code, err.retryable, str(err), err.args)
        for name in fields:
            assert getattr(back, name) == getattr(err, name)


def test_validation_issues_are_frozen_records_of_field_and_message(
    concierge: Concierge, admin: Admin, place: Place
) -> None:
    # R-SDK-5
    with pytest.raises(cg.ValidationError) as info:
        concierge.register_unit(admin, place.building.id, " ")

    [issue] = info.value.issues
    assert isinstance(issue, cg.FieldIssue)
    assert (issue.field, issue.message) == ("number", "must not be empty")
    assert issues(info.value) == [("number", "must not be empty")]
    assert pickle.loads(pickle.dumps(issue)) == issue
    with pytest.raises(AttributeError):
        issue.field = "name"  # type: ignore[misc]


def test_a_concierge_error_can_be_caught_by_its_base_class(concierge: Concierge, admin: Admin) -> None:
    # R-SDK-5
    with pytest.raises(cg.ConciergeError) as info:
        concierge.get_property(admin, "prop_nope")

    assert isinstance(info.value, cg.NotFoundError)
    assert info.value.code == "NOT_FOUND"
