// Adapters written in JavaScript (R-SDK-1): a PMS, a strata system, an intercom, a key encoder
// and a mailer given to `Concierge.open(settings, { pms, strata, intercom, keyEncoder, mailer })`
// as plain objects, called by the engine like its own adapters: requests and results with
// camelCase keys, sync or async methods, typed failures (`providerError`), records of the wrong
// shape reported one by one, no blocked event loop, and the conformance kit run from Node.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { Admin, Concierge, sdk, rejectsWith } from './world.mjs'

const { providerError } = sdk
const admin = Admin.fullAccess('desk-1', 'Front desk')
const PMS = 'js-pms'
const ref = (id) => ({ provider: PMS, id })

const PROPERTIES = [
  { external: ref('p1'), name: 'Harbour View' },
  { external: ref('p2'), name: 'Hill Court' },
]
const UNITS = [
  { external: ref('u1'), property: ref('p1'), buildingName: 'Tower A', floor: '1', number: '101' },
  { external: ref('u2'), property: ref('p1'), buildingName: 'Tower A', floor: '2', number: '201' },
  { external: ref('u3'), property: ref('p1'), buildingName: 'Tower B', floor: null, number: '301' },
  { external: ref('u4'), property: ref('p2'), buildingName: 'Main', number: '1' },
  { external: ref('u5'), property: ref('p2'), buildingName: 'Main', number: '2' },
]
const resident = (id, property, unit, firstName, lastName) => ({
  external: ref(id),
  property: ref(property),
  unit: ref(unit),
  firstName,
  lastName,
  email: `${firstName.toLowerCase()}@example.org`,
  role: 'primary',
  moveIn: '2025-06-01',
  moveOut: null,
  updatedAt: new Date('2025-06-01T00:00:00Z'),
})
const RESIDENTS = [
  resident('r1', 'p1', 'u1', 'Ada', 'Lovelace'),
  resident('r2', 'p1', 'u2', 'Grace', 'Hopper'),
  resident('r3', 'p1', 'u3', 'Alan', 'Turing'),
  resident('r4', 'p2', 'u4', 'Edsger', 'Dijkstra'),
  resident('r5', 'p2', 'u5', 'Barbara', 'Liskov'),
]

/** Page `cursor` (an offset as text; null for the first) of `items`, two at a time. */
function page(items, cursor) {
  const start = cursor === null ? 0 : Number(cursor)
  return { items: items.slice(start, start + 2), next: start + 2 < items.length ? String(start + 2) : null }
}

const ofProperties = (items, properties) => items.filter((i) => properties.some((p) => p.id === i.property.id))

/**
 * A PMS serving the data above two records a page; `calls` records each request. Its methods
 * answer at once, or as Promises when `async`; `override` replaces some of them.
 */
function memoryPms({ async = false, residents = RESIDENTS, override = {} } = {}) {
  const calls = []
  const answer = (v) => (async ? sleep(1).then(() => v) : v)
  const pms = {
    name: PMS,
    calls,
    listProperties(req) {
      calls.push(['listProperties', req])
      return answer(page(PROPERTIES, req.cursor))
    },
    listUnits(req) {
      calls.push(['listUnits', req])
      return answer(page(ofProperties(UNITS, req.properties), req.cursor))
    },
    listResidents(req) {
      calls.push(['listResidents', req])
      return answer(page(ofProperties(residents, req.properties), req.cursor))
    },
  }
  for (const [name, fn] of Object.entries(override)) {
    pms[name] = (req) => {
      calls.push([name, req])
      return fn(req)
    }
  }
  return pms
}

/** A sandbox whose PMS is `pms`, with both its properties registered and linked. */
async function pmsWorld(t, pms) {
  const concierge = await Concierge.open({ sandbox: {} }, { pms })
  t.after(() => concierge.close())
  const properties = []
  for (const listed of await concierge.listPmsProperties(admin)) {
    const registered = await concierge.registerProperty(admin, listed.name, listed.external.id)
    properties.push(await concierge.linkPmsProperty(admin, registered.id, listed.external.id))
  }
  return { concierge, properties }
}

const residentsOf = (c, propertyId) => c.listResidents(admin, { propertyId }).toArray()

// R-SDK-1
test('a PMS written in JavaScript syncs two properties page by page', async (t) => {
  const pms = memoryPms()
  const { concierge, properties } = await pmsWorld(t, pms)
  assert.deepEqual(await concierge.listPmsProperties(admin), PROPERTIES)
  assert.deepEqual(properties.map((p) => p.external), [ref('p1'), ref('p2')])

  const reports = await concierge.syncAll(admin)
  assert.equal(reports.length, 2)
  const [harbour, hill] = properties.map((p) => reports.find((r) => r.run.propertyId === p.id).run)
  for (const run of [harbour, hill]) {
    assert.equal(run.aborted, null)
    assert.deepEqual(run.errors, [])
  }
  assert.deepEqual([harbour.counts.seen, harbour.counts.created, harbour.counts.failed], [3, 3, 0])
  assert.deepEqual([hill.counts.seen, hill.counts.created, hill.counts.failed], [2, 2, 0])
  assert.ok(harbour.counts.pages >= 2, `three residents are two pages: ${harbour.counts.pages}`)

  const ours = await residentsOf(concierge, properties[0].id)
  assert.deepEqual(ours.map((r) => `${r.firstName} ${r.lastName}`).sort(), ['Ada Lovelace', 'Alan Turing', 'Grace Hopper'])
  assert.ok(ours.every((r) => r.source === 'pms' && r.external.provider === PMS && r.email.endsWith('@example.org')))
  assert.deepEqual((await residentsOf(concierge, properties[1].id)).map((r) => r.external.id).sort(), ['r4', 'r5'])
  const buildings = await concierge.listBuildings(admin, properties[0].id)
  assert.deepEqual(buildings.map((b) => b.name).sort(), ['Tower A', 'Tower B'])
  assert.equal((await concierge.listUnits(admin, properties[0].id)).length, 3)

  // The requests arrive with camelCase keys, and every page is fetched with its cursor.
  const listings = pms.calls.filter(([m, req]) => m === 'listResidents' && req.properties[0].id === 'p1')
  assert.deepEqual(listings.map(([, req]) => req), [
    { properties: [ref('p1')], updatedSince: null, cursor: null },
    { properties: [ref('p1')], updatedSince: null, cursor: '2' },
  ])

  // An incremental sync asks for the residents changed since an instant (a Date, as every
  // instant the package gives).
  const [again] = await concierge.syncProperties(admin, [properties[0].id], { mode: 'incremental' })
  assert.equal(again.run.counts.created, 0)
  const [, last] = pms.calls.findLast(([m]) => m === 'listResidents')
  assert.ok(last.updatedSince instanceof Date, String(last.updatedSince))
  assert.ok(!Number.isNaN(last.updatedSince.getTime()))
})

