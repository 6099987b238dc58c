"""Secrets never leak: the SMTP password and activation tokens stay out of every repr, str and
error text (R-SDK-2)."""

from __future__ import annotations

import pickle

import pytest
from conftest import Place, closed_port, fields, shown

from concierge import Admin, Concierge, ConciergeError, SandboxControls, ValidationError

CANARY = "canary-SMTP-pa55word-7f3a"


def assert_no_canary(err: BaseException) -> None:
    assert CANARY not in shown(err)
    assert CANARY not in repr(err.args)
    assert all(CANARY not in repr(v) for v in vars(err).values())
    assert CANARY not in repr(pickle.loads(pickle.dumps(err)).args)


def test_the_smtp_password_is_never_shown_by_the_handle() -> None:
    # R-SDK-2
    smtp = {"host": "mail.example.org", "port": 587, "username": "desk@example.org", "password": CANARY}

    with Concierge.open(smtp=smtp) as concierge:
        assert repr(concierge) == "Concierge(store=memory, mailer=smtp(mail.example.org:587))"
        assert CANARY not in shown(concierge)
        assert all(CANARY not in repr(v) for v in vars(concierge).values())


def test_a_bad_smtp_config_raises_without_the_password() -> None:
    # R-SDK-2
    with pytest.raises(ValidationError, match="must be one of") as bad_tls:
        Concierge.open(smtp={"host": "mail.example.org", "password": CANARY, "username": "u", "tls": "ssl3"})
    with pytest.raises(ValidationError) as no_user:
        Concierge.open(smtp={"host": "mail.example.org", "port": 587, "password": CANARY})
    with pytest.raises(ValidationError) as unknown:
        Concierge.open(smtp={"host": "mail.example.org", "pasword": CANARY})

    assert fields(bad_tls.value) == ["smtp.tls"]
    assert fields(no_user.value) == ["smtp.password"]
    assert fields(unknown.value) == ["smtp.pasword"]
    for err in (bad_tls.value, no_user.value, unknown.value):
        assert_no_canary(err)


def test_an_unreachable_smtp_server_keeps_the_invitation_and_its_error_has_no_password() -> None:
    # R-SDK-2, R-STATUS-2
    port = closed_port()
    smtp = {
        "host": "127.0.0.1",
        "port": port,
        "username": "desk@example.org",
        "password": CANARY,
        "tls": "none",
        "timeout_seconds": 5,
    }
    concierge = Concierge.open(smtp=smtp)
    admin = Admin.full_access("desk-1", "Front desk")
    raised: list[BaseException] = []
    assert concierge.sandbox_controls is None

    try:
        prop = concierge.register_property(admin, "Harbour View", "harbour-view")
        unit = concierge.register_unit(admin, concierge.register_building(admin, prop.id, "A").id, "1")
        ada = concierge.move_in(admin, unit.id, "Ada", "Lovelace", email="ada@example.org")
        invited = concierge.invite(admin, ada.id)
        report = concierge.dispatch_outbox()
    except ConciergeError as e:  # pragma: no cover - shown on failure
        raised.append(e)

    assert raised == []
    assert invited.status == "pending_activation"
    assert concierge.account_status(admin, ada.id) == "pending_activation"
    assert report.delivered == 0
    entries = [e for status in ("pending", "parked", "done") for e in concierge.list_outbox(admin, status)]  # type: ignore[arg-type]
    [entry] = entries
    assert entry.status in ("pending", "parked")
    assert entry.attempts >= 1
    assert entry.last_error is not None
    assert f"127.0.0.1:{port}" in entry.last_error
    assert CANARY not in entry.last_error
    assert CANARY not in shown(entry)
    concierge.close()


def test_the_activation_token_is_in_no_outbox_entry_repr_or_error(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-STATUS-5, R-SDK-2
    controls.fail_next("send", "unavailable")
    concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email="ada@example.org", send_mobile_activation=True)
    [pending] = concierge.list_outbox(admin, "pending")
    controls.advance(hours=1)
    concierge.dispatch_outbox()
    token = controls.last_activation_token("ada@example.org")
    assert token is not None
    [email] = controls.sent_emails()
    [done] = concierge.list_outbox(admin, "done")
    concierge.activate(token, accept_terms=True, password="correct horse battery staple")

    with pytest.raises(ConciergeError) as reused:
        concierge.activate(token, accept_terms=True, password="correct horse battery staple")

    assert token in email.body
    for obj in (pending, done, reused.value, concierge, controls):
        assert token not in shown(obj)
    assert token not in repr(reused.value.args)
    assert all(token not in repr(v) for v in vars(reused.value).values())
    assert all(token not in str(getattr(done, name)) for name in ("id", "kind", "subject_id", "status", "last_error"))


def test_a_sent_emails_repr_does_not_show_the_activation_link(
    concierge: Concierge, controls: SandboxControls, admin: Admin, place: Place
) -> None:
    # R-SDK-2
    concierge.move_in(admin, place.unit.id, "Ada", "Lovelace", email="ada@example.org", send_mobile_activation=True)
    token = controls.last_activation_token("ada@example.org")
    assert token is not None
    [email] = controls.sent_emails()

    assert token not in shown(email)


def test_a_residents_repr_leaves_out_personal_data_it_carries() -> None:
    with Concierge.open(sandbox={"seed": 7}) as c:
        desk = Admin.full_access("desk-1", "Front desk")
        prop = c.register_property(desk, "Harbour View", "harbour-view")
        tower = c.register_building(desk, prop.id, "Tower A")
        unit = c.register_unit(desk, tower.id, "1204")
        ada = c.move_in(desk, unit.id, "Ada", "Lovelace", email="ada@example.org", phone="+61 400 000 000")
        assert ada.email == "ada@example.org"
        assert "ada@example.org" not in repr(ada)
        assert "+61 400" not in repr(ada)
        assert "Lovelace" in repr(ada)
