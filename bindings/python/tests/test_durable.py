"""Durable handles: what a handle acknowledged survives closing it and opening the file (or the
database) again; a closed handle refuses every call; a database that is damaged or not
Concierge's is refused unchanged; a connection error never shows the password (R-SDK-4,
R-SDK-2, R-SDK-5)."""

from __future__ import annotations

import os
import pickle
import sqlite3
import uuid
from pathlib import Path
from typing import Callable

import pytest
from conftest import closed_port, fields, shown, staff

from concierge import (
    Admin,
    AsyncConcierge,
    ClosedError,
    Concierge,
    StoreError,
    ValidationError,
)

PG_CANARY = "canary-PG-pa55"
SMTP_CANARY = "canary-SMTP-pa55word-9c1e"

# Every process sharing a PostgreSQL database is given the same activation secret.
SHARED_SECRET = "the tests' shared activation secret"


def open_sandbox(path: object, seed: int = 7) -> Concierge:
    """A sandbox handle keeping its state in the SQLite file at `path`."""
    return Concierge.open(store=str(path), sandbox={"seed": seed})


def smtp(**more: object) -> dict[str, object]:
    """An SMTP server nothing listens on: these handles send no email."""
    return {"host": "127.0.0.1", "port": closed_port(), "tls": "none", **more}


def furnish(concierge: Concierge, admin: Admin, site_name: str = "harbour-view") -> str:
    """Registers a property, a building and a unit; the unit's id."""
    prop = concierge.register_property(admin, "Harbour View", site_name)
    tower = concierge.register_building(admin, prop.id, "Tower A")
    return concierge.register_unit(admin, tower.id, "1204", floor="12").id


def test_a_sandbox_file_keeps_the_resident_and_their_invitation_across_a_reopen(tmp_path: Path) -> None:
    # R-SDK-4
    path = tmp_path / "concierge.db"
    admin = Admin.full_access("desk-1", "Front desk")
    first = open_sandbox(path)
    unit_id = furnish(first, admin)
    ada = first.move_in(admin, unit_id, "Ada", "Lovelace", email="ada@example.org", send_mobile_activation=True)
    first.close()

    again = open_sandbox(path)
    try:
        [back] = again.list_residents(admin)
        assert (back.id, back.first_name, back.unit_id) == (ada.id, "Ada", unit_id)
        assert back.status == "pending_activation"
        assert back.invitations_sent == 1
        assert [p.site_name for p in again.list_properties(admin)] == ["harbour-view"]
    finally:
        again.close()


def test_an_email_the_mailer_refused_is_still_queued_after_a_reopen(tmp_path: Path) -> None:
    # R-SDK-4
    path = tmp_path / "concierge.db"
    admin = Admin.full_access("desk-1", "Front desk")
    with open_sandbox(path) as first:
        controls = first.sandbox_controls
        assert controls is not None
        unit_id = furnish(first, admin)
        controls.fail_next("send", "unavailable")
        first.move_in(admin, unit_id, "Ada", "Lovelace", email="ada@example.org", send_mobile_activation=True)
        assert controls.sent_emails() == []

    with open_sandbox(path) as again:
        controls = again.sandbox_controls
        assert controls is not None
        [entry] = again.list_outbox(admin, "pending")
        assert (entry.kind, entry.status, entry.attempts) == ("activation_email", "pending", 1)
        assert entry.last_error is not None

        # The reopened handle delivers it.
        controls.advance(hours=1)
        assert again.dispatch_outbox().delivered == 1
        assert [m.to for m in controls.sent_emails()] == ["ada@example.org"]
        assert list(again.list_outbox(admin, "pending")) == []


def test_a_closed_handle_raises_closed_error_for_every_call_and_closing_twice_is_harmless(tmp_path: Path) -> None:
    # R-SDK-5
    admin = Admin.full_access("desk-1", "Front desk")
    reader = staff("Reader", residence="read")
    concierge = open_sandbox(tmp_path / "concierge.db")
    prop = concierge.register_property(admin, "Harbour View", "harbour-view")

    concierge.close()
    concierge.close()

    calls: list[Callable[[], object]] = [
        lambda: concierge.list_properties(admin),
        lambda: concierge.get_property(reader, prop.id),
        lambda: concierge.register_building(admin, prop.id, "Tower A"),
        lambda: concierge.register_property(reader, "Elsewhere", "elsewhere"),
        lambda: concierge.activate("not-a-token", accept_terms=True, password="correct horse battery staple"),
        lambda: concierge.dispatch_outbox(),
    ]
    for call in calls:
        with pytest.raises(ClosedError) as info:
            call()
        assert (info.value.code, info.value.retryable) == ("CLOSED", False)
        assert str(info.value) == "this Concierge handle is closed"


