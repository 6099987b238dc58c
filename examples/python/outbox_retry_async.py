"""With asyncio: the mail provider is down when a resident moves in; the move-in still commits,
and the outbox delivers the welcome email once the provider is back.

Run: python examples/python/outbox_retry_async.py (after `maturin develop` in bindings/python)
"""

import asyncio

from concierge import Admin, AsyncConcierge


async def main() -> None:
    concierge = AsyncConcierge.sandbox(seed=7)
    controls = concierge.sandbox_controls
    assert controls is not None
    admin = Admin.full_access("Front desk")
    prop = await concierge.register_property(admin, "Harbour View", "harbour-view")
    tower = await concierge.register_building(admin, prop.id, "Tower A")
    unit = await concierge.register_unit(admin, tower.id, "1204")

    controls.fail_next("send", "unavailable")
    ada = await concierge.move_in(
        admin, unit.id, "Ada", "Lovelace", email="ada@example.org", send_mobile_activation=True
    )
    [entry] = await concierge.list_outbox(admin, "pending")
    print(f"{ada.first_name} is {ada.status}; email not sent yet: {entry.last_error}")

    controls.advance(hours=1)
    report = await concierge.dispatch_outbox()
    print(f"dispatch: {report}; emails sent: {len(controls.sent_emails())}")


if __name__ == "__main__":
    asyncio.run(main())
