// The PMS resident sync (R-PMS-1..8), manual move-out and spare holders, on the sandbox PMS:
// the scenarios of crates/concierge/tests/sync.rs at a smaller scale.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Concierge, Admin, rejectsWith } from './world.mjs'

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * A sandbox (seed 21: six units, one resident each, two of them future) with a property
 * registered under the first PMS property's name and linked to it.
 */
async function syncWorld(settings = { futureResidentSync: true }) {
  const concierge = await Concierge.open({ sandbox: { seed: 21 } })
  const sandbox = concierge.sandboxControls
  const admin = Admin.fullAccess('desk-1', 'Front desk')
  const [pms] = await concierge.listPmsProperties(admin)
  const registered = await concierge.registerProperty(admin, pms.name, 'synced', { settings })
  const property = await concierge.linkPmsProperty(admin, registered.id, pms.external.id)
  const pmsId = pms.external.id
  const w = {
    concierge,
    sandbox,
    admin,
    property,
    pmsId,
    /** The sandbox clock's date, `YYYY-MM-DD`. */
    today: async () => (await sandbox.now()).toISOString().slice(0, 10),
    /** The property's residents, optionally in one phase. */
    residents: (phase) => concierge.listResidents(admin, { propertyId: property.id, phase }).toArray(),
    /** Our resident made from PMS record `externalId`. */
    async byExt(externalId) {
      return (await w.residents()).find((r) => r.external?.id === externalId)
    },
    /** A full sync that neither joined nor aborted; its run. */
    async sync() {
      const report = await concierge.syncNow(admin, property.id)
      assert.equal(report.joined, false)
      assert.equal(report.run.aborted, null)
      return report.run
    },
    /** Moves the sandbox clock to `date` (`YYYY-MM-DD`), a whole number of days ahead. */
    async advanceTo(date) {
      await sandbox.advance({ days: Math.round((Date.parse(date) - Date.parse(await w.today())) / DAY_MS) })
      assert.equal(await w.today(), date)
    },
  }
  return w
}

// R-PMS-1
test('a linked property syncs: residents are created, renamed and moved out as the PMS says', async () => {
  const w = await syncWorld()
  assert.deepEqual(w.property.external, { provider: 'sandbox-pms', id: w.pmsId })
  assert.deepEqual(await w.sandbox.pmsProperties(), await w.concierge.listPmsProperties(w.admin))
  const listed = await w.sandbox.pmsResidents(w.pmsId)
  assert.equal(listed.length, 6)

  const run = await w.sync()
  assert.equal(run.propertyId, w.property.id)
  assert.equal(run.mode, 'full')
  assert.ok(run.startedAt instanceof Date && run.finishedAt instanceof Date)
  assert.deepEqual(run.counts, {
    seen: 6, created: 6, updated: 0, movedOut: 0, unchanged: 0, failed: 0, deferred: 0, pages: 1,
  })
  assert.deepEqual(run.errors, [])
  const residents = await w.residents()
  assert.equal(residents.length, 6)
  assert.ok(residents.every((r) => r.source === 'pms' && r.external.provider === 'sandbox-pms'))
  assert.equal((await w.concierge.listUnits(w.admin, w.property.id)).length, 6)
  const buildings = await w.concierge.listBuildings(w.admin, w.property.id)
  assert.deepEqual(buildings.map((b) => b.name).sort(), ['Tower A', 'Tower B'])
  assert.deepEqual(await w.concierge.lastSync(w.admin, w.property.id), run)

  // The PMS renames one resident and drops another.
  const [renamed, dropped] = listed.map((r) => r.external.id)
  assert.equal(await w.sandbox.pmsUpdateResident(renamed, { lastName: 'Renamed' }), true)
  assert.equal(await w.sandbox.pmsRemoveResident(dropped), true)
  const next = await w.sync()
  assert.equal(next.counts.updated, 1)
  assert.equal(next.counts.movedOut, 1)
  assert.equal((await w.byExt(renamed)).lastName, 'Renamed')
  const gone = await w.byExt(dropped)
  assert.equal(gone.moveOut, (await w.today()))
  assert.deepEqual((await w.residents('past')).map((r) => r.id), [gone.id])
})

