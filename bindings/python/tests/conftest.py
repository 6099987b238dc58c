"""Shared fixtures: a sandbox handle, an admin with full access, and one unit to move into."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import pytest

from concierge import Admin, Building, Concierge, Property, SandboxControls, Unit


@dataclass
class Place:
    property: Property
    building: Building
    unit: Unit


@pytest.fixture
def concierge() -> Concierge:
    return Concierge.sandbox(seed=7)


@pytest.fixture
def controls(concierge: Concierge) -> SandboxControls:
    controls = concierge.sandbox_controls
    assert controls is not None
    return controls


@pytest.fixture
def admin() -> Admin:
    return Admin.full_access("Front desk")


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


def closed_port() -> int:
    """A local port nothing listens on: bind one, then free it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
