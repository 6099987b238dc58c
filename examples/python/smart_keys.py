"""Preview and write a smart key on the sandbox encoder, survive a missing card and a lost
reply, replace a lost card, and cut a spare key.

Run: python examples/python/smart_keys.py (after `maturin develop` in bindings/python)
"""

import time

from concierge import Admin, Concierge, KeyHolder, ProviderError


def main() -> None:
    # The SDK waits 0.2 s for a key write before it stops waiting (90 s by default); the
    # sandbox encoder writes a key in 10 ms (3 s by default).
    settings = {"sandbox": {"seed": 7, "key_write_time_ms": 10}, "key_write_deadline_seconds": 0.2}
    with Concierge.open(settings) as concierge:
        controls = concierge.sandbox_controls
        assert controls is not None
        desk = Admin.full_access("desk-1", "Front desk")

        prop = concierge.register_property(desk, "Harbour View", "harbour-view")
        tower = concierge.register_building(desk, prop.id, "Tower A")
        unit = concierge.register_unit(desk, tower.id, "1204", floor="12")
        ada = concierge.move_in(desk, unit.id, "Ada", "Lovelace")
        for encoder in concierge.list_encoders(desk):
            print(f"{encoder.external.id}: {encoder.name} (online={encoder.online})")

        lobby = "ncoder-1"
        holder = KeyHolder(kind="resident", id=ada.id)
        preview = concierge.preview_key(desk, holder, lobby)
        print(f"about to write a key for {preview.holder_name}, unit {preview.unit.number}, on {preview.encoder.name}")

        controls.set_encoder(lobby, card_present=False)
        try:
            concierge.make_key(desk, holder, lobby)
        except ProviderError as err:
            print(f"refused ({err.kind}): {err}")
        controls.set_encoder(lobby, card_present=True)

        # The write outlasts the deadline: the reply is lost, the key stays "encoding". Retrying
        # finishes the same write.
        controls.set_encoder_write_time(400)
        try:
            concierge.make_key(desk, holder, lobby)
        except ProviderError as err:
            print(f"lost reply ({err.kind}, retryable={err.retryable})")
        time.sleep(0.5)
        controls.set_encoder_write_time(10)
        key = concierge.make_key(desk, holder, lobby)
        print(f"written: {key.id} {key.state} ({controls.encoder_keys_written()} write on the encoder)")

        # A lost card: the old key is replaced and cancelled in the lock system.
        concierge.make_key(desk, holder, lobby, replace=True)
        for k in concierge.list_keys(desk, holder=holder):
            print(f"  {k.id}: {k.state}")

        spare = concierge.add_spare_holder(desk, unit.id, "Spare: cleaner")
        spare_key = concierge.make_key(desk, KeyHolder(kind="spare", id=spare.id), lobby)
        print(f"spare key: {spare_key.id} on {spare_key.encoder.id}")
        print(f"cancelled: {concierge.cancel_key(desk, spare_key.id).state}")


if __name__ == "__main__":
    main()
