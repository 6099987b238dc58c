// The shape of the Node API (R-SDK-5): one name per operation as in docs/api.md, a Promise
// from every operation (a Paginator from every listing), plain records, and errors with a
// stable `code`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Admin, Concierge, Paginator, Page, world, rejectsWith, fieldsOf } from './world.mjs'

const operations = JSON.parse(readFileSync(new URL('../../../tests/fixtures/operations.json', import.meta.url), 'utf8'))
const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
const OPERATIONS = operations.concierge.map(camel)
const LISTINGS = ['listResidents', 'listOutbox', 'syncErrors', 'listSpareHolders', 'listKeys', 'listStrataUsers', 'strataErrors', 'listVisitorPasses']

const CODES = [
  'PERMISSION_DENIED',
  'INVALID_TRANSITION',
  'TOKEN_REJECTED',
  'NOT_FOUND',
  'VALIDATION',
  'CONFLICT',
  'PROVIDER',
  'STORE',
  'CLOSED',
]

// R-SDK-5
test('every operation returns a Promise (a listing a Paginator), and every rejection is an Error with a stable code', async () => {
  const w = await world()
  const c = w.concierge
  const a = w.admin
  const calls = {
    registerProperty: () => c.registerProperty(a, 'Bay Court', 'bay-court'),
    updatePropertySettings: () => c.updatePropertySettings(a, w.property.id, {}),
    setPropertyTimeZone: () => c.setPropertyTimeZone(a, w.property.id, 'Australia/Sydney'),
    getProperty: () => c.getProperty(a, w.property.id),
    listProperties: () => c.listProperties(a),
    registerBuilding: () => c.registerBuilding(a, w.property.id, 'Tower B'),
    registerUnit: () => c.registerUnit(a, w.building.id, '1205'),
    listBuildings: () => c.listBuildings(a, w.property.id),
    listUnits: () => c.listUnits(a, w.property.id),
    moveIn: () => c.moveIn(a, w.unit.id, 'Ada', 'Lovelace', { email: 'ada@example.org' }),
    invite: () => c.invite(a, 'res_missing'),
    activate: () => c.activate('garbage', { acceptTerms: true, password: 'correct horse battery staple' }),
    accountStatus: () => c.accountStatus(a, 'res_missing'),
    getResident: () => c.getResident(a, 'res_missing'),
    listResidents: () => c.listResidents(a),
    dispatchOutbox: () => c.dispatchOutbox(),
    listOutbox: () => c.listOutbox(a, 'parked'),
    retryOutboxEntry: () => c.retryOutboxEntry(a, 'obx_missing'),
    listPmsProperties: () => c.listPmsProperties(a),
    checkPmsAdapter: () => c.checkPmsAdapter(a),
    checkStrataAdapter: () => c.checkStrataAdapter(a),
    checkIntercomAdapter: () => c.checkIntercomAdapter(a, 'bmx-building-missing'),
    checkKeyEncoderAdapter: () => c.checkKeyEncoderAdapter(a, 'ncoder-1'),
    checkMailerAdapter: () => c.checkMailerAdapter(a, 'kit@example.org', { secrets: ['smtp-password-0001'] }),
    linkPmsProperty: () => c.linkPmsProperty(a, w.property.id, 'pms-prop-missing'),
    syncNow: () => c.syncNow(a, w.property.id),
    syncProperty: () => c.syncProperty(a, w.property.id, { mode: 'incremental' }),
    syncProperties: () => c.syncProperties(a, [w.property.id]),
    syncAll: () => c.syncAll(a),
    syncErrors: () => c.syncErrors(a, w.property.id),
    lastSync: () => c.lastSync(a, w.property.id),
    runDueSyncs: () => c.runDueSyncs(),
    receiveBuildiumWebhook: () => c.receiveBuildiumWebhook(null, null, '{}'),
    processWebhookEvents: () => c.processWebhookEvents(),
    moveOut: () => c.moveOut(a, 'res_missing'),
    addSpareHolder: () => c.addSpareHolder(a, w.unit.id, 'Spare: cleaner'),
    listSpareHolders: () => c.listSpareHolders(a, w.unit.id),
    listEncoders: () => c.listEncoders(a),
    previewKey: () => c.previewKey(a, { kind: 'resident', id: 'res_missing' }, 'ncoder-1'),
    makeKey: () => c.makeKey(a, { kind: 'resident', id: 'res_missing' }, 'ncoder-1'),
    cancelKey: () => c.cancelKey(a, 'key_missing'),
    listKeys: () => c.listKeys(a, { unitId: w.unit.id }),
    reconcileKeys: () => c.reconcileKeys(),
    strataProviderBuildings: () => c.strataProviderBuildings(a),
    linkStrataBuilding: () => c.linkStrataBuilding(a, w.property.id, 'strata-bldg-missing'),
    listStrataBuildings: () => c.listStrataBuildings(a),
    getStrataBuilding: () => c.getStrataBuilding(a, 'sroll_missing'),
    listStrataUsers: () => c.listStrataUsers(a, 'sroll_missing'),
    strataErrors: () => c.strataErrors(a, 'sroll_missing'),
    importStrataUsers: () => c.importStrataUsers(a, 'sroll_missing', ['smem_missing']),
    previewGoLive: () => c.previewGoLive(a, ['sroll_missing'], ['tenant']),
    confirmGoLive: () => c.confirmGoLive(a, ['sroll_missing'], ['tenant'], 'plan'),
    syncStrataBuilding: () => c.syncStrataBuilding(a, 'sroll_missing'),
    runDueStrataSyncs: () => c.runDueStrataSyncs(),
    inviteAll: () => c.inviteAll(a, 'not_invited'),
    intercomConsentUrl: () => c.intercomConsentUrl(a),
    connectIntercom: () => c.connectIntercom(a, 'code'),
    intercomBuildings: () => c.intercomBuildings(a),
    linkIntercomBuilding: () => c.linkIntercomBuilding(a, w.property.id, 'bmx-building-missing'),
    provisionVisitorSite: () => c.provisionVisitorSite(a, w.property.id),
    visitorPreflight: () => c.visitorPreflight(a, w.property.id),
    visitorContactReport: () => c.visitorContactReport(a, w.property.id),
    createVisitorPass: () => c.createVisitorPass(a, w.property.id, 'Sam', '2026-01-06T14:00', '2026-01-06T16:00'),
    getVisitorPass: () => c.getVisitorPass(a, 'visit_missing'),
    listVisitorPasses: () => c.listVisitorPasses(a, w.property.id),
    revokeVisitorPass: () => c.revokeVisitorPass(a, 'visit_missing'),
    reconcileVisitorPasses: () => c.reconcileVisitorPasses(),
  }
  assert.deepEqual(Object.keys(calls), OPERATIONS)
  for (const [name, call] of Object.entries(calls)) {
    assert.equal(typeof Concierge.prototype[name], 'function', name)
    let result = call()
    if (LISTINGS.includes(name)) {
      assert.ok(result instanceof Paginator, `${name} returns a Paginator`)
      result = result.toArray()
    }
    assert.ok(result instanceof Promise, `${name} returns a Promise`)
    const [settled] = await Promise.allSettled([result])
    if (settled.status === 'rejected') {
      assert.ok(settled.reason instanceof Error, name)
      assert.ok(CODES.includes(settled.reason.code), `${name}: ${settled.reason.code}`)
      assert.equal(typeof settled.reason.retryable, 'boolean', name)
    }
  }
})