// R-SDK-1
test('adapter methods may answer at once or with a Promise', async (t) => {
  const counts = []
  for (const pms of [memoryPms({ async: false }), memoryPms({ async: true })]) {
    const { concierge } = await pmsWorld(t, pms)
    const reports = await concierge.syncAll(admin)
    counts.push(reports.map((r) => r.run.counts.created).sort())
  }
  const mixed = memoryPms({ override: { listUnits: async (req) => page(ofProperties(UNITS, req.properties), req.cursor) } })
  const { concierge } = await pmsWorld(t, mixed)
  counts.push((await concierge.syncAll(admin)).map((r) => r.run.counts.created).sort())
  assert.deepEqual(counts, [[2, 3], [2, 3], [2, 3]])
})

// R-SDK-1, R-SDK-2
test('what an adapter throws is a typed PROVIDER error naming the adapter and the operation', async (t) => {
  const throttled = memoryPms({
    override: {
      listResidents: async () => {
        throw providerError('rate_limited', 'slow down', { httpStatus: 429, vendorCode: 'SLOW', requestId: 'req-7', retryAfterSeconds: 2 })
      },
    },
  })
  const w = await pmsWorld(t, throttled)
  const err = await rejectsWith(w.concierge.syncNow(admin, w.properties[0].id), 'PROVIDER', {
    provider: PMS,
    operation: 'list_residents',
    kind: 'rate_limited',
    retryClass: 'throttled',
    retryable: true,
    httpStatus: 429,
    vendorCode: 'SLOW',
    requestId: 'req-7',
    retryAfterSeconds: 2,
  })
  assert.match(err.message, /slow down/)
  assert.equal(throttled.calls.filter(([m]) => m === 'listResidents').length, 3, 'retryable: tried three times')
  const aborted = await w.concierge.lastSync(admin, w.properties[0].id)
  assert.match(aborted.aborted, /js-pms list_residents/)

  // The adapter's own retry class wins over the kind's.
  const final = memoryPms({ override: { listResidents: () => { throw providerError('rate_limited', 'quota spent', { retryable: false }) } } })
  const f = await pmsWorld(t, final)
  await rejectsWith(f.concierge.syncNow(admin, f.properties[0].id), 'PROVIDER', { kind: 'rate_limited', retryable: false })
  assert.equal(final.calls.filter(([m]) => m === 'listResidents').length, 1)

  // Any other exception: kind `other`, not retryable, its class in the message.
  const broken = memoryPms({ override: { listUnits: () => { throw new TypeError('units is undefined') } } })
  const b = await pmsWorld(t, broken)
  const other = await rejectsWith(b.concierge.syncNow(admin, b.properties[0].id), 'PROVIDER', {
    provider: PMS,
    operation: 'list_units',
    kind: 'other',
    retryable: false,
  })
  assert.equal(other.code, 'PROVIDER')
  assert.match(other.message, /TypeError: units is undefined/)
  assert.equal(broken.calls.filter(([m]) => m === 'listUnits').length, 1)

  // A method the adapter lacks fails the same way.
  const missing = memoryPms()
  delete missing.listUnits
  const m = await pmsWorld(t, missing)
  const absent = await rejectsWith(m.concierge.syncNow(admin, m.properties[0].id), 'PROVIDER', { operation: 'list_units', kind: 'other' })
  assert.match(absent.message, /listUnits/)
})

// R-SDK-1
test('a record of the wrong shape is a sync error of its own; a result that is not a page fails the call', async (t) => {
  const { lastName: _dropped, ...nameless } = RESIDENTS[1]
  const residents = [RESIDENTS[0], nameless, RESIDENTS[2], RESIDENTS[3], RESIDENTS[4]]
  const w = await pmsWorld(t, memoryPms({ residents }))
  const report = await w.concierge.syncNow(admin, w.properties[0].id)
  assert.equal(report.run.aborted, null)
  assert.equal(report.run.counts.created, 2, 'the others land')
  assert.equal(report.run.counts.failed, 1)
  assert.equal(report.run.errors.length, 1)
  const [error] = report.run.errors
  assert.equal(error.kind, 'unreadable_record')
  assert.deepEqual(error.external, ref('r2'))
  assert.match(error.message, /last_name/)
  assert.deepEqual((await residentsOf(w.concierge, w.properties[0].id)).map((r) => r.external.id).sort(), ['r1', 'r3'])

  const notPage = memoryPms({ override: { listUnits: () => ({ units: UNITS }) } })
  const n = await pmsWorld(t, notPage)
  const err = await rejectsWith(n.concierge.syncNow(admin, n.properties[0].id), 'PROVIDER', {
    provider: PMS,
    operation: 'list_units',
    kind: 'invalid_response',
    retryable: false,
  })
  assert.match(err.message, /units: is not a known field/)
})

