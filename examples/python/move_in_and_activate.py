"""Move a resident in with the mobile activation email, then activate the account with the
link's token, on the sandbox.

Run: python examples/python/move_in_and_activate.py (after `maturin develop` in bindings/python)
"""

from concierge import Admin, Concierge, Resident


def main() -> None:
    with Concierge.open(sandbox={"seed": 7}) as concierge:
        controls = concierge.sandbox_controls
        assert controls is not None
        desk = Admin.full_access("desk-1", "Front desk")

        prop = concierge.register_property(desk, "Harbour View", "harbour-view")
        tower = concierge.register_building(desk, prop.id, "Tower A")
        unit = concierge.register_unit(desk, tower.id, "1204", floor="12")
        ada: Resident = concierge.move_in(
            desk, unit.id, "Ada", "Lovelace", email="ada@example.org", send_mobile_activation=True
        )
        print(f"{ada.first_name} {ada.last_name}: {ada.status}, link valid until {ada.activation_expires_at}")

        # The resident follows the link in the welcome email.
        token = controls.last_activation_token("ada@example.org")
        assert token is not None
        ada = concierge.activate(token, accept_terms=True, password="correct horse battery staple")
        print(f"{ada.first_name} {ada.last_name}: {ada.status}")
        assert concierge.account_status(desk, ada.id) == "live"


if __name__ == "__main__":
    main()
