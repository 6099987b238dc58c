"""With asyncio: the mail provider is down when a resident moves in; the move-in still commits,
and the outbox delivers the welcome email once the provider is back.

Run: python examples/python/outbox_retry_async.py (after `maturin develop` in bindings/python)
"""

import asyncio

from concierge import Admin, AsyncConcierge


async def main() -> None:
    async with await AsyncConcierge.open(sandbox={"seed": 7}) as concierge:
        controls = concierge.sandbox_controls
        assert controls is not None
        desk = Admin.full_access("desk-1", "Front desk")

        prop = await concierge.register_property(desk, "Harbour View", "harbour-view")
        tower = await concierge.register_building(desk, prop.id, "Tower A")
        unit = await concierge.register_unit(desk, tower.id, "1204")

        controls.fail_next("send", "unavailable")
        ada = await concierge.move_in(
            desk, unit.id, "Ada", "Lovelace", email="ada@example.org", send_mobile_activation=True
        )
        [entry] = [e async for e in concierge.list_outbox(desk, "pending")]
        print(f"{ada.first_name} is {ada.status}; email not sent yet: {entry.last_error}")

        controls.advance(hours=1)
        report = await concierge.dispatch_outbox()
        print(f"dispatch: {report}; emails sent: {len(controls.sent_emails())}")


if __name__ == "__main__":
    asyncio.run(main())
