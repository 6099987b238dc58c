// The shape of the Node API (R-SDK-5): one name per operation as in docs/api.md, a Promise
// from every operation, plain records, and errors with a stable `code`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Admin, Concierge, world, rejectsWith } from './world.mjs'

const OPERATIONS = [
  'registerProperty',
  'updatePropertySettings',
  'getProperty',
  'listProperties',
  'registerBuilding',
  'registerUnit',
  'listBuildings',
  'listUnits',
  'moveIn',
  'invite',
  'activate',
  'accountStatus',
  'getResident',
  'listResidents',
  'dispatchOutbox',
  'listOutbox',
  'retryOutboxEntry',
  'listEncoders',
  'previewKey',
  'makeKey',
  'cancelKey',
  'listKeys',
  'reconcileKeys',
]

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
test('every operation returns a Promise, and every rejection is an Error with a stable code', async () => {
  const w = await world()
  const c = w.concierge
  const a = w.admin
  const calls = {
    registerProperty: () => c.registerProperty(a, 'Bay Court', 'bay-court'),
    updatePropertySettings: () => c.updatePropertySettings(a, w.property.id, {}),
    getProperty: () => c.getProperty(a, w.property.id),
    listProperties: () => c.listProperties(a),
    registerBuilding: () => c.registerBuilding(a, w.property.id, 'Tower B'),
    registerUnit: () => c.registerUnit(a, w.building.id, '1205'),
    listBuildings: () => c.listBuildings(a, w.property.id),
    listUnits: () => c.listUnits(a, w.property.id),
    moveIn: () => c.moveIn(a, w.unit.id, 'Ada', 'Lovelace', { email: 'ada@example.org' }),
    invite: () => c.invite(a, 'res_missing'),
    activate: () => c.activate('garbage', true),
    accountStatus: () => c.accountStatus(a, 'res_missing'),
    getResident: () => c.getResident(a, 'res_missing'),
    listResidents: () => c.listResidents(a),
    dispatchOutbox: () => c.dispatchOutbox(),
    listOutbox: () => c.listOutbox(a, 'parked'),
    retryOutboxEntry: () => c.retryOutboxEntry(a, 'obx_missing'),
    listEncoders: () => c.listEncoders(a),
    previewKey: () => c.previewKey(a, { residentId: 'res_missing', encoder: 'ncoder-1' }),
    makeKey: () => c.makeKey(a, { residentId: 'res_missing', encoder: 'ncoder-1' }),
    cancelKey: () => c.cancelKey(a, 'key_missing'),
    listKeys: () => c.listKeys(a, { unitId: w.unit.id }),
    reconcileKeys: () => c.reconcileKeys(),
  }
  assert.deepEqual(Object.keys(calls), OPERATIONS)
  for (const [name, call] of Object.entries(calls)) {
    assert.equal(typeof Concierge.prototype[name], 'function', name)
    const result = call()
    assert.ok(result instanceof Promise, `${name} returns a Promise`)
    const [settled] = await Promise.allSettled([result])
    if (settled.status === 'rejected') {
      assert.ok(settled.reason instanceof Error, name)
      assert.ok(CODES.includes(settled.reason.code), `${name}: ${settled.reason.code}`)
    }
  }
})