// R-SDK-5
test('the TypeScript declarations declare every operation, with a Promise or a Paginator', () => {
  const dts = readFileSync(new URL('../concierge.d.ts', import.meta.url), 'utf8')
  const index = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  assert.match(index, /export \* from '\.\/concierge'/)
  for (const cls of ['Concierge', 'SandboxControls']) {
    assert.match(dts, new RegExp(`export declare class ${cls} `), cls)
  }
  assert.match(dts, /static open\(settings\?: Settings\): Promise<Concierge>/)
  assert.match(dts, /readonly sandboxControls: SandboxControls \| null/)
  for (const op of OPERATIONS) {
    const ret = LISTINGS.includes(op) ? 'Paginator<' : 'Promise<'
    assert.match(dts, new RegExp(`\\n  ${op}\\(.*\\): ${ret}`), op)
  }
  assert.match(dts, /export type ErrorCode = "PERMISSION_DENIED" \| "INVALID_TRANSITION" \| "TOKEN_REJECTED" \| "WEBHOOK_REJECTED" \| "NOT_FOUND" \| "VALIDATION" \| "CONFLICT" \| "PROVIDER" \| "STORE" \| "CLOSED"/)
  assert.match(dts, /export type AccountStatus = "not_invited" \| "pending_activation" \| "live" \| "activation_expired"/)
  assert.match(dts, /export type KeyState = "encoding" \| "active" \| "cancelled" \| "replaced"/)
  assert.match(dts, /readonly invitedAt: Date \| null/)
  assert.match(dts, /readonly fromStatus: AccountStatus/)
})

