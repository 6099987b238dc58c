"""A provider failure never loses an email: the state change stands, the outbox retries, and an
email no retry can fix is parked for an admin (R-MOVE-2, R-SDK-4)."""

from __future__ import annotations

import pytest
from conftest import Place, fields, staff

from concierge import Admin, Concierge, NotFoundError, PermissionDeniedError, SandboxControls, ValidationError

EMAIL = "ada@example.org"


def test_an_unavailable_mailer_delays_the_email_until_the_dispatcher_delivers_it_once(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-MOVE-2, R-SDK-3: a transient failure is retried after a backoff, and sent once
    controls.fail_next("send", "unavailable")

    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email=EMAIL, send_mobile_activation=True)

    assert ada.status == "pending_activation"
    assert [r.id for r in concierge.list_residents(admin)] == [ada.id]
    assert controls.sent_emails() == []
    [entry] = concierge.list_outbox(admin, "pending")
    assert entry.kind == "activation_email"
    assert entry.attempts == 1
    assert entry.last_error is not None and "sandbox-mailer" in entry.last_error
    assert entry.next_attempt_at > controls.now()

    not_yet = concierge.dispatch_outbox()
    assert (not_yet.delivered, not_yet.retrying) == (0, 0)

    controls.advance(hours=1)
    report = concierge.dispatch_outbox()

    assert (report.delivered, report.retrying, report.parked, report.skipped) == (1, 0, 0, 0)
    assert [m.to for m in controls.sent_emails()] == [EMAIL]
    assert concierge.dispatch_outbox().delivered == 0
    assert len(controls.sent_emails()) == 1
    token = controls.last_activation_token(EMAIL)
    assert token is not None
    assert concierge.activate(token, accept_terms=True, password="correct horse battery staple").status == "live"


def test_a_rejected_email_is_parked_for_an_admin_and_can_be_retried(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-MOVE-2
    controls.fail_next("send", "rejected")

    ada = concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email=EMAIL, send_mobile_activation=True)

    assert ada.status == "pending_activation"
    assert controls.sent_emails() == []
    [parked] = concierge.list_outbox(admin, "parked")
    assert parked.status == "parked"
    assert parked.last_error is not None
    assert "sandbox-mailer" in parked.last_error and "rejected" in parked.last_error
    assert list(concierge.list_outbox(admin, "pending")) == []

    retried = concierge.retry_outbox_entry(admin, parked.id)

    assert retried.id == parked.id
    assert retried.status == "done"
    assert [m.to for m in controls.sent_emails()] == [EMAIL]


def test_the_outbox_is_for_integrations_admins(concierge: Concierge, admin: Admin) -> None:
    # R-PERM-1
    desk = staff("Desk", residence="full")

    with pytest.raises(PermissionDeniedError) as refused:
        list(concierge.list_outbox(desk, "parked"))
    with pytest.raises(NotFoundError) as missing:
        concierge.retry_outbox_entry(admin, "obx_nope")

    assert (refused.value.permission, refused.value.required) == ("integrations", "read")
    assert (missing.value.entity, missing.value.id) == ("outbox_entry", "obx_nope")


def test_an_unknown_fault_kind_or_outbox_status_is_a_validation_error_naming_the_field(
    concierge: Concierge, controls: SandboxControls, admin: Admin
) -> None:
    # The core reads every enum: a bad value is a ValidationError on its field, as in Node.
    with pytest.raises(ValidationError, match="must be one of") as kind:
        controls.fail_next("send", "on_fire")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="must be one of") as status:
        list(concierge.list_outbox(admin, "lost"))  # type: ignore[arg-type]
    assert (fields(kind.value), fields(status.value)) == (["kind"], ["status"])
    assert controls.calls("send") == 0