// R-SDK-1
test('a key encoder written in JavaScript writes and cancels a key, with the idempotency key', async (t) => {
  const ENC = 'js-encoder'
  const calls = []
  const written = new Map()
  const keyEncoder = {
    name: ENC,
    listEncoders(req) {
      calls.push(['listEncoders', req])
      return { encoders: [{ external: { provider: ENC, id: 'enc-1' }, name: 'Lobby', online: true, initialized: true }] }
    },
    async keyState(req) {
      calls.push(['keyState', req])
      const key = written.get(req.idempotencyKey) ?? null
      return { key, state: key ? 'active' : 'not_assigned' }
    },
    async encodeKey(req) {
      calls.push(['encodeKey', req])
      const key = { provider: ENC, id: `card-${written.size + 1}` }
      written.set(req.idempotencyKey, key)
      return { key }
    },
    async cancelKey(req) {
      calls.push(['cancelKey', req])
    },
  }
  const concierge = await Concierge.open({ sandbox: {} }, { keyEncoder })
  t.after(() => concierge.close())
  const property = await concierge.registerProperty(admin, 'Keys', 'keys')
  const building = await concierge.registerBuilding(admin, property.id, 'A')
  const unit = await concierge.registerUnit(admin, building.id, '101')
  const ada = await concierge.moveIn(admin, unit.id, 'Ada', 'Key')

  assert.deepEqual((await concierge.listEncoders(admin)).map((e) => [e.external.id, e.name]), [['enc-1', 'Lobby']])
  const key = await concierge.makeKey(admin, { kind: 'resident', id: ada.id }, 'enc-1')
  assert.equal(key.state, 'active')
  assert.deepEqual(key.encoder, { provider: ENC, id: 'enc-1' })
  assert.deepEqual(key.external, { provider: ENC, id: 'card-1' })

  const encodes = calls.filter(([m]) => m === 'encodeKey').map(([, req]) => req)
  assert.equal(encodes.length, 1)
  const [encode] = encodes
  assert.deepEqual(Object.keys(encode).sort(), ['deadlineSeconds', 'encoder', 'holderRef', 'idempotencyKey', 'unitRef'])
  assert.deepEqual(encode.encoder, { provider: ENC, id: 'enc-1' })
  assert.equal(encode.unitRef, unit.id)
  assert.match(encode.holderRef, new RegExp(ada.id))
  assert.equal(typeof encode.deadlineSeconds, 'number')
  assert.ok(encode.idempotencyKey.length > 0)
  const [, state] = calls.find(([m]) => m === 'keyState')
  assert.deepEqual(state, { key: null, idempotencyKey: encode.idempotencyKey }, 'asked first whether it was written')

  const cancelled = await concierge.cancelKey(admin, key.id)
  assert.equal(cancelled.state, 'cancelled')
  const [, cancel] = calls.find(([m]) => m === 'cancelKey')
  assert.deepEqual(cancel.key, { provider: ENC, id: 'card-1' })
  assert.equal(typeof cancel.idempotencyKey, 'string')

  // An encoder's refusal is a typed error; nothing live is left.
  keyEncoder.encodeKey = () => {
    throw providerError('no_card', 'no card on the encoder')
  }
  const bob = await concierge.moveIn(admin, unit.id, 'Bob', 'Key')
  await rejectsWith(concierge.makeKey(admin, { kind: 'resident', id: bob.id }, 'enc-1'), 'PROVIDER', {
    provider: ENC,
    operation: 'encode_key',
    kind: 'no_card',
  })
})

// R-SDK-1
test('a slow adapter does not block the event loop', async (t) => {
  const slow = memoryPms({
    override: {
      listResidents: async (req) => {
        await sleep(200)
        return page(ofProperties(RESIDENTS, req.properties), req.cursor)
      },
    },
  })
  const w = await pmsWorld(t, slow)
  const order = []
  const ticks = []
  const timer = setInterval(() => ticks.push(Date.now()), 20)
  setTimeout(() => order.push('timer'), 50)
  const report = await w.concierge.syncNow(admin, w.properties[0].id)
  order.push('sync')
  clearInterval(timer)
  assert.equal(report.run.counts.created, 3)
  assert.deepEqual(order, ['timer', 'sync'])
  assert.ok(ticks.length >= 5, `the loop ran during the sync: ${ticks.length} ticks`)
})

// R-SDK-1
test('the conformance kit passes a careful JavaScript PMS and tells a careless one what it gets wrong', async (t) => {
  // Careful: a cursor it never issued is refused, as a failure no retry can mend.
  const careful = memoryPms({
    override: {
      listUnits(req) {
        if (req.cursor !== null && !/^\d+$/.test(req.cursor)) {
          throw providerError('rejected', `no cursor ${req.cursor}`)
        }
        return page(ofProperties(UNITS, req.properties), req.cursor)
      },
    },
  })
  const good = await Concierge.open({ sandbox: {} }, { pms: careful })
  t.after(() => good.close())
  const report = await good.checkPmsAdapter(admin)
  assert.equal(report.provider, PMS)
  assert.equal(report.failed, 0, JSON.stringify(report.checks, null, 1))
  const passed = report.checks.filter((c) => c.outcome === 'passed').map((c) => c.name)
  for (const name of ['properties_page_through', 'units_page_through', 'residents_page_through', 'unknown_cursor_refused']) {
    assert.ok(passed.includes(name), `${name}: ${JSON.stringify(report.checks)}`)
  }

  // Careless: any cursor is read as an offset, so one it never issued gives an empty last page.
  const bad = await Concierge.open({ sandbox: {} }, { pms: memoryPms() })
  t.after(() => bad.close())
  const told = await bad.checkPmsAdapter(admin)
  assert.equal(told.failed, 1)
  const failure = told.checks.find((c) => c.outcome === 'failed')
  assert.equal(failure.name, 'unknown_cursor_refused')
  assert.match(failure.detail, /never issued/)
})

