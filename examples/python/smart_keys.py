"""Preview and write a smart key on the sandbox encoder, survive a missing card and a lost
reply, replace a lost card, and cut a spare key.

Run: python examples/python/smart_keys.py (after `maturin develop` in bindings/python)
"""

import time

from concierge import Admin, Concierge, ProviderError


def main() -> None:
    # The SDK waits 0.2 s for a key write before it stops waiting (90 s by default).
    concierge = Concierge.sandbox(seed=7, key_write_deadline_seconds=0.2)
    controls = concierge.sandbox_controls
    assert controls is not None
    controls.encoder_set_write_time(10)  # milliseconds; 3 s by default
    admin = Admin.full_access("Front desk")

    prop = concierge.register_property(admin, "Harbour View", "harbour-view")
    tower = concierge.register_building(admin, prop.id, "Tower A")
    unit = concierge.register_unit(admin, tower.id, "1204", floor="12")
    ada = concierge.move_in(admin, unit.id, "Ada", "Lovelace")
    for encoder in concierge.list_encoders(admin):
        print(encoder)
    lobby = "ncoder-1"

    preview = concierge.preview_key(admin, resident_id=ada.id, encoder=lobby)
    print(f"about to write a key for {preview.holder_name}, unit {preview.unit.number}, on {preview.encoder.name}")

    controls.encoder_set_card_present(lobby, False)
    try:
        concierge.make_key(admin, resident_id=ada.id, encoder=lobby)
    except ProviderError as err:
        print(f"refused ({err.kind}): {err.message}")
    controls.encoder_set_card_present(lobby, True)

    # The write outlasts the deadline: the reply is lost, the key stays "encoding". Retrying
    # finishes the same write.
    controls.encoder_set_write_time(400)
    try:
        concierge.make_key(admin, resident_id=ada.id, encoder=lobby)
    except ProviderError as err:
        print(f"lost reply ({err.kind}, retryable={err.retryable})")
    time.sleep(0.5)
    controls.encoder_set_write_time(10)
    key = concierge.make_key(admin, resident_id=ada.id, encoder=lobby)
    print(f"written: {key} ({controls.encoder_keys_written()} write on the encoder)")

    # A lost card: the old key is replaced and cancelled in the lock system.
    concierge.make_key(admin, resident_id=ada.id, encoder=lobby, replace=True)
    for k in concierge.list_keys(admin, resident_id=ada.id):
        print(f"  {k.id}: {k.state}")

    spare = concierge.add_spare_holder(admin, unit.id, "Spare: cleaner")
    spare_key = concierge.make_key(admin, spare_holder_id=spare.id, encoder=lobby)
    print(f"spare key: {spare_key}")
    print(f"cancelled: {concierge.cancel_key(admin, spare_key.id).state}")


if __name__ == "__main__":
    main()