// R-PMS-1
test('an unchanged re-sync changes nothing: every record seen is unchanged', async () => {
  const w = await syncWorld()
  await w.sync()
  const before = await w.residents()
  const run = await w.sync()
  assert.equal(run.counts.unchanged, run.counts.seen)
  assert.deepEqual([run.counts.created, run.counts.updated, run.counts.movedOut], [0, 0, 0])
  assert.deepEqual(await w.residents(), before)
})

// R-PMS-1
test('an incremental sync never moves anyone out; the next full sync does', async () => {
  const w = await syncWorld()
  await w.sync()
  const dropped = (await w.sandbox.pmsResidents(w.pmsId))[0].external.id
  await w.sandbox.pmsRemoveResident(dropped)
  await w.sandbox.advance({ minutes: 30 })
  const report = await w.concierge.syncProperty(w.admin, w.property.id, { mode: 'incremental' })
  assert.equal(report.run.mode, 'incremental')
  assert.equal(report.run.counts.movedOut, 0)
  assert.equal((await w.byExt(dropped)).moveOut, null)
  assert.equal((await w.sync()).counts.movedOut, 1)
})

// R-PMS-2, R-PMS-3
test('with future-resident sync on, future residents are listed as future and move in on their date', async () => {
  const w = await syncWorld({ futureResidentSync: true, autoGrantMobileAccess: true })
  await w.sync()
  const future = await w.residents('future')
  assert.equal(future.length, 2, 'seed 21 has two future residents in this property')
  const today = await w.today()
  assert.ok(future.every((r) => r.moveIn > today && !r.mobileAccessGranted))
  const first = future.reduce((a, b) => (a.moveIn <= b.moveIn ? a : b))

  // The move-in date arrives; the PMS sends nothing new.
  await w.advanceTo(first.moveIn)
  assert.ok((await w.residents('current')).some((r) => r.id === first.id))
  assert.ok(!(await w.residents('future')).some((r) => r.id === first.id))
  // The next sync grants the mobile access the property gives at move-in.
  await w.sync()
  assert.equal((await w.concierge.getResident(w.admin, first.id)).mobileAccessGranted, true)
})

// R-PMS-2
test('with future-resident sync off, future residents are deferred until their move-in date', async () => {
  const w = await syncWorld({ futureResidentSync: false })
  const listed = await w.sandbox.pmsResidents(w.pmsId)
  const today = await w.today()
  const futureCount = listed.filter((r) => r.moveIn > today).length
  assert.equal(futureCount, 2)
  const run = await w.sync()
  assert.equal(run.counts.deferred, futureCount)
  assert.equal(run.counts.created, listed.length - futureCount)
  assert.deepEqual(await w.residents('future'), [])

  await w.advanceTo(listed.map((r) => r.moveIn).sort().at(-1))
  const later = await w.sync()
  assert.equal(later.counts.created, futureCount)
  assert.equal(later.counts.deferred, 0)
  assert.equal((await w.residents()).length, listed.length)
})

