"""`Concierge` and `AsyncConcierge` are one API: the same scenario gives the same results on
both (R-SDK-5)."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any, Union

import pytest

from conftest import staff

from concierge import Admin, AsyncConcierge, AsyncPaginator, Concierge, ConciergeError, NotFoundError, Paginator


async def done(value: Any) -> Any:
    """The value of a blocking call, or the awaited value of an async one; a listing's items."""
    if isinstance(value, Paginator):
        return list(value)
    if isinstance(value, AsyncPaginator):
        return [item async for item in value]
    return await value if inspect.isawaitable(value) else value


async def scenario(concierge: Union[Concierge, AsyncConcierge]) -> list[object]:
    """R-STATUS-1..5 and R-MOVE-2 in one go, recording everything observable."""
    controls = concierge.sandbox_controls
    assert controls is not None
    admin = Admin.full_access("desk-1", "Front desk")
    reader = staff("Reader", residence="read")
    trace: list[object] = []

    async def attempt(call: Any) -> None:
        try:
            result = await done(call())
            trace.append(("ok", getattr(result, "status", result)))
        except ConciergeError as e:
            fields = {k: v for k, v in vars(e).items() if k != "_fields_json"}
            trace.append((type(e).__name__, fields))

    prop = await done(concierge.register_property(admin, "Harbour View", "harbour-view"))
    tower = await done(concierge.register_building(admin, prop.id, "Tower A"))
    unit = await done(concierge.register_unit(admin, tower.id, "1204", floor="12"))
    ada = await done(concierge.move_in(admin, unit.id, "Ada", "Lovelace", email="ada@example.org"))
    trace.append(("moved in", ada.status, ada.first_name, ada.role, ada.move_in))

    await attempt(lambda: concierge.invite(reader, ada.id))
    await attempt(lambda: concierge.invite(admin, ada.id))
    await attempt(lambda: concierge.invite(admin, ada.id))
    first = controls.last_activation_token("ada@example.org")
    assert first is not None
    controls.advance(days=8)
    await attempt(lambda: concierge.account_status(admin, ada.id))
    await attempt(lambda: concierge.activate(first, accept_terms=True, password="correct horse battery staple"))
    await attempt(lambda: concierge.invite(admin, ada.id))
    await attempt(lambda: concierge.activate(first, accept_terms=True, password="correct horse battery staple"))
    second = controls.last_activation_token("ada@example.org")
    assert second is not None
    await attempt(lambda: concierge.activate(second, accept_terms=False, password="correct horse battery staple"))
    await attempt(lambda: concierge.activate(second, accept_terms=True, password="correct horse battery staple"))
    await attempt(lambda: concierge.activate(second, accept_terms=True, password="correct horse battery staple"))
    await attempt(lambda: concierge.move_in(admin, "unit_nope", "Bob", "Brown"))
    await attempt(lambda: concierge.move_in(admin, unit.id, "", "Brown", send_mobile_activation=True))

    controls.fail_next("send", "unavailable")
    bob = await done(concierge.move_in(admin, unit.id, "Bob", "Brown", email="bob@example.org", send_mobile_activation=True))
    trace.append(("bob", bob.status, len(controls.sent_emails())))
    controls.advance(hours=1)
    report = await done(concierge.dispatch_outbox())
    trace.append(("dispatch", report.delivered, report.retrying, report.parked, report.skipped))

    residents = await done(concierge.list_residents(admin, property_id=prop.id))
    trace.append(("residents", sorted((r.first_name, r.status, r.invitations_sent) for r in residents)))
    trace.append(("emails", [(m.to, m.subject) for m in controls.sent_emails()], controls.calls("send")))
    outbox = await done(concierge.list_outbox(admin, "done"))
    trace.append(("outbox", sorted((e.kind, e.status, e.attempts) for e in outbox)))
    return trace


async def test_the_blocking_and_async_handles_give_the_same_results_for_the_same_scenario() -> None:
    # R-SDK-5
    with Concierge.open(sandbox={"seed": 7}) as concierge:
        blocking = await scenario(concierge)
    async with await AsyncConcierge.open(sandbox={"seed": 7}) as async_concierge:
        awaited = await scenario(async_concierge)

    assert awaited == blocking
    assert ("ok", "live") in blocking
    assert ("TokenRejectedError", {"code": "TOKEN_REJECTED", "reason": "superseded", "retryable": False}) in blocking


