// Visitors through the intercom (R-VISIT-1..4, R-PERM-1..2) on the sandbox intercom, the
// scenarios of crates/concierge/tests/visitors.rs: link, provision once, preflight, passes for
// the visit's window in the building's zone, one pass when a reply is lost, the contact report.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import util from 'node:util'
import { Admin, Concierge, rejectsWith } from './world.mjs'

const MAILBOX = 'butterflymx@example.org'

/** A sandbox whose property is linked to the sandbox intercom's building. */
async function linked() {
  const concierge = await Concierge.open({ sandbox: { seed: 7 } })
  const sandbox = concierge.sandboxControls
  const admin = Admin.fullAccess('desk-1', 'Front desk')
  let property = await concierge.registerProperty(admin, 'Harbour View', 'harbour-view', {
    settings: { visitors: { placeholderMailbox: MAILBOX } },
  })
  const [building] = await concierge.intercomBuildings(admin)
  assert.equal(building.timeZone, 'Australia/Sydney')
  property = await concierge.linkIntercomBuilding(admin, property.id, building.external.id)
  return { concierge, sandbox, admin, property }
}

async function ready() {
  const w = await linked()
  await w.concierge.provisionVisitorSite(w.admin, w.property.id)
  const report = await w.concierge.visitorPreflight(w.admin, w.property.id)
  assert.ok(report.passed, JSON.stringify(report.checks))
  return w
}

// R-VISIT-1
test('linking takes the building zone and provisioning twice leaves one unit and one tenant', async () => {
  const w = await linked()
  assert.equal(w.property.timeZone, 'Australia/Sydney')
  const tenants = (await w.sandbox.intercomTenants()).length
  const first = await w.concierge.provisionVisitorSite(w.admin, w.property.id)
  assert.deepEqual([first.createdUnit, first.createdTenant], [true, true])
  assert.equal(first.tenantName, 'STRATIS User')
  assert.equal(first.tenantEmail, 'butterflymx+harbour-view@example.org')
  const second = await w.concierge.provisionVisitorSite(w.admin, w.property.id)
  assert.deepEqual([second.createdUnit, second.createdTenant], [false, false])
  assert.deepEqual(second.placeholderTenant, first.placeholderTenant)
  assert.equal((await w.sandbox.intercomTenants()).length, tenants + 1)
})

// R-VISIT-1
test('provisioning without a mailbox is a VALIDATION error naming the setting', async () => {
  const w = await linked()
  await w.concierge.updatePropertySettings(w.admin, w.property.id, {})
  const err = await rejectsWith(w.concierge.provisionVisitorSite(w.admin, w.property.id), 'VALIDATION')
  assert.match(err.message, /settings\.visitors\.placeholder_mailbox/)
})

// R-VISIT-2
test('the preflight names failing checks and passes once provisioned', async () => {
  const w = await linked()
  const before = await w.concierge.visitorPreflight(w.admin, w.property.id)
  assert.equal(before.passed, false)
  assert.deepEqual(before.checks.filter((c) => !c.passed).map((c) => c.name), ['placeholder_unit', 'placeholder_tenant'])
  await w.concierge.provisionVisitorSite(w.admin, w.property.id)
  await w.sandbox.intercomSetIntegrationEnabled({ enabled: false })
  const disabled = await w.concierge.visitorPreflight(w.admin, w.property.id)
  const check = disabled.checks.find((c) => c.name === 'integration_enabled')
  assert.equal(check.passed, false)
  assert.match(check.detail, /ask the intercom vendor/)
  await rejectsWith(
    w.concierge.createVisitorPass(w.admin, w.property.id, 'Sam', '2026-01-06T14:00', '2026-01-06T16:00'),
    'CONFLICT',
  )
  await w.sandbox.intercomSetIntegrationEnabled({ enabled: true })
  assert.equal((await w.concierge.visitorPreflight(w.admin, w.property.id)).passed, true)
})

// R-VISIT-4
test('the contact report lists tenants on phone calls but not the placeholder', async () => {
  const w = await ready()
  const tenants = await w.sandbox.intercomTenants()
  const expected = tenants.filter((t) => t.contactPreference === 'phone_call' && t.name !== 'STRATIS User')
  assert.ok(expected.length > 0)
  const report = await w.concierge.visitorContactReport(w.admin, w.property.id)
  assert.deepEqual(report.phoneCallTenants.map((t) => t.external.id), expected.map((t) => t.external.id))
  assert.equal(report.tenants, tenants.length - 1)
  assert.ok(await w.sandbox.intercomSetContactPreference(expected[0].external.id, 'mobile_app'))
  const after = await w.concierge.visitorContactReport(w.admin, w.property.id)
  assert.ok(!after.phoneCallTenants.some((t) => t.external.id === expected[0].external.id))
})

// R-VISIT-3
test('a pass covers exactly the visit window in the building zone', async () => {
  const w = await ready()
  const pass = await w.concierge.createVisitorPass(w.admin, w.property.id, 'Sam Visitor', '2026-01-06T14:00', '2026-01-06T16:00')
  assert.equal(pass.state, 'active')
  assert.deepEqual(pass.window.startsAt, new Date('2026-01-06T03:00:00Z'))
  assert.deepEqual(pass.window.endsAt, new Date('2026-01-06T05:00:00Z'))
  assert.deepEqual([pass.startsLocal, pass.endsLocal], ['2026-01-06 14:00 AEDT', '2026-01-06 16:00 AEDT'])
  assert.ok(pass.qrCodeUrl)
  // The QR code opens the door: readable, but never in util.inspect (logs).
  assert.ok(!util.inspect(pass, { depth: 5 }).includes(pass.qrCodeUrl))
  assert.equal(await w.sandbox.intercomPassCount(), 1)
})

