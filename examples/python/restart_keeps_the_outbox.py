"""The sandbox on a SQLite file: the mail provider is down when a resident moves in, the
process stops, and after a restart the queued welcome email is still there and goes out.

Run: python examples/python/restart_keeps_the_outbox.py (after `maturin develop` in bindings/python)
"""

import tempfile
from pathlib import Path

from concierge import Admin, Concierge


def main() -> None:
    desk = Admin.full_access("desk-1", "Front desk")
    with tempfile.TemporaryDirectory() as tmp:
        settings = {"store": str(Path(tmp) / "concierge.db"), "sandbox": {"seed": 7}}
        with Concierge.open(settings) as concierge:
            controls = concierge.sandbox_controls
            assert controls is not None
            prop = concierge.register_property(desk, "Harbour View", "harbour-view")
            tower = concierge.register_building(desk, prop.id, "Tower A")
            unit = concierge.register_unit(desk, tower.id, "1204")
            controls.fail_next("send", "unavailable")
            ada = concierge.move_in(
                desk, unit.id, "Ada", "Lovelace", email="ada@example.org", send_mobile_activation=True
            )
            print(f"{ada.first_name} is {ada.status}; emails sent: {len(controls.sent_emails())}")

        # A restart: a new handle on the same file.
        with Concierge.open(settings) as concierge:
            controls = concierge.sandbox_controls
            assert controls is not None
            [entry] = concierge.list_outbox(desk, "pending")
            print(f"after the restart: {entry.kind} is {entry.status} ({entry.attempts} attempt)")
            controls.advance(hours=1)
            report = concierge.dispatch_outbox()
            print(f"dispatch: {report}; sent to {[m.to for m in controls.sent_emails()]}")


if __name__ == "__main__":
    main()
