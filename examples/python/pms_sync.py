"""Link a property to its record in the sandbox PMS, sync it, change the PMS, sync again, and
show the typed errors of the records that could not be applied.

Run: python examples/python/pms_sync.py (after `maturin develop` in bindings/python)
"""

from concierge import Admin, Concierge, PropertySettings


def main() -> None:
    concierge = Concierge.sandbox(seed=21)
    controls = concierge.sandbox_controls
    assert controls is not None
    admin = Admin.full_access("Front desk")

    settings = PropertySettings(future_resident_sync=True)
    prop = concierge.register_property(admin, "Harbour View", "harbour-view", settings=settings)
    pms_property = concierge.list_pms_properties(admin)[0]
    concierge.link_pms_property(admin, prop.id, pms_property.external_ref.id)
    run = concierge.sync_now(admin, prop.id).run
    print(f"first sync: {run.counts}")

    # The PMS's staff rename one resident, drop another, and garble a third record.
    records = controls.pms_residents(pms_property.external_ref.id)
    controls.pms_update_resident(records[0].external_id, last_name="Renamed")
    controls.pms_remove_resident(records[1].external_id)
    controls.pms_update_resident(records[2].external_id, email="not-an-email")
    run = concierge.sync_now(admin, prop.id).run
    print(f"second sync: {run.counts}")
    for error in concierge.sync_errors(admin, prop.id):
        print(f"  {error.kind} ({error.field}): {error.message}")

    # A spare key holder is never moved out by a sync.
    unit = concierge.list_units(admin, prop.id)[0]
    concierge.add_spare_holder(admin, unit.id, "Spare: cleaner")
    print(f"spare holders of unit {unit.number}: {concierge.list_spare_holders(admin, unit.id)}")


if __name__ == "__main__":
    main()
