// Admins and their permissions (R-PERM-1, R-PERM-2): a refused call says which permission it
// needed and touches nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, world, rejectsWith, throwsWith } from './world.mjs'

// R-PERM-1
test('registering a property needs full integrations access', async () => {
  const w = await world()
  const reader = new Admin('Reader', { integrations: 'read', residence: 'full' })
  const before = await w.concierge.listProperties(w.admin)

  const err = await rejectsWith(
    w.concierge.registerProperty(reader, 'Bay Court', 'bay-court'),
    'PERMISSION_DENIED',
    {
      permission: 'integrations',
      required: 'full',
      held: 'read',
      action: 'register_property',
      admin: reader.id,
    },
  )
  assert.match(err.message, /register_property needs integrations full/)
  assert.deepEqual(await w.concierge.listProperties(w.admin), before)
})

// R-PERM-1
test('changing property settings needs full integrations access and reading the outbox needs integrations read', async () => {
  const w = await world()
  const residenceOnly = new Admin('Desk', { residence: 'full' })
  await rejectsWith(
    w.concierge.updatePropertySettings(residenceOnly, w.property.id, { futureResidentSync: true }),
    'PERMISSION_DENIED',
    { permission: 'integrations', required: 'full', held: 'none' },
  )
  await rejectsWith(w.concierge.listOutbox(residenceOnly, 'parked'), 'PERMISSION_DENIED', {
    permission: 'integrations',
    required: 'read',
  })
  assert.equal((await w.concierge.getProperty(w.admin, w.property.id)).settings.futureResidentSync, false)
})

// R-PERM-2
test('an admin with read-only residence access can look but cannot move in or invite', async () => {
  const w = await world()
  const ada = await w.moveInAda(false)
  const reader = new Admin('Reader', { residence: 'read' })
  const before = await w.snapshot()

  assert.equal((await w.concierge.listResidents(reader)).length, 1)
  await rejectsWith(
    w.concierge.moveIn(reader, w.unit.id, 'Grace', 'Hopper', {
      email: 'grace@example.org',
      sendMobileActivation: true,
    }),
    'PERMISSION_DENIED',
    { permission: 'residence', required: 'full', held: 'read', action: 'move_in' },
  )
  await rejectsWith(w.concierge.invite(reader, ada.id), 'PERMISSION_DENIED', {
    permission: 'residence',
    required: 'full',
    held: 'read',
    action: 'invite',
  })

  // Nothing was touched: no resident, no email, not even a call to the mailer.
  assert.deepEqual(await w.snapshot(), before)
  assert.equal(w.sandbox.calls('send'), 0)
  assert.equal(await w.concierge.accountStatus(w.admin, ada.id), 'not_invited')
})

// R-PERM-2
test('an admin without residence access cannot even read residents', async () => {
  const w = await world()
  const integrationsOnly = new Admin('Integrator', { integrations: 'full' })
  await rejectsWith(w.concierge.listResidents(integrationsOnly), 'PERMISSION_DENIED', {
    permission: 'residence',
    required: 'read',
    held: 'none',
  })
})

// R-PERM-1, R-PERM-2
test('admins are built with access levels per area and refuse an unknown level synchronously', () => {
  const full = Admin.fullAccess('Desk')
  assert.equal(full.name, 'Desk')
  assert.equal(full.integrations, 'full')
  assert.equal(full.residence, 'full')
  assert.match(full.id, /^admin_/)

  const none = new Admin('Nobody')
  assert.equal(none.integrations, 'none')
  assert.equal(none.residence, 'none')

  throwsWith(() => new Admin('Desk', { residence: 'admin', integrations: 'root' }), 'VALIDATION', {
    issues: [
      { field: 'integrations', message: 'must be one of none, read, full' },
      { field: 'residence', message: 'must be one of none, read, full' },
    ],
  })
})