// R-PMS-5
test('records the sync cannot apply become typed errors, listed per property and replaced by the next run', async () => {
  const w = await syncWorld()
  await w.sync()
  const [blank] = await w.sandbox.pmsResidents(w.pmsId)
  assert.equal(await w.sandbox.pmsUpdateResident(blank.external.id, { firstName: ' ' }), true)
  assert.equal(await w.sandbox.pmsAddUnreadable(w.pmsId, 'not JSON'), true)

  const run = await w.sync()
  assert.deepEqual(run.errors.map((e) => e.kind).sort(), ['invalid_name', 'unreadable_record'])
  assert.equal(run.counts.seen, 7)
  assert.equal(run.counts.failed, 2)
  assert.equal(run.counts.unchanged, 5)
  assert.deepEqual(await w.concierge.syncErrors(w.admin, w.property.id).toArray(), run.errors)
  const invalidName = run.errors.find((e) => e.kind === 'invalid_name')
  assert.deepEqual(invalidName.external, { provider: 'sandbox-pms', id: blank.external.id })
  assert.equal(invalidName.field, 'name')
  assert.doesNotMatch(invalidName.message, new RegExp(blank.lastName), 'errors carry no personal data')
  const unreadable = run.errors.find((e) => e.kind === 'unreadable_record')
  assert.deepEqual(unreadable, { kind: 'unreadable_record', external: null, field: null, message: 'not JSON' })
  // A record in error is not dropped: the resident stays as last applied.
  const kept = await w.byExt(blank.external.id)
  assert.equal(kept.firstName, blank.firstName)
  assert.equal(kept.moveOut, null)

  // The admin fixes the name in the PMS: the next run's list replaces this one.
  await w.sandbox.pmsUpdateResident(blank.external.id, { firstName: 'Named' })
  const fixed = await w.sync()
  assert.equal(fixed.counts.updated, 1)
  const errors = await w.concierge.syncErrors(w.admin, w.property.id).toArray()
  assert.deepEqual(errors.map((e) => e.kind), ['unreadable_record'])
  assert.equal((await w.byExt(blank.external.id)).firstName, 'Named')
})

// R-MOVE-1, R-PMS-8
test('an admin moves a resident out by hand, today or on a later date', async () => {
  const w = await syncWorld()
  await w.sync()
  const [ada, bob] = await w.residents('current')
  await rejectsWith(w.concierge.moveOut(w.admin, ada.id, { on: '2000-01-01' }), 'VALIDATION')
  const may = await rejectsWith(w.concierge.moveOut(w.admin, ada.id, { on: '5 May' }), 'VALIDATION')
  assert.deepEqual(may.issues.map((i) => i.field), ['on'])
  await rejectsWith(w.concierge.moveOut(w.admin, 'res_missing'), 'NOT_FOUND', { entity: 'resident', id: 'res_missing' })

  const out = await w.concierge.moveOut(w.admin, ada.id)
  assert.equal(out.moveOut, (await w.today()))
  assert.equal(out.mobileAccessGranted, false)
  assert.ok((await w.residents('past')).some((r) => r.id === ada.id))
  await rejectsWith(w.concierge.moveOut(w.admin, ada.id), 'CONFLICT')

  const later = await w.concierge.moveOut(w.admin, bob.id, { on: '2026-02-01' })
  assert.equal(later.moveOut, '2026-02-01')
  assert.ok((await w.residents('current')).some((r) => r.id === bob.id), 'still current until then')
})

// R-PMS-7
test('manual residents and spare holders survive a sync after the PMS drops everyone', async () => {
  const w = await syncWorld()
  await w.sync()
  const [unit] = await w.concierge.listUnits(w.admin, w.property.id)
  const minor = await w.concierge.moveIn(w.admin, unit.id, 'Tom', 'Minor', { role: 'occupant' })
  const spare = await w.concierge.addSpareHolder(w.admin, unit.id, 'Spare: cleaner')
  assert.equal(spare.unitId, unit.id)
  assert.equal(spare.label, 'Spare: cleaner')
  assert.match(spare.id, /\S/)
  await rejectsWith(w.concierge.addSpareHolder(w.admin, unit.id, '  '), 'VALIDATION')
  await rejectsWith(w.concierge.listSpareHolders(w.admin, 'unit_missing').toArray(), 'NOT_FOUND')

  for (const r of await w.sandbox.pmsResidents(w.pmsId)) await w.sandbox.pmsRemoveResident(r.external.id)
  const run = await w.sync()
  assert.equal(run.counts.movedOut, 6)
  const stays = await w.concierge.getResident(w.admin, minor.id)
  assert.equal(stays.moveOut, null)
  assert.deepEqual((await w.residents('current')).map((r) => r.id), [minor.id])
  assert.deepEqual(await w.concierge.listSpareHolders(w.admin, unit.id).toArray(), [spare])
})

