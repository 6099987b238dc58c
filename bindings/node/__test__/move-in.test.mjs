// Moving residents in by hand (R-MOVE-1, R-MOVE-2), and bad input that must change nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { world, rejectsWith, fieldsOf } from './world.mjs'

// R-MOVE-1
test('a resident moved in with first and last name into a unit with building and floor is listed', async () => {
  const w = await world()
  assert.equal(w.unit.floor, '12')
  assert.equal(w.unit.buildingId, w.building.id)
  assert.equal(w.unit.propertyId, w.property.id)

  const ada = await w.concierge.moveIn(w.admin, w.unit.id, 'Ada', 'Lovelace', {
    email: 'Ada@Example.org',
    phone: '+61 2 5550 1234',
    role: 'secondary',
    moveIn: '2026-01-01',
  })
  assert.equal(ada.firstName, 'Ada')
  assert.equal(ada.lastName, 'Lovelace')
  assert.equal(ada.email, 'ada@example.org')
  assert.equal(ada.role, 'secondary')
  assert.equal(ada.moveIn, '2026-01-01')
  assert.equal(ada.moveOut, null)
  assert.equal(ada.source, 'manual')
  assert.equal(ada.unitId, w.unit.id)
  assert.equal(ada.propertyId, w.property.id)

  const listed = await w.concierge.listResidents(w.admin, { unitId: w.unit.id }).toArray()
  assert.deepEqual(listed.map((r) => `${r.firstName} ${r.lastName}`), ['Ada Lovelace'])
  assert.deepEqual(await w.concierge.getResident(w.admin, ada.id), ada)
  assert.deepEqual((await w.concierge.listUnits(w.admin, w.property.id)).map((u) => u.number), ['1204'])
  assert.deepEqual((await w.concierge.listBuildings(w.admin, w.property.id)).map((b) => b.name), ['Tower A'])
})

// R-MOVE-2
test('moving in with mobile activation sends exactly one email and leaves the account pending', async () => {
  const w = await world()
  const ada = await w.moveInAda(true)
  assert.equal(ada.status, 'pending_activation')
  assert.equal(ada.mobileAccessGranted, true)
  const sent = await w.sandbox.sentEmails()
  assert.equal(sent.length, 1)
  assert.equal(sent[0].to, 'ada@example.org')
  assert.match(sent[0].subject, /Harbour View/)
  assert.match(sent[0].body, /token=/)
})

// R-MOVE-2
test('moving in without mobile activation sends no email', async () => {
  const w = await world()
  const ada = await w.moveInAda(false)
  assert.equal(ada.status, 'not_invited')
  assert.equal(ada.mobileAccessGranted, false)
  assert.deepEqual(await w.sandbox.sentEmails(), [])
  assert.equal(await w.sandbox.calls('send'), 0)
})

// R-MOVE-2
test('mobile activation without an email is a validation error and creates nobody', async () => {
  const w = await world()
  const before = await w.snapshot()
  await rejectsWith(
    w.concierge.moveIn(w.admin, w.unit.id, 'Ada', 'Lovelace', { sendMobileActivation: true }),
    'VALIDATION',
    { issues: [{ field: 'email', message: 'is required to send the mobile activation email' }] },
  )
  assert.deepEqual(await w.snapshot(), before)
})

// R-MOVE-1
test('empty names and a malformed email are all reported at once, without the values, and create nobody', async () => {
  const w = await world()
  const before = await w.snapshot()
  const err = await rejectsWith(
    w.concierge.moveIn(w.admin, w.unit.id, '  ', '', { email: 'not-an-email', sendMobileActivation: true }),
    'VALIDATION',
    {
      issues: [
        { field: 'first_name', message: 'must not be empty' },
        { field: 'last_name', message: 'must not be empty' },
        { field: 'email', message: 'is not a valid email address' },
      ],
    },
  )
  assert.doesNotMatch(err.message, /not-an-email/)
  assert.deepEqual(await w.snapshot(), before)
})

// R-MOVE-1
test('moving into an unknown unit is not found, naming the unit, and creates nobody', async () => {
  const w = await world()
  const before = await w.snapshot()
  await rejectsWith(
    w.concierge.moveIn(w.admin, 'unit_missing', 'Ada', 'Lovelace', {
      email: 'ada@example.org',
      sendMobileActivation: true,
    }),
    'NOT_FOUND',
    { entity: 'unit', id: 'unit_missing' },
  )
  assert.deepEqual(await w.snapshot(), before)
})

// R-MOVE-1
test('arguments the binding cannot read are validation errors of the Promise and create nobody', async () => {
  const w = await world()
  const before = await w.snapshot()
  // Values are read field by field; the first one that cannot be read is reported.
  await rejectsWith(
    w.concierge.moveIn(w.admin, w.unit.id, 'Ada', 'Lovelace', { role: 'landlord' }),
    'VALIDATION',
    { issues: [{ field: 'role', message: 'must be one of: primary, secondary, occupant' }] },
  )
  const err = await rejectsWith(
    w.concierge.moveIn(w.admin, w.unit.id, 'Ada', 'Lovelace', { moveIn: '1 March' }),
    'VALIDATION',
  )
  assert.deepEqual(fieldsOf(err), ['move_in'])
  assert.doesNotMatch(err.message, /1 March/, 'the message does not repeat the value')
  const unknown = await rejectsWith(
    w.concierge.moveIn(w.admin, w.unit.id, 'Ada', 'Lovelace', { unit: w.unit.id }),
    'VALIDATION',
  )
  assert.deepEqual(fieldsOf(unknown), ['unit'])
  assert.match(unknown.issues[0].message, /is not a known field/)
  await rejectsWith(w.concierge.listResidents(w.admin, { status: 'active' }).toArray(), 'VALIDATION')
  assert.deepEqual(await w.snapshot(), before)
})

// R-MOVE-1
test('moving the same person into the same unit twice is a conflict', async () => {
  const w = await world()
  await w.moveInAda(false)
  const before = await w.snapshot()
  await rejectsWith(w.moveInAda(true), 'CONFLICT')
  assert.deepEqual(await w.snapshot(), before)
})

// R-MOVE-1
test('residents are filtered by status, phase and source', async () => {
  const w = await world()
  const ada = await w.moveInAda(true)
  await w.concierge.moveIn(w.admin, w.unit.id, 'Grace', 'Hopper', { moveIn: '2026-03-01' })

  const pending = await w.concierge.listResidents(w.admin, { status: 'pending_activation' }).toArray()
  assert.deepEqual(pending.map((r) => r.id), [ada.id])
  const future = await w.concierge.listResidents(w.admin, { phase: 'future' }).toArray()
  assert.deepEqual(future.map((r) => r.firstName), ['Grace'])
  const manual = await w.concierge.listResidents(w.admin, { source: 'manual', propertyId: w.property.id }).toArray()
  assert.equal(manual.length, 2)
  assert.deepEqual(await w.concierge.listResidents(w.admin, { source: 'pms' }).toArray(), [])
})