// R-SDK-1
test('an adapter without a name is a validation error naming the field, for every kind', async () => {
  const nameless = { listProperties: () => ({ items: [], next: null }) }
  await assert.rejects(Concierge.open({ sandbox: {} }, { pms: nameless }), (err) => {
    assert.equal(err.code, 'VALIDATION')
    assert.match(err.message, /pms\.name/)
    return true
  })
  for (const [kind, field] of [['strata', 'strata'], ['intercom', 'intercom'], ['keyEncoder', 'key_encoder'], ['mailer', 'mailer']]) {
    const err = await rejectsWith(Concierge.open({ sandbox: {} }, { [kind]: { name: null } }), 'VALIDATION')
    assert.deepEqual(err.issues.map((i) => i.field), [`${field}.name`], kind)
  }
})


// ---------------------------------------------------------------------------------------------
// Strata system, intercom and mailer written in JavaScript.

/**
 * Page `cursor` of `items`, `size` at a time, with cursors of the adapter's own making
 * (`<prefix>-<offset>`); a cursor it never issued is refused for good, as the kit requires.
 */
function cursorPage(items, cursor, prefix, size = 2) {
  let start = 0
  if (cursor !== null) {
    const offset = cursor.startsWith(`${prefix}-`) ? Number(cursor.slice(prefix.length + 1)) : NaN
    if (!Number.isInteger(offset) || offset <= 0 || offset >= items.length) {
      throw providerError('rejected', `${prefix}: a cursor this adapter never issued`)
    }
    start = offset
  }
  const next = start + size < items.length ? `${prefix}-${start + size}` : null
  return { items: items.slice(start, start + size), next }
}

const STRATA = 'js-strata'
const sref = (id) => ({ provider: STRATA, id })
const STRATA_BUILDINGS = [
  { external: sref('b1'), planNumber: 'SP 1001', name: 'Quay Towers', address: '1 Quay St', status: 'active' },
  { external: sref('b2'), planNumber: 'SP 1002', name: 'Hill Court', status: 'active' },
  { external: sref('b3'), planNumber: 'SP 1003', name: 'Old Mill', status: 'inactive' },
]
const strataUser = (id, building, first, last, lot, unit, userTypes, extra = {}) => ({
  external: sref(id),
  building: sref(building),
  displayName: `${first} ${last}`,
  firstName: first,
  lastName: last,
  email: `${first.toLowerCase()}@example.org`,
  altEmails: [],
  lots: [{ lotNumber: lot, unitNumber: unit }],
  userTypes,
  tenancy: null,
  warnings: [],
  ...extra,
})
const STRATA_USERS = [
  strataUser('s1', 'b1', 'Ada', 'Lovelace', '1', '101', ['owner_occupier', 'committee']),
  strataUser('s2', 'b1', 'Grace', 'Hopper', '2', '201', ['tenant'], { tenancy: { moveIn: '2025-02-01', moveOut: null } }),
  strataUser('s3', 'b1', 'Alan', 'Turing', '2', '201', ['owner_investor']),
  strataUser('s4', 'b2', 'Edsger', 'Dijkstra', '7', null, ['owner_occupier']),
]

/** A strata system serving the data above, answering with Promises; `calls` records each request. */
function memoryStrata({ users = STRATA_USERS } = {}) {
  const calls = []
  const building = (ref) => {
    const found = STRATA_BUILDINGS.find((b) => b.external.id === ref?.id)
    if (!found) throw providerError('not_found', 'no such building in this strata system')
    return found
  }
  return {
    name: STRATA,
    calls,
    async listBuildings(req) {
      calls.push(['listBuildings', req])
      return cursorPage(STRATA_BUILDINGS, req.cursor, 'buildings')
    },
    async getBuilding(req) {
      calls.push(['getBuilding', req])
      return building(req.building)
    },
    async listUsers(req) {
      calls.push(['listUsers', req])
      const asked = building(req.building)
      return cursorPage(users.filter((u) => u.building.id === asked.external.id), req.cursor, `users.${asked.external.id}`)
    },
  }
}

