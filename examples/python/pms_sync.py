"""Link a property to its record in the sandbox PMS, sync it, change the PMS, sync again, and
show the typed errors of the records that could not be applied.

The sandbox PMS stands in for Buildium here: the Buildium simulator (crates/concierge-buildium-sim)
is a Rust test server with no Python entry point. A real Buildium account is configured with
`Concierge.open(store=..., smtp={...}, buildium={"client_id": ..., "client_secret": ...})`.

Run: python examples/python/pms_sync.py (after `maturin develop` in bindings/python)
"""

from concierge import Admin, Concierge


def main() -> None:
    with Concierge.open(sandbox={"seed": 21}) as concierge:
        controls = concierge.sandbox_controls
        assert controls is not None
        desk = Admin.full_access("desk-1", "Front desk")

        prop = concierge.register_property(
            desk, "Harbour View", "harbour-view", settings={"future_resident_sync": True}
        )
        pms_property = concierge.list_pms_properties(desk)[0]
        concierge.link_pms_property(desk, prop.id, pms_property.external.id)
        run = concierge.sync_now(desk, prop.id).run
        print(f"first sync: {run.counts}")

        # The PMS's staff rename one resident, drop another, and garble a third record.
        records = controls.pms_residents(pms_property.external.id)
        controls.pms_update_resident(records[0].external.id, last_name="Renamed")
        controls.pms_remove_resident(records[1].external.id)
        controls.pms_update_resident(records[2].external.id, email="not-an-email")
        run = concierge.sync_now(desk, prop.id).run
        print(f"second sync: {run.counts}")
        for error in concierge.sync_errors(desk, prop.id):
            print(f"  {error.kind} ({error.field}): {error.message}")

        # A spare key holder is never moved out by a sync.
        unit = concierge.list_units(desk, prop.id)[0]
        concierge.add_spare_holder(desk, unit.id, "Spare: cleaner")
        print(f"spare holders of unit {unit.number}: {list(concierge.list_spare_holders(desk, unit.id))}")


if __name__ == "__main__":
    main()