def test_with_closes_the_handle_even_when_the_block_raises(tmp_path: Path) -> None:
    # R-SDK-5
    admin = Admin.full_access("desk-1", "Front desk")
    with open_sandbox(tmp_path / "concierge.db") as concierge:
        assert isinstance(concierge, Concierge)
        concierge.list_properties(admin)
    with pytest.raises(ClosedError):
        concierge.list_properties(admin)

    with pytest.raises(KeyError):
        with Concierge.open(sandbox={}) as in_memory:
            raise KeyError("boom")
    with pytest.raises(ClosedError):
        in_memory.list_properties(admin)


def test_a_damaged_file_is_refused_naming_the_file_and_left_unchanged(tmp_path: Path) -> None:
    # R-SDK-4
    path = tmp_path / "concierge.db"
    junk = bytes(range(256)) * 64
    path.write_bytes(junk)

    with pytest.raises(StoreError) as info:
        open_sandbox(path)

    err = info.value
    assert err.code == "STORE"
    assert str(path) in str(err)
    assert err.location == str(path)
    assert isinstance(err.supported, int) and not isinstance(err.supported, bool)
    assert err.found is None
    assert err.retryable is False
    assert path.read_bytes() == junk
    assert sorted(p.name for p in tmp_path.iterdir()) == ["concierge.db"]


def test_the_file_of_another_sqlite_application_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    # R-SDK-4
    path = tmp_path / "books.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)")
        db.execute("INSERT INTO invoices (total) VALUES (42)")
    db.close()
    before = path.read_bytes()

    with pytest.raises(StoreError, match="not a Concierge database") as info:
        Concierge.open(store=str(path), smtp=smtp())

    assert str(path) in str(info.value)
    assert info.value.location == str(path)
    assert isinstance(info.value.supported, int)
    assert info.value.retryable is False
    assert path.read_bytes() == before


def test_store_errors_pickle_with_location_and_schema_versions(tmp_path: Path) -> None:
    # R-SDK-5
    path = tmp_path / "concierge.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError) as info:
        open_sandbox(path)

    back = pickle.loads(pickle.dumps(info.value))

    assert type(back) is StoreError
    names = ("code", "args", "retryable", "location", "found", "supported")
    assert [getattr(back, f) for f in names] == [getattr(info.value, f) for f in names]
    assert str(back) == str(info.value)


def test_an_unreachable_postgres_is_a_retryable_store_error_without_the_password() -> None:
    # R-SDK-4, R-SDK-2
    port = closed_port()
    url = f"postgres://u:{PG_CANARY}@127.0.0.1:{port}/db"

    with pytest.raises(StoreError) as info:
        Concierge.open(store=url, smtp=smtp(), activation_secret=SHARED_SECRET)

    err = info.value
    assert err.retryable is True
    assert "127.0.0.1" in str(err)
    assert [getattr(err, name, None) for name in ("location", "found", "supported")] == [None, None, None]
    assert PG_CANARY not in shown(err)
    assert PG_CANARY not in repr(err.args)
    assert all(PG_CANARY not in repr(v) for v in vars(err).values())
    assert PG_CANARY not in repr(pickle.loads(pickle.dumps(err)).args)


def test_a_production_sqlite_handle_keeps_its_state_and_never_shows_the_smtp_password(tmp_path: Path) -> None:
    # R-SDK-4, R-SDK-2
    path = tmp_path / "concierge.db"
    mail = smtp(username="desk", password=SMTP_CANARY)
    admin = Admin.full_access("desk-1", "Front desk")
    with Concierge.open(store=str(path), smtp=mail, activation_validity_days=3) as concierge:
        assert concierge.sandbox_controls is None
        assert str(path) in repr(concierge) and SMTP_CANARY not in repr(concierge)
        unit_id = furnish(concierge, admin)
        ada = concierge.move_in(admin, unit_id, "Ada", "Lovelace", email="ada@example.org")

    with Concierge.open({"store": str(path), "smtp": mail}) as again:
        assert [(r.id, r.status) for r in again.list_residents(admin)] == [(ada.id, "not_invited")]