// R-SDK-1
test('a strata system written in JavaScript is linked and imported through the engine', async (t) => {
  const strata = memoryStrata()
  const concierge = await Concierge.open({ sandbox: {} }, { strata })
  t.after(() => concierge.close())
  const property = await concierge.registerProperty(admin, 'Quay Towers', 'quay-towers')

  const shared = await concierge.strataProviderBuildings(admin)
  assert.deepEqual(shared.map((b) => [b.external, b.planNumber, b.address, b.status]), [
    [sref('b1'), 'SP 1001', '1 Quay St', 'active'],
    [sref('b2'), 'SP 1002', null, 'active'],
    [sref('b3'), 'SP 1003', null, 'inactive'],
  ])

  const roll = await concierge.linkStrataBuilding(admin, property.id, 'b1')
  assert.deepEqual([roll.external, roll.planNumber, roll.name, roll.pending], [sref('b1'), 'SP 1001', 'Quay Towers', 3])
  assert.equal(roll.lastSync.aborted, null)
  assert.deepEqual(roll.lastSync.errors, [])
  // The requests arrive with camelCase keys, every page fetched with the adapter's cursor.
  assert.deepEqual(strata.calls.find(([m]) => m === 'getBuilding')[1], { building: sref('b1') })
  assert.deepEqual(strata.calls.filter(([m]) => m === 'listUsers').map(([, req]) => req), [
    { building: sref('b1'), cursor: null },
    { building: sref('b1'), cursor: 'users.b1-2' },
  ])

  const pending = await concierge.listStrataUsers(admin, roll.id).toArray()
  assert.deepEqual(pending.map((m) => m.user.displayName).sort(), ['Ada Lovelace', 'Alan Turing', 'Grace Hopper'])
  const grace = pending.find((m) => m.user.external.id === 's2').user
  assert.deepEqual([grace.userTypes, grace.tenancy, grace.lots], [['tenant'], { moveIn: '2025-02-01', moveOut: null }, [{ lotNumber: '2', unitNumber: '201' }]])

  const report = await concierge.importStrataUsers(admin, roll.id, pending.map((m) => m.id))
  assert.deepEqual([report.residents.length, report.failed], [3, []])
  const residents = await concierge.listResidents(admin, { propertyId: property.id, source: 'strata' }).toArray()
  assert.deepEqual(residents.map((r) => `${r.firstName} ${r.lastName} <${r.email}>`).sort(), [
    'Ada Lovelace <ada@example.org>',
    'Alan Turing <alan@example.org>',
    'Grace Hopper <grace@example.org>',
  ])
  assert.ok(residents.every((r) => r.status === 'pending_activation'))
  assert.deepEqual((await concierge.listUnits(admin, property.id)).map((u) => u.number).sort(), ['101', '201'])
})

// R-SDK-1
test('a strata record of the wrong shape is an error of its own naming the field; the others land', async (t) => {
  const { lots: _dropped, ...lotless } = STRATA_USERS[1]
  const users = [STRATA_USERS[0], { ...lotless, lots: 'lot 2' }, STRATA_USERS[2]]
  const concierge = await Concierge.open({ sandbox: {} }, { strata: memoryStrata({ users }) })
  t.after(() => concierge.close())
  const property = await concierge.registerProperty(admin, 'Quay Towers', 'quay-towers')

  const roll = await concierge.linkStrataBuilding(admin, property.id, 'b1')
  assert.equal(roll.lastSync.aborted, null, 'not a failed run')
  assert.equal(roll.pending, 2)
  const [error, ...others] = await concierge.strataErrors(admin, roll.id).toArray()
  assert.deepEqual(others, [])
  assert.equal(error.kind, 'unreadable_record')
  assert.deepEqual(error.external, sref('s2'))
  assert.match(error.message, /\blots: /)
  assert.ok(!error.message.includes('lot 2'), `the value stays out of the message: ${error.message}`)
  const pending = await concierge.listStrataUsers(admin, roll.id).toArray()
  assert.deepEqual(pending.map((m) => m.user.external.id).sort(), ['s1', 's3'])
})

const BMX = 'js-intercom'
const iref = (id) => ({ provider: BMX, id })
const ISSUED_CODE = 'consent-code-issued-by-the-intercom'
const INTERCOM_BUILDINGS = [
  { external: iref('ib1'), name: 'Quay Towers', timeZone: 'Australia/Sydney' },
  { external: iref('ib2'), name: 'Hill Court', timeZone: null },
  { external: iref('ib3'), name: 'Old Mill' },
]
const INTERCOM_TENANTS = [
  { external: iref('t1'), name: 'Ada Lovelace', email: 'ada@example.org', unitLabel: '101', contactPreference: 'phone_call' },
  { external: iref('t2'), name: 'Grace Hopper', email: null, unitLabel: '201', contactPreference: 'mobile_app' },
  { external: iref('t3'), name: 'Alan Turing', unitLabel: '202', contactPreference: 'phone_call' },
]

/**
 * An intercom kept in memory, every method async: a consent code it issued, its buildings and
 * tenants, placeholders adopted by email, passes found again by their idempotency key.
 */