// R-PMS-6
test('syncing needs full Integrations access and a linked property', async () => {
  const w = await syncWorld()
  const desk = Admin.of('desk-2', 'Desk', { residence: 'full', integrations: 'read' })
  await rejectsWith(w.concierge.syncNow(desk, w.property.id), 'PERMISSION_DENIED', {
    admin: 'desk-2',
    adminName: 'Desk',
    action: 'sync_now',
    permission: 'integrations',
    required: 'full',
    held: 'read',
  })
  await rejectsWith(w.concierge.linkPmsProperty(desk, w.property.id, w.pmsId), 'PERMISSION_DENIED')
  assert.equal(await w.sandbox.calls('list_residents'), 0)
  // Reading is enough to list the PMS's properties and the sync's outcome.
  assert.equal((await w.concierge.listPmsProperties(desk)).length, 2)
  assert.equal(await w.concierge.lastSync(desk, w.property.id), null)
  assert.deepEqual(await w.concierge.syncErrors(desk, w.property.id).toArray(), [])

  const unlinked = await w.concierge.registerProperty(w.admin, 'Manual', 'manual')
  await rejectsWith(w.concierge.syncNow(w.admin, unlinked.id), 'VALIDATION')
  await rejectsWith(w.concierge.syncProperty(w.admin, w.property.id, { mode: 'partial' }), 'VALIDATION', {
    issues: [{ field: 'mode', message: 'must be one of: full, incremental' }],
  })
  await rejectsWith(w.concierge.lastSync(w.admin, 'prop_missing'), 'NOT_FOUND', { entity: 'property', id: 'prop_missing' })
})

// R-PMS-1, R-PMS-6
test('a PMS that keeps failing rejects with PROVIDER, records an aborted run and moves nobody out', async () => {
  const w = await syncWorld()
  await w.sync()
  const before = await w.residents('current')
  const calls = await w.sandbox.calls('list_residents')
  for (let i = 0; i < 3; i++) await w.sandbox.failNext('list_residents', 'unavailable')

  await rejectsWith(w.concierge.syncNow(w.admin, w.property.id), 'PROVIDER', {
    provider: 'sandbox-pms',
    operation: 'list_residents',
    kind: 'unavailable',
    retryable: true,
  })
  assert.equal(await w.sandbox.calls('list_residents') - calls, 3, 'tried three times')
  const aborted = await w.concierge.lastSync(w.admin, w.property.id)
  assert.match(aborted.aborted, /sandbox-pms list_residents failed/)
  assert.equal(aborted.counts.movedOut, 0)
  assert.deepEqual(await w.residents('current'), before)

  // One transient failure is tried again and the run completes.
  await w.sandbox.failNext('list_residents', 'timeout')
  assert.equal((await w.sync()).aborted, null)
})

// R-PMS-6
test('the due syncs run every four hours by default', async () => {
  const w = await syncWorld()
  const [first] = await w.concierge.runDueSyncs()
  assert.equal(first.run.propertyId, w.property.id, 'never synced: due')
  assert.equal(first.joined, false)
  assert.deepEqual(await w.concierge.runDueSyncs(), [])
  await w.sandbox.advance({ hours: 3, minutes: 59 })
  assert.deepEqual(await w.concierge.runDueSyncs(), [])
  await w.sandbox.advance({ minutes: 1 })
  const due = await w.concierge.runDueSyncs()
  assert.equal(due.length, 1)
  assert.notEqual(due[0].run.id, first.run.id)
})