def test_bad_settings_are_refused_before_the_file_is_created(tmp_path: Path) -> None:
    # R-SDK-4
    path = tmp_path / "concierge.db"

    with pytest.raises(ValidationError) as no_password:
        Concierge.open(store=str(path), smtp=smtp(username="desk"))
    with pytest.raises(ValidationError) as no_validity:
        Concierge.open(store=str(path), smtp=smtp(), activation_validity_days=0)
    with pytest.raises(ValidationError) as unknown:
        Concierge.open(store=str(path), smtp=smtp(), activation_validity=7)

    assert fields(no_password.value) == ["smtp.password"]
    assert fields(no_validity.value) == ["activation_validity_days"]
    assert fields(unknown.value) == ["activation_validity"]
    assert list(tmp_path.iterdir()) == []


async def test_bad_settings_are_refused_by_the_async_opening_before_the_file_is_created(tmp_path: Path) -> None:
    # R-SDK-4
    path = tmp_path / "concierge.db"

    with pytest.raises(ValidationError) as too_long:
        await AsyncConcierge.open(store=str(path), smtp=smtp(), activation_validity_days=10**12)

    assert fields(too_long.value) == ["activation_validity_days"]
    assert list(tmp_path.iterdir()) == []


def test_a_postgres_handle_works_end_to_end() -> None:
    # R-SDK-4
    url = os.environ.get("DATABASE_URL")
    if not url:
        pytest.skip("DATABASE_URL is not set")
    admin = Admin.full_access("desk-1", "Front desk")
    site = f"py-{uuid.uuid4().hex[:12]}"

    with Concierge.open(store=url, smtp=smtp(), activation_secret=SHARED_SECRET) as concierge:
        assert concierge.sandbox_controls is None
        assert "postgres://" in repr(concierge)
        unit_id = furnish(concierge, admin, site_name=site)
        ada = concierge.move_in(admin, unit_id, "Ada", "Lovelace", email="ada@example.org")
        prop_id = ada.property_id
        residents = list(concierge.list_residents(admin, property_id=prop_id))

    assert [(r.id, r.first_name, r.status) for r in residents] == [(ada.id, "Ada", "not_invited")]
    with pytest.raises(ClosedError):
        list(concierge.list_residents(admin, property_id=prop_id))
    # Another handle on the same database sees what this one stored.
    with Concierge.open(store=url, hold_email=True, activation_secret=SHARED_SECRET) as again:
        assert [r.id for r in again.list_residents(admin, property_id=prop_id)] == [ada.id]


async def test_the_async_handle_opens_a_sandbox_file_and_closes(tmp_path: Path) -> None:
    # R-SDK-4, R-SDK-5
    path = tmp_path / "concierge.db"
    admin = Admin.full_access("desk-1", "Front desk")

    async with await AsyncConcierge.open(store=str(path), sandbox={"seed": 7}) as first:
        assert isinstance(first, AsyncConcierge)
        prop = await first.register_property(admin, "Harbour View", "harbour-view")
    with pytest.raises(ClosedError):
        await first.list_properties(admin)

    again = await AsyncConcierge.open({"store": str(path), "sandbox": {"seed": 7}})
    assert [p.id for p in await again.list_properties(admin)] == [prop.id]
    await again.close()
    await again.close()
    with pytest.raises(ClosedError):
        await again.register_building(admin, prop.id, "Tower A")

    async with await AsyncConcierge.open(store=str(path), sandbox={}) as third:
        assert [p.id for p in await third.list_properties(admin)] == [prop.id]
    with pytest.raises(ClosedError):
        await third.list_properties(admin)


async def test_an_async_opening_opens_once_and_raises_store_errors_when_awaited(tmp_path: Path) -> None:
    # R-SDK-5
    path = tmp_path / "concierge.db"
    opening = AsyncConcierge.open(store=str(path), sandbox={})
    assert not path.exists()

    concierge = await opening
    with pytest.raises(RuntimeError, match="await"):
        await opening
    await concierge.close()

    path.write_bytes(b"\xff" * 4096)
    with pytest.raises(StoreError) as info:
        await AsyncConcierge.open(store=str(path), sandbox={})
    assert str(path) in str(info.value)
    with pytest.raises(StoreError):
        async with await AsyncConcierge.open(store=str(path), smtp=smtp()):
            pass  # pragma: no cover - the store is refused first
    assert path.read_bytes() == b"\xff" * 4096


def test_the_optional_fields_of_a_store_error_are_none_when_absent() -> None:
    url = f"postgres://u:{PG_CANARY}@127.0.0.1:{closed_port()}/db"
    with pytest.raises(StoreError) as info:
        Concierge.open(store=url, smtp=smtp(), activation_secret=SHARED_SECRET)

    assert (info.value.location, info.value.found, info.value.supported) == (None, None, None)
