"""Shared fixtures: a sandbox handle, an admin with full access, and one unit to move into."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Iterator

import pytest

from concierge import (
    AccessLevel,
    Admin,
    Building,
    Concierge,
    Permissions,
    Property,
    SandboxControls,
    Unit,
)


@dataclass
class Place:
    property: Property
    building: Building
    unit: Unit


def sandbox(seed: int = 7, **settings: object) -> Concierge:
    """A handle on the sandbox, in memory."""
    return Concierge.open(sandbox={"seed": seed}, **settings)


def staff(
    name: str, *, integrations: AccessLevel = "none", residence: AccessLevel = "none", id: str = ""
) -> Admin:
    """An admin with the given levels; its id is made from its name unless given."""
    return Admin(
        id=id or name.lower().replace(" ", "-"),
        name=name,
        permissions=Permissions(integrations=integrations, residence=residence),
    )


@pytest.fixture
def concierge() -> Iterator[Concierge]:
    with sandbox(7) as handle:
        yield handle


@pytest.fixture
def controls(concierge: Concierge) -> SandboxControls:
    controls = concierge.sandbox_controls
    assert controls is not None
    return controls


@pytest.fixture
def admin() -> Admin:
    return Admin.full_access("desk-1", "Front desk")


@pytest.fixture
def place(concierge: Concierge, admin: Admin) -> Place:
    prop = concierge.register_property(admin, "Harbour View", "harbour-view")
    tower = concierge.register_building(admin, prop.id, "Tower A")
    unit = concierge.register_unit(admin, tower.id, "1204", floor="12")
    return Place(prop, tower, unit)


def snapshot(concierge: Concierge, admin: Admin) -> tuple[object, ...]:
    """What a refused call must leave unchanged: every resident with its status, and every
    email sent."""
    controls = concierge.sandbox_controls
    assert controls is not None
    residents = [(r.id, r.first_name, r.last_name, r.status) for r in concierge.list_residents(admin)]
    emails = [(m.to, m.subject) for m in controls.sent_emails()]
    return residents, emails, controls.calls("send")


def issues(err: object) -> list[tuple[str, str]]:
    """A validation error's issues as (field, message) pairs."""
    return [(i.field, i.message) for i in getattr(err, "issues")]


def fields(err: object) -> list[str]:
    """The fields a validation error names, in order."""
    return [i.field for i in getattr(err, "issues")]


def closed_port() -> int:
    """A local port nothing listens on: bind one, then free it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def shown(obj: object) -> str:
    return f"{obj!r} {obj!s}"
