// Adapters written in JavaScript (R-SDK-1): a PMS and a key encoder given to
// `Concierge.open(settings, { pms, keyEncoder })` as plain objects, called by the engine like its
// own adapters: requests and results with camelCase keys, sync or async methods, typed failures
// (`providerError`), records of the wrong shape reported one by one, and no blocked event loop.
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

  // An incremental sync asks for the residents changed since an instant (ISO 8601 text).
  const [again] = await concierge.syncProperties(admin, [properties[0].id], { mode: 'incremental' })
  assert.equal(again.run.counts.created, 0)
  const [, last] = pms.calls.findLast(([m]) => m === 'listResidents')
  assert.match(last.updatedSince, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
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
test('the adapter interfaces declare the methods the engine calls', async () => {
  const { readFileSync } = await import('node:fs')
  const fixture = JSON.parse(readFileSync(new URL('../../../tests/fixtures/operations.json', import.meta.url), 'utf8'))
  const types = readFileSync(new URL('../runtime.d.ts', import.meta.url), 'utf8')
  const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
  for (const [iface, kind] of [['PmsAdapter', 'pms'], ['KeyEncoderAdapter', 'key_encoder']]) {
    const body = types.match(new RegExp(`interface ${iface}\\b[^{]*\\{([\\s\\S]*?)\\n\\}`))?.[1] ?? ''
    const declared = [...body.matchAll(/^\s+(\w+)\(request/gm)].map((m) => m[1]).sort()
    assert.deepEqual(declared, fixture.adapters[kind].map(camel).sort(), iface)
  }
})

// R-SDK-1
test('an adapter without a name is a validation error naming the field', async () => {
  const nameless = { listProperties: () => ({ items: [], next: null }) }
  await assert.rejects(Concierge.open({ sandbox: {} }, { pms: nameless }), (err) => {
    assert.equal(err.code, 'VALIDATION')
    assert.match(err.message, /pms\.name/)
    return true
  })
})
