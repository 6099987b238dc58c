// Durable handles: what the SDK acknowledged survives closing the handle and opening the file
// (or the database) again; a closed handle refuses every call; a database this version cannot
// use is refused unchanged; a PostgreSQL error names the host, never the password (R-SDK-4).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import util from 'node:util'
import { randomUUID } from 'node:crypto'
import { Concierge, Admin, rejectsWith, closedPort } from './world.mjs'

/** A fresh directory under the system's temp folder, removed when the test ends. */
function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concierge-node-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Property "Harbour View" / "Tower A" / unit 1204 on `concierge`. */
async function place(concierge, admin, siteName = 'harbour-view') {
  const property = await concierge.registerProperty(admin, 'Harbour View', siteName)
  const building = await concierge.registerBuilding(admin, property.id, 'Tower A')
  const unit = await concierge.registerUnit(admin, building.id, '1204', { floor: '12' })
  return { property, building, unit }
}

const smtp = () => ({ host: 'smtp.example.org', port: 587 })
// Every process sharing a PostgreSQL database is given the same activation secret.
const SHARED_SECRET = "the tests' shared activation secret"
/** The sandbox on a SQLite file. */
const sandboxOn = (store) => Concierge.open({ store, sandbox: { seed: 7 } })

// R-SDK-4
test('a resident moved in on a sandbox file is still there, pending activation, after closing and opening it again', async (t) => {
  const file = path.join(tempDir(t), 'concierge.db')
  const admin = Admin.fullAccess('desk-1', 'Front desk')

  const first = await sandboxOn(file)
  assert.ok(first instanceof Concierge)
  const { property, unit } = await place(first, admin)
  const ada = await first.moveIn(admin, unit.id, 'Ada', 'Lovelace', {
    email: 'ada@example.org',
    sendMobileActivation: true,
  })
  assert.equal(ada.status, 'pending_activation')
  assert.equal((await first.sandboxControls.sentEmails()).length, 1)
  await first.close()

  const again = await sandboxOn(file)
  t.after(() => again.close())
  assert.deepEqual((await again.listProperties(admin)).map((p) => p.id), [property.id])
  const residents = await again.listResidents(admin).toArray()
  assert.equal(residents.length, 1)
  const [back] = residents
  assert.equal(back.id, ada.id)
  assert.equal(back.unitId, unit.id)
  assert.equal(back.email, 'ada@example.org')
  assert.equal(back.status, 'pending_activation')
  assert.equal(back.invitationsSent, 1)
  assert.deepEqual(back.invitedAt, ada.invitedAt)
  assert.deepEqual(back.activationExpiresAt, ada.activationExpiresAt)
})

// R-SDK-4
test('a production handle on a SQLite file (Concierge.open with `store`) keeps its data across a reopen', async (t) => {
  const file = path.join(tempDir(t), 'concierge.db')
  const admin = Admin.fullAccess('desk-1', 'Front desk')

  const first = await Concierge.open({ store: file, smtp: smtp(), activationValidityDays: 3 })
  assert.equal(first.sandboxControls, null)
  const { property, unit } = await place(first, admin)
  const grace = await first.moveIn(admin, unit.id, 'Grace', 'Hopper')
  await first.close()

  const again = await Concierge.open({ store: file, smtp: smtp() })
  t.after(() => again.close())
  assert.equal((await again.getProperty(admin, property.id)).siteName, 'harbour-view')
  const back = await again.getResident(admin, grace.id)
  assert.equal(back.status, 'not_invited')
  assert.equal(back.firstName, 'Grace')
})

// R-SDK-4
test('refused settings reject Concierge.open on a file and on PostgreSQL with VALIDATION before any file or server is touched', async (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'concierge.db')
  const open = Concierge.open({ store: file, smtp: smtp(), activationValidityDays: 0 })
  await rejectsWith(open, 'VALIDATION', {
    issues: [{ field: 'activation_validity_days', message: 'must be positive' }],
  })
  assert.deepEqual(fs.readdirSync(dir), [])
  const port = await closedPort()
  await rejectsWith(
    Concierge.open({ store: `postgres://u@127.0.0.1:${port}/db`, smtp: smtp(), activationValidityDays: 0 }),
    'VALIDATION',
  )
})

// R-SDK-4, R-SDK-3
test('an email queued while the mailer was down survives close and reopen as a pending outbox entry', async (t) => {
  const file = path.join(tempDir(t), 'concierge.db')
  const admin = Admin.fullAccess('desk-1', 'Front desk')

  const first = await sandboxOn(file)
  const { unit } = await place(first, admin)
  await first.sandboxControls.failNext('send', 'unavailable')
  const ada = await first.moveIn(admin, unit.id, 'Ada', 'Lovelace', {
    email: 'ada@example.org',
    sendMobileActivation: true,
  })
  assert.deepEqual(await first.sandboxControls.sentEmails(), [])
  const [queued] = await first.listOutbox(admin, 'pending').toArray()
  await first.close()

  const again = await sandboxOn(file)
  t.after(() => again.close())
  const pending = await again.listOutbox(admin, 'pending').toArray()
  assert.equal(pending.length, 1)
  assert.equal(pending[0].id, queued.id)
  assert.equal(pending[0].kind, 'activation_email')
  assert.equal(pending[0].status, 'pending')
  assert.equal(pending[0].attempts, 1)
  assert.match(pending[0].lastError, /sandbox-mailer send failed \(unavailable, transient\)/)

  // The new process delivers it, and the link in it works.
  const controls = again.sandboxControls
  await controls.advance({ hours: 1 })
  assert.deepEqual(await again.dispatchOutbox(), { delivered: 1, retrying: 0, parked: 0, skipped: 0 })
  assert.equal((await controls.sentEmails()).length, 1)
  const live = await again.activate(await controls.lastActivationToken('ada@example.org'), { acceptTerms: true, password: 'correct horse battery staple' })
  assert.equal(live.id, ada.id)
  assert.equal(live.status, 'live')
})