function memoryIntercom() {
  const calls = []
  const placeholders = new Map()
  const passes = new Map()
  let made = 0
  const building = (ref) => {
    const found = INTERCOM_BUILDINGS.find((b) => b.external.id === ref.id)
    if (!found) throw providerError('not_found', 'no such building on this intercom')
    return found
  }
  const placeholderOf = (ref) => [...placeholders.values()].find((p) => p.building === ref.id)
  return {
    name: BMX,
    consentUrl: 'https://intercom.example.com/oauth/consent?client=concierge',
    calls,
    passes,
    async authorize(req) {
      calls.push(['authorize', req])
      // Never the code in the error: it is a secret.
      if (req.code !== ISSUED_CODE) throw providerError('unauthorized', 'the intercom did not issue this consent code')
    },
    async listBuildings(req) {
      calls.push(['listBuildings', req])
      return cursorPage(INTERCOM_BUILDINGS, req.cursor, 'buildings')
    },
    async getBuilding(req) {
      calls.push(['getBuilding', req])
      return building(req.building)
    },
    async ensurePlaceholder(req) {
      calls.push(['ensurePlaceholder', req])
      building(req.building)
      const key = `${req.building.id}/${req.tenantEmail.toLowerCase()}`
      const found = placeholders.get(key)
      if (found) return { unit: found.unit, tenant: found.tenant, createdUnit: false, createdTenant: false }
      made += 1
      const placeholder = { building: req.building.id, unit: iref(`pu${made}`), tenant: iref(`pt${made}`), name: `${req.tenantFirstName} ${req.tenantLastName}` }
      placeholders.set(key, placeholder)
      return { unit: placeholder.unit, tenant: placeholder.tenant, createdUnit: true, createdTenant: true }
    },
    async preflight(req) {
      calls.push(['preflight', req])
      building(req.building)
      const p = placeholderOf(req.building)
      const unit = p !== undefined && req.unit?.id === p.unit.id
      const tenant = p !== undefined && req.tenant?.id === p.tenant.id
      return {
        checks: [
          { name: 'manager_account_active', passed: true, detail: 'consent given' },
          { name: 'integration_enabled', passed: true, detail: 'our application sees the building' },
          { name: 'placeholder_unit', passed: unit, detail: unit ? 'found' : 'missing' },
          { name: 'placeholder_tenant', passed: tenant, detail: tenant ? 'found' : 'missing' },
          { name: 'access_points', passed: true, detail: '2 doors' },
        ],
      }
    },
    async listTenants(req) {
      calls.push(['listTenants', req])
      building(req.building)
      const p = placeholderOf(req.building)
      const own = p ? [{ external: p.tenant, name: p.name, contactPreference: 'mobile_app' }] : []
      return cursorPage([...INTERCOM_TENANTS, ...own], req.cursor, `tenants.${req.building.id}`)
    },
    async createVisitorPass(req) {
      calls.push(['createVisitorPass', req])
      const again = [...passes.values()].find((p) => p.name === req.idempotencyKey)
      if (req.retry && again) return again.record
      const id = `pass-${passes.size + 1}`
      const record = { external: iref(id), key: iref(`vk-${id}`), qrCodeUrl: `https://intercom.example.com/qr/${id}.png`, window: req.window }
      passes.set(id, { name: req.idempotencyKey, record })
      return record
    },
    async revokeVisitorPass(req) {
      calls.push(['revokeVisitorPass', req])
      if (!passes.delete(req.visitorPass.id)) throw providerError('not_found', 'no such pass')
    },
  }
}

// R-SDK-1, R-SDK-2
test('an intercom written in JavaScript takes a site from consent to a revoked visitor pass', async (t) => {
  const intercom = memoryIntercom()
  const concierge = await Concierge.open({ sandbox: {} }, { intercom })
  t.after(() => concierge.close())
  let property = await concierge.registerProperty(admin, 'Quay Towers', 'quay-towers', {
    settings: { visitors: { placeholderMailbox: 'butterflymx@example.org' } },
  })

  // Consent: the URL it declares, the code handed to `authorize`; a forged one refused, typed.
  assert.equal(await concierge.intercomConsentUrl(admin), intercom.consentUrl)
  assert.equal(await concierge.connectIntercom(admin, ISSUED_CODE), true)
  assert.deepEqual(intercom.calls.find(([m]) => m === 'authorize')[1], { code: ISSUED_CODE })
  await rejectsWith(concierge.connectIntercom(admin, 'forged-code'), 'PROVIDER', {
    provider: BMX,
    operation: 'authorize',
    kind: 'unauthorized',
    retryable: false,
  })

  const buildings = await concierge.intercomBuildings(admin)
  assert.deepEqual(buildings.map((b) => [b.external.id, b.timeZone]), [['ib1', 'Australia/Sydney'], ['ib2', null], ['ib3', null]])
  property = await concierge.linkIntercomBuilding(admin, property.id, 'ib1')
  assert.equal(property.timeZone, 'Australia/Sydney', 'the building zone, from the adapter')

  const site = await concierge.provisionVisitorSite(admin, property.id)
  assert.deepEqual([site.createdUnit, site.createdTenant, site.placeholderTenant], [true, true, iref('pt1')])
  assert.deepEqual(intercom.calls.find(([m]) => m === 'ensurePlaceholder')[1], {
    building: iref('ib1'),
    unitLabel: 'STRATIS',
    unitFloor: '0',
    tenantFirstName: 'STRATIS',
    tenantLastName: 'User',
    tenantEmail: 'butterflymx+quay-towers@example.org',
  })
  const again = await concierge.provisionVisitorSite(admin, property.id)
  assert.deepEqual([again.createdUnit, again.createdTenant, again.placeholderTenant], [false, false, iref('pt1')])

  const preflight = await concierge.visitorPreflight(admin, property.id)
  assert.ok(preflight.passed, JSON.stringify(preflight.checks))
  assert.deepEqual(preflight.phoneCallTenants.map((t) => t.external.id), ['t1', 't3'])
  const [, asked] = intercom.calls.findLast(([m]) => m === 'preflight')
  assert.deepEqual(asked, { building: iref('ib1'), unit: iref('pu1'), tenant: iref('pt1') })

  const pass = await concierge.createVisitorPass(admin, property.id, 'Sam Visitor', '2026-01-06T14:00', '2026-01-06T16:00')
  assert.equal(pass.state, 'active')
  assert.deepEqual([pass.external, pass.key, pass.qrCodeUrl], [iref('pass-1'), iref('vk-pass-1'), 'https://intercom.example.com/qr/pass-1.png'])
  assert.deepEqual(pass.window.startsAt, new Date('2026-01-06T03:00:00Z'))
  assert.deepEqual(intercom.calls.find(([m]) => m === 'createVisitorPass')[1], {
    building: iref('ib1'),
    tenant: iref('pt1'),
    visitorName: 'Sam Visitor',
    window: { startsAt: new Date('2026-01-06T03:00:00Z'), endsAt: new Date('2026-01-06T05:00:00Z') },
    idempotencyKey: pass.id,
    retry: false,
  })

  const revoked = await concierge.revokeVisitorPass(admin, pass.id)
  assert.equal(revoked.state, 'revoked')
  assert.deepEqual(intercom.calls.findLast(([m]) => m === 'revokeVisitorPass')[1], { visitorPass: iref('pass-1') })
  assert.equal(intercom.passes.size, 0)

  // A throttled intercom: a typed PROVIDER error with the adapter's kind, retry class and
  // fields; the pass stays active, and revoking later works.
  const second = await concierge.createVisitorPass(admin, property.id, 'Lee', '2026-01-07T09:00', '2026-01-07T10:00')
  const revoke = intercom.revokeVisitorPass
  intercom.revokeVisitorPass = async () => {
    throw providerError('rate_limited', 'too many requests', { httpStatus: 429, retryAfterSeconds: 30 })
  }
  const err = await rejectsWith(concierge.revokeVisitorPass(admin, second.id), 'PROVIDER', {
    provider: BMX,
    operation: 'revoke_visitor_pass',
    kind: 'rate_limited',
    retryClass: 'throttled',
    retryable: true,
    httpStatus: 429,
    retryAfterSeconds: 30,
  })
  assert.match(err.message, /too many requests/)
  assert.equal((await concierge.getVisitorPass(admin, second.id)).state, 'active')
  intercom.revokeVisitorPass = revoke
  assert.equal((await concierge.revokeVisitorPass(admin, second.id)).state, 'revoked')
})