// R-SDK-5
test('instants are Dates, dates are YYYY-MM-DD strings and absent values are null', async () => {
  const w = await world()
  assert.ok(w.property.createdAt instanceof Date)
  assert.deepEqual(w.property.createdAt, new Date('2026-01-05T09:00:00Z'))
  assert.deepEqual(await w.sandbox.now(), new Date('2026-01-05T09:00:00Z'))
  assert.equal(w.property.external, null)

  const ada = await w.moveInAda(false)
  assert.equal(ada.moveIn, '2026-01-05')
  assert.equal(ada.phone, null)
  assert.equal(ada.invitedAt, null)
  assert.equal(ada.activationExpiresAt, null)
  assert.equal(ada.activatedAt, null)

  const now = await w.sandbox.advance({ days: 1, hours: 2, minutes: 3, seconds: 4 })
  assert.deepEqual(now, new Date('2026-01-06T11:03:04Z'))
  assert.deepEqual(await w.sandbox.now(), new Date('2026-01-06T11:03:04Z'))
  const invited = await w.concierge.invite(w.admin, ada.id)
  assert.deepEqual(invited.invitedAt, new Date('2026-01-06T11:03:04Z'))
  assert.deepEqual(invited.activationExpiresAt, new Date('2026-01-13T11:03:04Z'))
})

// R-SDK-5
test('listings are paged: for await, pages() with cursors, toArray(), limit and cursor', async () => {
  const w = await world()
  const names = ['Ada', 'Bob', 'Cy', 'Di', 'Ed']
  for (const n of names) await w.concierge.moveIn(w.admin, w.unit.id, n, 'Resident')

  const seen = []
  for await (const r of w.concierge.listResidents(w.admin, { limit: 2 })) seen.push(r.firstName)
  assert.deepEqual(seen.sort(), names)

  const pages = []
  for await (const page of w.concierge.listResidents(w.admin, { limit: 2 }).pages()) pages.push(page)
  assert.deepEqual(pages.map((p) => p.items.length), [2, 2, 1])
  assert.ok(pages.every((p) => p instanceof Page))
  assert.equal(typeof pages[0].nextCursor, 'string')
  assert.equal(pages.at(-1).nextCursor, null)

  // A cursor from one page starts the listing after it.
  const rest = await w.concierge.listResidents(w.admin, { limit: 2, cursor: pages[0].nextCursor }).toArray()
  assert.deepEqual(rest.map((r) => r.id), pages.slice(1).flatMap((p) => p.items.map((r) => r.id)))
  assert.equal((await w.concierge.listResidents(w.admin).toArray()).length, 5)

  const err = await rejectsWith(w.concierge.listResidents(w.admin, { limit: 0 }).toArray(), 'VALIDATION')
  assert.deepEqual(fieldsOf(err), ['limit'])
})

// R-SDK-5, R-MOVE-3
test('property settings take defaults, round-trip, and keep amenity ids', async () => {
  const w = await world()
  assert.equal(w.property.settings.syncInterval, 14400)
  assert.equal(w.property.settings.futureResidentSync, false)
  assert.match(w.property.settings.invitationEmail.body, /\{\{ activation_link \}\}/)

  const updated = await w.concierge.updatePropertySettings(w.admin, w.property.id, {
    ...w.property.settings,
    futureResidentSync: true,
    // The caller names each amenity's id (the Rust `Amenity` has no default id).
    amenities: [{ id: 'amen_pool', name: 'Pool' }, { id: 'amen_gym', name: 'Gym' }],
    invitationEmail: { ...w.property.settings.invitationEmail, subject: 'Welcome home, {{ first_name }}' },
  })
  assert.equal(updated.settings.futureResidentSync, true)
  assert.deepEqual(updated.settings.amenities.map((a) => a.name), ['Pool', 'Gym'])
  assert.deepEqual(updated.settings.amenities.map((a) => a.id), ['amen_pool', 'amen_gym'])
  assert.equal(updated.settings.invitationEmail.subject, 'Welcome home, {{ first_name }}')
  assert.equal(updated.settings.invitationEmail.activationUrl, 'https://concierge.invalid/activate?token=')

  // Read back and passed in again, the settings are unchanged (ids included).
  const again = await w.concierge.updatePropertySettings(w.admin, w.property.id, updated.settings)
  assert.deepEqual(again.settings, updated.settings)
  assert.deepEqual((await w.concierge.getProperty(w.admin, w.property.id)).settings, updated.settings)

  const pool = updated.settings.amenities[0]
  const ada = await w.concierge.moveIn(w.admin, w.unit.id, 'Ada', 'Lovelace', { amenities: [pool.id] })
  assert.deepEqual(ada.amenities, [pool.id])
  await rejectsWith(
    w.concierge.moveIn(w.admin, w.unit.id, 'Grace', 'Hopper', { amenities: ['amen_elsewhere'] }),
    'VALIDATION',
    { issues: [{ field: 'amenities', message: 'amen_elsewhere is not an amenity of this property' }] },
  )
})