// R-SDK-4
test('a closed handle rejects reads and writes with CLOSED, and closing twice resolves', async (t) => {
  const file = path.join(tempDir(t), 'concierge.db')
  const admin = Admin.fullAccess('desk-1', 'Front desk')
  const concierge = await sandboxOn(file)
  const { property, unit } = await place(concierge, admin)

  assert.equal(await concierge.close(), undefined)
  await rejectsWith(concierge.listProperties(admin), 'CLOSED')
  await rejectsWith(concierge.getProperty(admin, property.id), 'CLOSED')
  await rejectsWith(concierge.registerProperty(admin, 'Second', 'second'), 'CLOSED')
  await rejectsWith(concierge.moveIn(admin, unit.id, 'Ada', 'Lovelace'), 'CLOSED')
  await rejectsWith(concierge.activate('res_x.y', { acceptTerms: true, password: 'correct horse battery staple' }), 'CLOSED')
  await rejectsWith(concierge.dispatchOutbox(), 'CLOSED')
  const err = await rejectsWith(concierge.listOutbox(admin, 'pending').toArray(), 'CLOSED')
  assert.match(err.message, /closed/)
  assert.equal(await concierge.close(), undefined)

  // An in-memory handle closes the same way.
  const memory = await Concierge.open({ sandbox: { seed: 7 } })
  await memory.close()
  await memory.close()
  await rejectsWith(memory.listProperties(admin), 'CLOSED')
})

// R-SDK-4
test('a damaged file is refused with STORE naming the file and both schema versions, and is left unchanged', async (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'damaged.db')
  const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256))
  fs.writeFileSync(file, junk)

  for (const opening of [
    () => sandboxOn(file),
    () => Concierge.open({ store: file, smtp: smtp() }),
  ]) {
    const err = await rejectsWith(opening(), 'STORE', { retryable: false, location: file, found: null })
    assert.ok(err.message.includes(file), err.message)
    assert.equal(typeof err.supported, 'number')
    assert.ok(err.supported >= 1)
    assert.deepEqual(fs.readFileSync(file), junk)
    assert.deepEqual(fs.readdirSync(dir), ['damaged.db'])
  }
})

// R-SDK-4
test('an unreachable PostgreSQL server is a retryable STORE error naming the host, never the password', async () => {
  const canary = 'canary-PG-pa55'
  const port = await closedPort()
  const url = `postgres://u:${canary}@127.0.0.1:${port}/db`
  const err = await rejectsWith(Concierge.open({ store: url, smtp: smtp(), activationSecret: SHARED_SECRET }), 'STORE', { retryable: true })
  assert.ok(err.message.includes('127.0.0.1'), err.message)
  for (const shown of [
    err.message,
    String(err.stack),
    util.inspect(err),
    util.inspect(err, { showHidden: true, depth: null }),
    JSON.stringify({ ...err, message: err.message }),
  ]) {
    assert.ok(!shown.includes(canary), `the password shows in: ${shown}`)
  }
})

// R-SDK-4
test('on PostgreSQL (DATABASE_URL), residents moved in are listed, and again after reconnecting', async (t) => {
  const url = process.env.DATABASE_URL
  if (!url) {
    t.skip('DATABASE_URL is not set')
    return
  }
  const admin = Admin.fullAccess('desk-1', 'Front desk')
  const siteName = `node-${randomUUID()}`
  assert.match(siteName, /^[a-z0-9-]+$/)

  const first = await Concierge.open({ store: url, smtp: smtp(), activationSecret: SHARED_SECRET })
  const { property, unit } = await place(first, admin, siteName)
  const ada = await first.moveIn(admin, unit.id, 'Ada', 'Lovelace', { email: 'ada@example.org' })
  const listed = await first.listResidents(admin, { propertyId: property.id }).toArray()
  assert.deepEqual(listed.map((r) => [r.id, r.status]), [[ada.id, 'not_invited']])
  await first.close()
  await rejectsWith(first.listResidents(admin, { propertyId: property.id }).toArray(), 'CLOSED')

  const again = await Concierge.open({ store: url, smtp: smtp(), activationSecret: SHARED_SECRET })
  t.after(() => again.close())
  const back = await again.listResidents(admin, { propertyId: property.id }).toArray()
  assert.deepEqual(back.map((r) => [r.id, r.unitId, r.firstName]), [[ada.id, unit.id, 'Ada']])
})