async def test_async_operations_return_awaitables_and_raise_the_same_errors() -> None:
    # R-SDK-5
    concierge = await AsyncConcierge.open(sandbox={})
    admin = Admin.full_access("desk-1", "Front desk")

    pending = concierge.list_properties(admin)
    assert inspect.isawaitable(pending)
    assert await pending == []
    with pytest.raises(NotFoundError) as info:
        await concierge.get_property(admin, "prop_nope")
    assert (info.value.code, info.value.entity) == ("NOT_FOUND", "property")
    listing = concierge.list_residents(admin)
    assert isinstance(listing, AsyncPaginator) and not inspect.isawaitable(listing)
    assert [r async for r in listing] == []
    await concierge.close()


async def test_async_operations_run_concurrently() -> None:
    # R-SDK-5
    concierge = await AsyncConcierge.open(sandbox={})
    admin = Admin.full_access("desk-1", "Front desk")
    prop = await concierge.register_property(admin, "Harbour View", "harbour-view")
    tower = await concierge.register_building(admin, prop.id, "Tower A")

    units = await asyncio.gather(*(concierge.register_unit(admin, tower.id, str(n)) for n in range(20)))

    assert sorted(int(u.number) for u in units) == list(range(20))
    assert len(await concierge.list_units(admin, prop.id)) == 20



EXIT_SCRIPTS = {
    # Every call awaited, the handle closed: the runtime's threads are still leaving Python
    # (setting the last results) as the interpreter exits.
    "awaited": """
import asyncio, sys
from concierge import Admin, AsyncConcierge

async def main() -> None:
    admin = Admin.full_access("desk-1", "Front desk")
    concierge = await AsyncConcierge.open(store=sys.argv[1], sandbox={"seed": 7})
    await concierge.register_property(admin, "Harbour View", "harbour-view")
    await asyncio.gather(*(concierge.list_properties(admin) for _ in range(50)))
    await concierge.close()

asyncio.run(main())
print("done")
""",
    # Calls still running when the loop closes.
    "abandoned": """
import asyncio, sys
from concierge import Admin, AsyncConcierge

async def main() -> None:
    admin = Admin.full_access("desk-1", "Front desk")
    concierge = await AsyncConcierge.open(sandbox={})
    await asyncio.gather(*(concierge.list_properties(admin) for _ in range(50)))
    asyncio.gather(*(concierge.list_properties(admin) for _ in range(50)))

asyncio.run(main())
print("done")
""",
}


@pytest.mark.parametrize("kind", sorted(EXIT_SCRIPTS))
def test_an_asyncio_script_exits_cleanly_right_after_its_last_await(kind: str, tmp_path: Path) -> None:
    # R-SDK-5: no runtime thread is inside Python when the interpreter finalizes (it would
    # abort the process). The crash was a race, so the script runs a few times.
    script = tmp_path / "script.py"
    script.write_text(EXIT_SCRIPTS[kind])
    for run in range(5):
        done = subprocess.run(
            [sys.executable, str(script), str(tmp_path / f"run{run}.db")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (done.returncode, done.stdout) == (0, "done\n"), (run, done.stderr[-2000:])
        if kind == "awaited":
            assert done.stderr == ""


async def test_a_sync_given_up_by_wait_for_does_not_block_the_next_one() -> None:
    # R-PMS-6: asyncio.wait_for cancels the awaitable; the next trigger syncs, it does not fail
    # on what the cancelled one left behind.
    concierge = await AsyncConcierge.open(sandbox={"seed": 21})
    async with concierge:
        controls = concierge.sandbox_controls
        assert controls is not None
        admin = Admin.full_access("desk-1", "Front desk")
        pms = (await concierge.list_pms_properties(admin))[0]
        prop = await concierge.register_property(admin, pms.name, "synced", settings={"future_resident_sync": True})
        await concierge.link_pms_property(admin, prop.id, pms.external.id)
        controls.set_latency("list_residents", 300)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(concierge.sync_now(admin, prop.id), 0.02)
        controls.set_latency("list_residents", 0)
        report = await concierge.sync_now(admin, prop.id)
        assert report.run.aborted is None
        assert report.run.counts.seen > 0