// R-PMS-1, R-PMS-6
test('syncAll and syncProperties sync a portfolio as one run, one report per property', async () => {
  const w = await syncWorld()
  const [, other] = await w.sandbox.pmsProperties()
  const registered = await w.concierge.registerProperty(w.admin, other.name, 'second', {
    settings: { futureResidentSync: true },
  })
  const second = await w.concierge.linkPmsProperty(w.admin, registered.id, other.external.id)
  const unlinked = await w.concierge.registerProperty(w.admin, 'Manual', 'manual')

  const reports = await w.concierge.syncAll(w.admin)
  const runs = new Map(reports.map((r) => [r.run.propertyId, r.run]))
  assert.deepEqual([...runs.keys()].sort(), [w.property.id, second.id].sort())
  for (const [id, pmsId] of [[w.property.id, w.pmsId], [second.id, other.external.id]]) {
    const run = runs.get(id)
    assert.equal(run.aborted, null)
    assert.equal(run.counts.seen, (await w.sandbox.pmsResidents(pmsId)).length)
    const ours = await w.concierge.listResidents(w.admin, { propertyId: id }).toArray()
    assert.equal(run.counts.created, ours.length)
  }

  const again = await w.concierge.syncProperties(w.admin, [second.id, w.property.id], { mode: 'incremental' })
  assert.deepEqual(again.map((r) => r.run.propertyId), [second.id, w.property.id])
  assert.ok(again.every((r) => r.run.mode === 'incremental' && r.run.counts.created === 0))

  const bad = await rejectsWith(w.concierge.syncProperties(w.admin, [w.property.id, unlinked.id]), 'VALIDATION')
  assert.deepEqual(bad.issues.map((i) => i.field), ['property_ids'])
  await rejectsWith(w.concierge.syncProperties(w.admin, []), 'VALIDATION')
  const desk = Admin.of('desk-3', 'Desk', { residence: 'full', integrations: 'read' })
  await rejectsWith(w.concierge.syncAll(desk), 'PERMISSION_DENIED')
})

// R-PMS-6
test('a trigger while the property syncs joins the running sync', async () => {
  const w = await syncWorld()
  await w.sandbox.setLatency('list_residents', 150)
  const [a, b] = await Promise.all([
    w.concierge.syncNow(w.admin, w.property.id),
    w.concierge.syncNow(w.admin, w.property.id),
  ])
  assert.notEqual(a.joined, b.joined, 'one ran, the other joined')
  assert.equal(a.run.id, b.run.id)
  assert.equal(await w.sandbox.calls('list_residents'), 1)
  await w.sandbox.setLatency('list_residents', 0)
})

// R-PMS-1
test('the sandbox PMS controls refuse what they cannot do', async () => {
  const w = await syncWorld()
  assert.deepEqual(await w.sandbox.pmsResidents('pms-prop-missing'), [])
  assert.equal(await w.sandbox.pmsUpdateResident('pms-res-missing', { lastName: 'X' }), false)
  assert.equal(await w.sandbox.pmsRemoveResident('pms-res-missing'), false)
  assert.equal(await w.sandbox.pmsAddUnreadable('pms-prop-missing', 'garbled'), false)
  const soon = await rejectsWith(w.sandbox.pmsUpdateResident('pms-res-1-1-1', { moveOut: 'soon' }), 'VALIDATION')
  assert.deepEqual(soon.issues.map((i) => i.field), ['move_out'])
  await rejectsWith(w.sandbox.setLatency('list_residents', -1), 'VALIDATION')

  // A move-out date set in the PMS moves the resident out at the next sync.
  await w.sync()
  const [leaving] = await w.sandbox.pmsResidents(w.pmsId)
  assert.equal(await w.sandbox.pmsUpdateResident(leaving.external.id, { moveOut: (await w.today()) }), true)
  assert.equal((await w.sandbox.pmsResidents(w.pmsId))[0].moveOut, (await w.today()))
  assert.equal((await w.sync()).counts.movedOut, 1)
  assert.equal((await w.byExt(leaving.external.id)).moveOut, (await w.today()))
})