// R-VISIT-3
test('a pass across the southern spring daylight-saving change keeps its wall-clock times', async () => {
  const w = await ready()
  const pass = await w.concierge.createVisitorPass(w.admin, w.property.id, 'Night Guest', '2026-10-03T22:00', '2026-10-04T10:00')
  assert.deepEqual(pass.window.startsAt, new Date('2026-10-03T12:00:00Z'))
  assert.deepEqual(pass.window.endsAt, new Date('2026-10-03T23:00:00Z'))
  const err = await rejectsWith(
    w.concierge.createVisitorPass(w.admin, w.property.id, 'Ghost', '2026-10-04T02:30', '2026-10-04T05:00'),
    'VALIDATION',
  )
  assert.deepEqual(err.issues.map((i) => i.field), ['starts_at'])
})

// R-VISIT-3
test('an empty or past window is refused before any intercom call', async () => {
  const w = await ready()
  for (const [starts, ends] of [
    ['2026-01-06T16:00', '2026-01-06T16:00'],
    ['2026-01-06T16:00', '2026-01-06T14:00'],
    ['2026-01-04T10:00', '2026-01-04T12:00'],
  ]) {
    const err = await rejectsWith(w.concierge.createVisitorPass(w.admin, w.property.id, 'Sam', starts, ends), 'VALIDATION')
    assert.deepEqual(err.issues.map((i) => i.field), ['ends_at'])
  }
  assert.equal(await w.sandbox.calls('create_visitor_pass'), 0)
})

// R-VISIT-3
test('a lost reply and a repeated request still make one pass', async () => {
  const w = await ready()
  await w.sandbox.intercomLoseNextReply('create_visitor_pass')
  const args = [w.admin, w.property.id, 'Sam', '2026-01-06T14:00', '2026-01-06T16:00', { requestKey: 'desk-42' }]
  const first = await w.concierge.createVisitorPass(...args)
  const again = await w.concierge.createVisitorPass(...args)
  assert.equal(first.state, 'active')
  assert.equal(again.id, first.id)
  assert.equal(await w.sandbox.intercomPassCount(), 1)
})

// R-VISIT-3
test('passes are listed, revoked, and end with the resident occupancy', async () => {
  const w = await ready()
  const building = await w.concierge.registerBuilding(w.admin, w.property.id, 'Tower A')
  const unit = await w.concierge.registerUnit(w.admin, building.id, '1204')
  const ada = await w.concierge.moveIn(w.admin, unit.id, 'Ada', 'Lovelace')
  const guest = await w.concierge.createVisitorPass(w.admin, w.property.id, "Ada's Guest", '2026-01-06T14:00', '2026-01-06T16:00', {
    residentId: ada.id,
  })
  const plumber = await w.concierge.createVisitorPass(w.admin, w.property.id, 'Plumber', '2026-01-07T09:00', '2026-01-07T11:00')
  const active = await w.concierge.listVisitorPasses(w.admin, w.property.id, { state: 'active' }).toArray()
  assert.deepEqual(active.map((p) => p.id).sort(), [guest.id, plumber.id].sort())
  assert.equal((await w.concierge.revokeVisitorPass(w.admin, plumber.id)).state, 'revoked')
  await w.concierge.moveOut(w.admin, ada.id)
  assert.equal((await w.concierge.getVisitorPass(w.admin, guest.id)).state, 'revoked')
})

// R-PERM-1, R-PERM-2
test('visitors need the right permissions', async () => {
  const w = await ready()
  const desk = Admin.of('desk', 'Desk', { residence: 'read' })
  await rejectsWith(w.concierge.provisionVisitorSite(desk, w.property.id), 'PERMISSION_DENIED')
  await rejectsWith(
    w.concierge.createVisitorPass(desk, w.property.id, 'Sam', '2026-01-06T14:00', '2026-01-06T16:00'),
    'PERMISSION_DENIED',
  )
  assert.equal((await w.concierge.visitorContactReport(desk, w.property.id)).propertyId, w.property.id)
})

test('an unknown time zone is a VALIDATION error on its field', async () => {
  const w = await linked()
  const err = await rejectsWith(w.concierge.setPropertyTimeZone(w.admin, w.property.id, 'Mars/Olympus_Mons'), 'VALIDATION')
  assert.deepEqual(err.issues.map((i) => i.field), ['time_zone'])
  assert.equal((await w.concierge.setPropertyTimeZone(w.admin, w.property.id, 'Pacific/Auckland')).timeZone, 'Pacific/Auckland')
})

// R-PMS-2
test('a move-in is dated by the property calendar far from UTC', async () => {
  const concierge = await Concierge.open({ sandbox: { seed: 7 } })
  const admin = Admin.fullAccess('desk-1', 'Front desk')
  const property = await concierge.registerProperty(admin, 'Harbour View', 'harbour-view', { timeZone: 'Australia/Sydney' })
  const tower = await concierge.registerBuilding(admin, property.id, 'Tower A')
  const unit = await concierge.registerUnit(admin, tower.id, '1204')
  // 13:00 UTC on 5 January is already 6 January in Sydney.
  await concierge.sandboxControls.advance({ hours: 4 })
  const ada = await concierge.moveIn(admin, unit.id, 'Ada', 'Lovelace')
  assert.equal(ada.moveIn, '2026-01-06')
  const old = await concierge.registerProperty(admin, 'Old Mill', 'old-mill')
  assert.equal(old.timeZone, null)
  await concierge.close()
})