// R-SDK-5
test('the TypeScript declarations describe every class, operation, record and error field', () => {
  const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  for (const cls of ['Concierge', 'Admin', 'SandboxControls', 'SmtpConfig']) {
    assert.match(dts, new RegExp(`export declare class ${cls} `), cls)
  }
  for (const op of OPERATIONS) {
    assert.match(dts, new RegExp(`\\n  ${op}\\(.*\\): Promise<`), op)
  }
  assert.match(dts, /static sandbox\(seed\?: number \| undefined \| null, options\?: SandboxOptions \| undefined \| null\): Concierge/)
  assert.match(dts, /static fullAccess\(name: string\): Admin/)
  assert.match(dts, /get sandboxControls\(\): SandboxControls \| null/)
  assert.match(dts, /constructor\(options: ConciergeOptions\)/)
  assert.match(dts, /accountStatus\(admin: Admin, residentId: string\): Promise<AccountStatus>/)
  for (const method of ['now(): Date', 'advance(by: AdvanceBy): void', 'sentEmails(): Array<SentEmail>',
    'lastActivationToken(email: string): string | null', 'failNext(operation: string, kind: ProviderErrorKind): void',
    'calls(operation: string): number']) {
    assert.ok(dts.includes(method), method)
  }
  for (const record of ['Property', 'PropertySettings', 'Building', 'Unit', 'Resident', 'OutboxEntry',
    'DispatchReport', 'SentEmail', 'ConciergeErrorFields', 'FieldIssue', 'MoveInOptions', 'Encoder', 'SmartKey',
    'KeyPreview', 'MakeKeyOptions', 'KeyFilterOptions', 'SandboxOptions']) {
    assert.match(dts, new RegExp(`export interface ${record} \\{`), record)
  }
  assert.match(dts, /export type ErrorCode = 'PERMISSION_DENIED' \| 'INVALID_TRANSITION' \| 'TOKEN_REJECTED' \| 'NOT_FOUND' \| 'VALIDATION' \| 'CONFLICT' \| 'PROVIDER' \| 'STORE' \| 'CLOSED'/)
  assert.match(dts, /export type AccountStatus = 'not_invited' \| 'pending_activation' \| 'live' \| 'activation_expired'/)
  assert.match(dts, /export type KeyState = 'encoding' \| 'active' \| 'cancelled' \| 'replaced'/)
  assert.match(dts, /export type KeyHolderKind = 'resident' \| 'spare'/)
  assert.match(dts, /'device_offline' \| 'no_card'/)
  assert.match(dts, /invitedAt: Date \| null/)
  assert.match(dts, /fromStatus\?: AccountStatus/)
  assert.doesNotMatch(dts, /password\(\)|get password/)
})

// R-SDK-5
test('instants are Dates, dates are YYYY-MM-DD strings and absent values are null', async () => {
  const w = await world()
  assert.ok(w.property.createdAt instanceof Date)
  assert.deepEqual(w.property.createdAt, new Date('2026-01-05T09:00:00Z'))
  assert.deepEqual(w.sandbox.now(), new Date('2026-01-05T09:00:00Z'))
  assert.equal(w.property.externalRef, null)

  const ada = await w.moveInAda(false)
  assert.equal(ada.moveIn, '2026-01-05')
  assert.equal(ada.phone, null)
  assert.equal(ada.invitedAt, null)
  assert.equal(ada.activationExpiresAt, null)
  assert.equal(ada.activatedAt, null)

  w.sandbox.advance({ days: 1, hours: 2, minutes: 3, seconds: 4 })
  assert.deepEqual(w.sandbox.now(), new Date('2026-01-06T11:03:04Z'))
  const invited = await w.concierge.invite(w.admin, ada.id)
  assert.deepEqual(invited.invitedAt, new Date('2026-01-06T11:03:04Z'))
  assert.deepEqual(invited.activationExpiresAt, new Date('2026-01-13T11:03:04Z'))
})

// R-SDK-5, R-MOVE-3
test('property settings take defaults, round-trip, and keep amenity ids', async () => {
  const w = await world()
  assert.equal(w.property.settings.syncIntervalSeconds, 14400)
  assert.equal(w.property.settings.futureResidentSync, false)
  assert.match(w.property.settings.invitationEmail.body, /\{activation_link\}/)

  const updated = await w.concierge.updatePropertySettings(w.admin, w.property.id, {
    ...w.property.settings,
    futureResidentSync: true,
    amenities: [{ name: 'Pool' }, { name: 'Gym' }],
    invitationEmail: { subject: 'Welcome home, {first_name}' },
  })
  assert.equal(updated.settings.futureResidentSync, true)
  assert.deepEqual(updated.settings.amenities.map((a) => a.name), ['Pool', 'Gym'])
  assert.match(updated.settings.amenities[0].id, /^amen_/)
  assert.equal(updated.settings.invitationEmail.subject, 'Welcome home, {first_name}')
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
      syncIntervalSeconds: 60,
      invitationEmail: { body: 'no link here', activationUrl: 'ftp://x' },
    }),
    'VALIDATION',
    {
      issues: [
        { field: 'settings.sync_interval', message: 'must be at least 5 minutes' },
        { field: 'settings.invitation_email.body', message: 'must contain {activation_link}' },
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
test('arguments of the wrong JavaScript type throw synchronously with napi codes', () => {
  const c = Concierge.sandbox()
  const admin = Admin.fullAccess('Desk')
  assert.throws(() => c.invite(admin, 42), { code: 'StringExpected' })
  assert.throws(() => c.invite({ name: 'not an Admin' }, 'res_1'), { code: 'InvalidArg' })
  assert.throws(() => c.activate('token'), { code: 'BooleanExpected' })
  assert.throws(() => new Concierge({}), { code: 'InvalidArg' })
})