// R-SDK-5
test('invalid settings and duplicate names are refused and change nothing', async () => {
  const w = await world()
  await rejectsWith(
    w.concierge.registerProperty(w.admin, 'Bay Court', 'bay-court', {
      settings: {
        syncInterval: 60,
        invitationEmail: { body: 'no link here', activationUrl: 'ftp://x' },
      },
    }),
    'VALIDATION',
    {
      issues: [
        { field: 'settings.sync_interval', message: 'must be at least 5 minutes' },
        { field: 'settings.invitation_email.body', message: 'must use {{ activation_link }}' },
        { field: 'settings.invitation_email.activation_url', message: 'must be an http(s) URL' },
      ],
    },
  )
  await rejectsWith(w.concierge.registerProperty(w.admin, 'Harbour View 2', 'harbour-view'), 'CONFLICT')
  await rejectsWith(w.concierge.registerBuilding(w.admin, w.property.id, 'tower a'), 'CONFLICT')
  await rejectsWith(w.concierge.registerUnit(w.admin, w.building.id, '1204'), 'CONFLICT')
  assert.equal((await w.concierge.listProperties(w.admin)).length, 1)
  assert.equal((await w.concierge.listUnits(w.admin, w.property.id)).length, 1)
})

// R-SDK-5
test('unknown ids are not found, naming the kind of record and the id', async () => {
  const w = await world()
  await rejectsWith(w.concierge.getProperty(w.admin, 'prop_missing'), 'NOT_FOUND', {
    entity: 'property',
    id: 'prop_missing',
  })
  await rejectsWith(w.concierge.registerUnit(w.admin, 'bldg_missing', '1'), 'NOT_FOUND', {
    entity: 'building',
    id: 'bldg_missing',
  })
  await rejectsWith(w.concierge.getResident(w.admin, 'res_missing'), 'NOT_FOUND', {
    entity: 'resident',
    id: 'res_missing',
  })
})

// R-SDK-5
test('arguments of the wrong JavaScript type reject with VALIDATION naming the field', async () => {
  const c = await Concierge.open({ sandbox: { seed: 7 } })
  const admin = Admin.fullAccess('desk-1', 'Front desk')
  await rejectsWith(c.invite(admin, 42), 'VALIDATION', {
    issues: [{ field: 'resident_id', message: 'must be a string' }],
  })
  await rejectsWith(c.invite({ name: 'not an Admin' }, 'res_1'), 'VALIDATION', {
    issues: [{ field: 'admin.id', message: 'is required' }],
  })
  await rejectsWith(c.listProperties(Admin.of('', 'Nobody')), 'VALIDATION', {
    issues: [{ field: 'admin.id', message: 'must not be empty' }],
  })
  // A positional boolean is not an options object.
  await rejectsWith(c.activate('token', true), 'VALIDATION', {
    issues: [{ field: 'options', message: 'must be an object of named options' }],
  })
  await rejectsWith(c.activate('token'), 'VALIDATION', {
    issues: [
      { field: 'accept_terms', message: 'the terms must be accepted to activate' },
      { field: 'password', message: 'is required: the resident sets a password to activate' },
    ],
  })
  const unknown = await rejectsWith(Concierge.open({ sandbox: { seed: 7 }, bogus: 1 }), 'VALIDATION')
  assert.deepEqual(fieldsOf(unknown), ['bogus'])
  assert.match(unknown.issues[0].message, /is not a known field/)
  await c.close()
})
