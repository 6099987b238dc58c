// Admins and their permissions (R-PERM-1, R-PERM-2): a refused call says which permission it
// needed and touches nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, world, rejectsWith } from './world.mjs'

// R-PERM-1
test('registering a property needs full integrations access', async () => {
  const w = await world()
  const reader = Admin.of('reader-1', 'Reader', { integrations: 'read', residence: 'full' })
  const before = await w.concierge.listProperties(w.admin)

  const err = await rejectsWith(
    w.concierge.registerProperty(reader, 'Bay Court', 'bay-court'),
    'PERMISSION_DENIED',
    {
      permission: 'integrations',
      required: 'full',
      held: 'read',
      action: 'register_property',
      admin: 'reader-1',
      adminName: 'Reader',
    },
  )
  assert.match(err.message, /register_property needs integrations full/)
  assert.deepEqual(await w.concierge.listProperties(w.admin), before)
})

// R-PERM-1
test('changing property settings needs full integrations access and reading the outbox needs integrations read', async () => {
  const w = await world()
  const residenceOnly = Admin.of('desk-2', 'Desk', { residence: 'full' })
  await rejectsWith(
    w.concierge.updatePropertySettings(residenceOnly, w.property.id, { futureResidentSync: true }),
    'PERMISSION_DENIED',
    { permission: 'integrations', required: 'full', held: 'none' },
  )
  await rejectsWith(w.concierge.listOutbox(residenceOnly, 'parked').toArray(), 'PERMISSION_DENIED', {
    permission: 'integrations',
    required: 'read',
  })
  assert.equal((await w.concierge.getProperty(w.admin, w.property.id)).settings.futureResidentSync, false)
})

// R-PERM-2
test('an admin with read-only residence access can look but cannot move in or invite', async () => {
  const w = await world()
  const ada = await w.moveInAda(false)
  const reader = Admin.of('reader-2', 'Reader', { residence: 'read' })
  const before = await w.snapshot()

  assert.equal((await w.concierge.listResidents(reader).toArray()).length, 1)
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
  assert.equal(await w.sandbox.calls('send'), 0)
  assert.equal(await w.concierge.accountStatus(w.admin, ada.id), 'not_invited')
})

// R-PERM-2
test('an admin without residence access cannot even read residents', async () => {
  const w = await world()
  const integrationsOnly = Admin.of('integrator-1', 'Integrator', { integrations: 'full' })
  await rejectsWith(w.concierge.listResidents(integrationsOnly).toArray(), 'PERMISSION_DENIED', {
    permission: 'residence',
    required: 'read',
    held: 'none',
  })
})

// R-PERM-1, R-PERM-2
test('admins are the host\'s id and name with access levels per area; an unknown level or an empty id is refused', async () => {
  const full = Admin.fullAccess('desk-1', 'Desk')
  assert.deepEqual(full, { id: 'desk-1', name: 'Desk', permissions: { integrations: 'full', residence: 'full' } })

  const w = await world()
  // No permissions given: no access to either area.
  const none = Admin.of('nobody-1', 'Nobody')
  assert.deepEqual(none, { id: 'nobody-1', name: 'Nobody' })
  await rejectsWith(w.concierge.listProperties(none), 'PERMISSION_DENIED', { held: 'none', admin: 'nobody-1', adminName: 'Nobody' })

  const err = await rejectsWith(
    w.concierge.listProperties(Admin.of('desk-9', 'Desk', { residence: 'admin', integrations: 'root' })),
    'VALIDATION',
  )
  assert.equal(err.issues[0].message, 'must be one of: none, read, full')
  assert.match(err.issues[0].field, /^admin\.permissions\.(integrations|residence)$/)
  await rejectsWith(w.concierge.listProperties(Admin.of('', 'Desk')), 'VALIDATION', {
    issues: [{ field: 'admin.id', message: 'must not be empty' }],
  })
})
