"""Secrets never leak: the SMTP password and activation tokens stay out of every repr, str and
error text (R-SDK-2)."""

from __future__ import annotations

import pytest
from conftest import Place, closed_port

from concierge import Admin, Concierge, ConciergeError, SandboxControls, SmtpConfig, ValidationError

CANARY = "canary-SMTP-pa55word-7f3a"


def shown(obj: object) -> str:
    return f"{obj!r} {obj!s}"


def test_the_smtp_password_is_write_only_and_never_shown() -> None:
    # R-SDK-2
    cfg = SmtpConfig("mail.example.org", 587, username="desk@example.org", password=CANARY)

    assert CANARY not in shown(cfg)
    assert "password=<redacted>" in repr(cfg)
    assert not hasattr(cfg, "password")
    assert all(CANARY not in str(getattr(cfg, name, "")) for name in dir(cfg))
    assert (cfg.host, cfg.port, cfg.username, cfg.tls) == ("mail.example.org", 587, "desk@example.org", "starttls")
    assert CANARY not in shown(Concierge(smtp=cfg))


def test_a_bad_smtp_config_raises_without_the_password() -> None:
    # R-SDK-2
    with pytest.raises(ValueError, match="tls must be one of") as bad_tls:
        SmtpConfig("mail.example.org", 587, password=CANARY, tls="ssl3")  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as no_user:
        Concierge(smtp=SmtpConfig("mail.example.org", 587, password=CANARY))

    assert [i.field for i in no_user.value.issues] == ["smtp.password"]
    for err in (bad_tls.value, no_user.value):
        assert CANARY not in shown(err)
        assert CANARY not in repr(err.args)


def test_an_unreachable_smtp_server_keeps_the_invitation_and_its_error_has_no_password() -> None:
    # R-SDK-2, R-STATUS-2
    port = closed_port()
    cfg = SmtpConfig("127.0.0.1", port, username="desk@example.org", password=CANARY, timeout_seconds=5)
    concierge = Concierge(smtp=cfg)
    admin = Admin.full_access("Front desk")
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
    entries = [e for status in ("pending", "parked", "done") for e in concierge.list_outbox(admin, status)]
    [entry] = entries
    assert entry.status in ("pending", "parked")
    assert entry.attempts >= 1
    assert entry.last_error is not None
    assert f"127.0.0.1:{port}" in entry.last_error
    assert CANARY not in entry.last_error
    assert CANARY not in shown(entry)


def test_the_activation_token_is_in_no_outbox_entry_email_repr_or_error(
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
    concierge.activate(token, True)

    with pytest.raises(ConciergeError) as reused:
        concierge.activate(token, True)

    assert token in email.body
    for obj in (pending, done, email, reused.value, concierge, controls):
        assert token not in shown(obj)
    assert token not in repr(reused.value.args)
    assert all(token not in str(getattr(done, name)) for name in ("id", "kind", "status", "last_error"))