const MAILER = 'js-mailer'

/**
 * A mailer kept in memory: one message id per idempotency key, a recipient that is not an
 * address refused for good. `failNext` makes the next send throw it.
 */
function memoryMailer() {
  const calls = []
  const sent = new Map()
  const mailer = {
    name: MAILER,
    calls,
    sent,
    failNext: null,
    async send(req) {
      calls.push(req)
      if (mailer.failNext) {
        const err = mailer.failNext
        mailer.failNext = null
        throw err
      }
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(req.to)) throw providerError('rejected', 'the recipient is not an email address')
      if (!sent.has(req.idempotencyKey)) sent.set(req.idempotencyKey, { messageId: `<m${sent.size + 1}@mail.example.org>`, ...req })
      return { messageId: sent.get(req.idempotencyKey).messageId }
    },
  }
  return mailer
}

/** A sandbox with the mailer `mailer`, and one unit to move residents into. */
async function mailerWorld(t, mailer) {
  const concierge = await Concierge.open({ sandbox: { seed: 7 } }, { mailer })
  t.after(() => concierge.close())
  const property = await concierge.registerProperty(admin, 'Harbour View', 'harbour-view')
  const building = await concierge.registerBuilding(admin, property.id, 'Tower A')
  const unit = await concierge.registerUnit(admin, building.id, '1204')
  const moveIn = (first, last) =>
    concierge.moveIn(admin, unit.id, first, last, { email: `${first.toLowerCase()}@example.org`, sendMobileActivation: true })
  return { concierge, sandbox: concierge.sandboxControls, moveIn }
}

// R-SDK-1, R-SDK-3
test('a mailer written in JavaScript sends the invitation with its link; one that is down leaves it queued', async (t) => {
  const mailer = memoryMailer()
  const w = await mailerWorld(t, mailer)

  const ada = await w.moveIn('Ada', 'Lovelace')
  assert.equal(ada.status, 'pending_activation')
  assert.equal(mailer.calls.length, 1)
  const [email] = mailer.calls
  assert.deepEqual(Object.keys(email).sort(), ['body', 'htmlBody', 'idempotencyKey', 'sender', 'subject', 'to'])
  assert.equal(email.to, 'ada@example.org')
  assert.match(email.subject, /Harbour View/)
  const token = email.body.match(/token=([A-Za-z0-9_\-.~%]+)/)?.[1]
  assert.ok(token, `the body holds the activation link: ${email.body}`)
  assert.deepEqual(await w.sandbox.sentEmails(), [], "the adapter takes the sandbox mailer's place")
  // The link the adapter was given is the real one: it activates the account.
  const live = await w.concierge.activate(decodeURIComponent(token), { acceptTerms: true, password: 'correct horse battery staple' })
  assert.equal(live.status, 'live')

  // Down: the move-in is done, the email queued for a later dispatch, the body kept out of the error.
  mailer.failNext = providerError('unavailable', 'the mail relay is down')
  const grace = await w.moveIn('Grace', 'Hopper')
  assert.equal(grace.status, 'pending_activation')
  const [pending, ...others] = await w.concierge.listOutbox(admin, 'pending').toArray()
  assert.deepEqual(others, [])
  assert.deepEqual([pending.kind, pending.subjectId, pending.attempts], ['activation_email', grace.id, 1])
  assert.match(pending.lastError, /js-mailer send failed \(unavailable, transient\)/)
  assert.match(pending.lastError, /the mail relay is down/)
  assert.ok(!pending.lastError.includes('token='))
  assert.equal(mailer.sent.size, 1)

  await w.sandbox.advance({ hours: 1 })
  assert.deepEqual(await w.concierge.dispatchOutbox(), { delivered: 1, retrying: 0, parked: 0, skipped: 0 })
  const tries = mailer.calls.filter((c) => c.to === 'grace@example.org')
  assert.equal(tries.length, 2)
  assert.equal(tries[0].idempotencyKey, tries[1].idempotencyKey, 'the retry is the same email')
  assert.equal(mailer.sent.size, 2)
  const done = (await w.concierge.listOutbox(admin, 'done').toArray()).find((e) => e.id === pending.id)
  assert.deepEqual([done.subjectId, done.lastError], [grace.id, null])
})

const passedChecks = (report) => report.checks.filter((c) => c.outcome === 'passed').map((c) => c.name)

// R-SDK-1
test('the conformance kit passes careful JavaScript strata, intercom and mailer adapters', async (t) => {
  const concierge = await Concierge.open(
    { sandbox: {} },
    { strata: memoryStrata(), intercom: memoryIntercom(), mailer: memoryMailer() },
  )
  t.after(() => concierge.close())
  const show = (r) => JSON.stringify(r.checks, null, 1)

  const strata = await concierge.checkStrataAdapter(admin, { secrets: ['strata-api-key-0001'] })
  assert.equal(strata.provider, STRATA)
  assert.equal(strata.failed, 0, show(strata))
  assert.deepEqual(passedChecks(strata), [
    'buildings_page_through',
    'building_read_as_listed',
    'users_page_through',
    'unknown_building_not_found',
    'unknown_cursor_refused',
    'secrets_stay_out_of_errors',
  ])

  const intercom = await concierge.checkIntercomAdapter(admin, 'ib2', { secrets: ['intercom-client-secret-0001'] })
  assert.equal(intercom.provider, BMX)
  assert.equal(intercom.failed, 0, show(intercom))
  assert.equal(intercom.skipped, 0, show(intercom))
  for (const name of ['made_up_consent_refused', 'placeholder_once', 'preflight_sees_placeholder', 'pass_window_kept', 'lost_reply_found_again', 'revoke_twice_harmless', 'unknown_cursor_refused', 'secrets_stay_out_of_errors']) {
    assert.ok(passedChecks(intercom).includes(name), `${name}: ${show(intercom)}`)
  }

  const mailer = await concierge.checkMailerAdapter(admin, 'kit@example.org', { secrets: ['mailer-api-key-0001'] })
  assert.equal(mailer.provider, MAILER)
  assert.equal(mailer.failed, 0, show(mailer))
  assert.deepEqual(passedChecks(mailer), ['send_once', 'malformed_recipient_refused', 'secrets_stay_out_of_errors'])
})

// R-SDK-1
test('the conformance kit names what careless JavaScript adapters get wrong', async (t) => {
  // A strata system that gives the same cursor again: its listing would never end.
  const looping = memoryStrata()
  looping.listBuildings = ({ cursor }) => ({ items: cursor === null ? STRATA_BUILDINGS.slice(0, 2) : [], next: 'more' })
  // A mailer that quotes the email in its refusal: the activation link leaks into errors.
  const leaky = memoryMailer()
  leaky.send = async (req) => {
    if (!req.to.includes('@')) throw providerError('rejected', `cannot send ${JSON.stringify(req.body)} to ${req.to}`)
    return { messageId: `<${req.idempotencyKey}@mail.example.org>` }
  }
  const concierge = await Concierge.open({ sandbox: {} }, { strata: looping, mailer: leaky })
  t.after(() => concierge.close())

  const strata = await concierge.checkStrataAdapter(admin)
  const loop = strata.checks.find((c) => c.name === 'buildings_page_through')
  assert.equal(loop.outcome, 'failed')
  assert.match(loop.detail, /a cursor an earlier page gave/)
  assert.ok(strata.failed >= 1)

  const mailer = await concierge.checkMailerAdapter(admin, 'kit@example.org', { secrets: ['mailer-api-key-0001'] })
  assert.equal(mailer.failed, 1, JSON.stringify(mailer.checks, null, 1))
  const leak = mailer.checks.find((c) => c.outcome === 'failed')
  assert.equal(leak.name, 'secrets_stay_out_of_errors')
  // Which secret and where, never the secret: #2 is the link the kit put in the body.
  assert.match(leak.detail, /the error of `send` holds secret #2/)
  assert.ok(!leak.detail.includes('canary'))
})

// R-SDK-1
test('the adapter interfaces declare the methods the engine calls, for every kind', async () => {
  const { readFileSync } = await import('node:fs')
  const fixture = JSON.parse(readFileSync(new URL('../../../tests/fixtures/operations.json', import.meta.url), 'utf8'))
  const types = readFileSync(new URL('../concierge.d.ts', import.meta.url), 'utf8')
  const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
  const pascal = (name) => camel(name).replace(/^./, (c) => c.toUpperCase())
  const body = (iface) => types.match(new RegExp(`interface ${iface}\\b[^{]*\\{([\\s\\S]*?)\\n\\}`))?.[1] ?? ''
  assert.deepEqual(Object.keys(fixture.adapters).sort(), ['intercom', 'key_encoder', 'mailer', 'pms', 'strata'])
  for (const [kind, methods] of Object.entries(fixture.adapters)) {
    const iface = `${pascal(kind)}Adapter`
    const declared = [...body(iface).matchAll(/^ {2}(\w+)\??\(request/gm)].map((m) => m[1])
    assert.deepEqual(declared.sort(), methods.map(camel).sort(), iface)
  }
  // `Adapters` has one key per kind, each of its interface.
  const keys = [...body('Adapters').matchAll(/^ {2}(\w+)\?: (\w+) \| null;/gm)].map((m) => [m[1], m[2]])
  assert.deepEqual(keys.sort(), Object.keys(fixture.adapters).map((k) => [camel(k), `${pascal(k)}Adapter`]).sort())
})

// R-SDK-1
test('an adapter of a kind the engine does not know is refused, naming it', async () => {
  const fax = { name: 'fax', send: async () => ({ messageId: 'm' }) }
  const err = await rejectsWith(Concierge.open({ sandbox: {} }, { fax }), 'VALIDATION')
  assert.match(err.message, /adapters\.fax/)
})
