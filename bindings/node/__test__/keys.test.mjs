// Smart keys on the sandbox encoder (R-KEY-1..4, R-PERM-2, R-PMS-4, R-PMS-7): preview, write,
// one live key per holder and unit, typed encoder failures, retries that never write twice.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { Admin, Concierge, rejectsWith } from './world.mjs'

const LOBBY = 'ncoder-1'
const resident = (r) => ({ kind: 'resident', id: r.id })
const spareOf = (s) => ({ kind: 'spare', id: s.id })

/** A sandbox whose key writes take 5 ms and whose SDK waits 200 ms for one, with unit 101. */
async function keysWorld() {
  const concierge = await Concierge.open({
    sandbox: { seed: 5, keyWriteTimeMs: 5 },
    keyWriteDeadlineSeconds: 0.2,
  })
  const sandbox = concierge.sandboxControls
  const admin = Admin.fullAccess('desk-1', 'Front desk')
  const property = await concierge.registerProperty(admin, 'Keys', 'keys')
  const building = await concierge.registerBuilding(admin, property.id, 'A')
  const unit = await concierge.registerUnit(admin, building.id, '101', { floor: '1' })
  return {
    concierge,
    sandbox,
    admin,
    property,
    building,
    unit,
    resident(firstName, unitId = unit.id) {
      return concierge.moveIn(admin, unitId, firstName, 'Key')
    },
    keys(filter = { unitId: unit.id }) {
      return concierge.listKeys(admin, filter).toArray()
    },
    async liveKeys(filter = { unitId: unit.id }) {
      const keys = await concierge.listKeys(admin, filter).toArray()
      return keys.filter((k) => k.state === 'encoding' || k.state === 'active')
    },
  }
}

// R-KEY-1
test('a key is previewed for confirmation, then written on the chosen encoder', async () => {
  const w = await keysWorld()
  const ada = await w.resident('Ada')

  const encoders = await w.concierge.listEncoders(w.admin)
  assert.deepEqual(
    encoders.map((e) => [e.external.id, e.name, e.online, e.initialized]),
    [
      ['ncoder-1', 'NCoder Lobby', true, true],
      ['ncoder-2', 'NCoder Back Office', true, false],
    ],
  )

  const preview = await w.concierge.previewKey(w.admin, resident(ada), LOBBY)
  assert.deepEqual(preview.holder, { kind: 'resident', id: ada.id })
  assert.equal(preview.holderName, 'Ada Key')
  assert.equal(preview.unit.id, w.unit.id)
  assert.equal(preview.unit.number, '101')
  assert.equal(preview.encoder.name, 'NCoder Lobby')
  assert.equal(preview.replaces, null)
  assert.equal(await w.sandbox.encoderKeysWritten(), 0, 'a preview writes nothing')

  const key = await w.concierge.makeKey(w.admin, resident(ada), LOBBY)
  assert.equal(key.state, 'active')
  assert.deepEqual(key.holder, { kind: 'resident', id: ada.id })
  assert.equal(key.unitId, w.unit.id)
  assert.deepEqual(key.encoder, { provider: 'sandbox-salto', id: LOBBY })
  assert.ok(key.external, 'the key in the lock system')
  assert.equal(key.external.provider, 'sandbox-salto')
  assert.ok(key.createdAt instanceof Date)
  assert.equal(await w.sandbox.encoderKeysWritten(), 1)
  assert.deepEqual(await w.keys({ holder: resident(ada) }), [key])
})

// R-KEY-1
test('encoder failures are typed (no card, offline) and leave no live key', async () => {
  const w = await keysWorld()
  const ada = await w.resident('Ada')
  const make = () => w.concierge.makeKey(w.admin, resident(ada), LOBBY)

  assert.equal(await w.sandbox.setEncoder(LOBBY, { cardPresent: false }), true)
  await rejectsWith(make(), 'PROVIDER', {
    provider: 'sandbox-salto',
    operation: 'encode_key',
    kind: 'no_card',
    retryable: false,
  })
  await w.sandbox.setEncoder(LOBBY, { cardPresent: true })

  assert.equal(await w.sandbox.setEncoder('NCoder Lobby', { online: false }), true, 'by name too')
  await rejectsWith(make(), 'PROVIDER', { kind: 'device_offline', retryable: false })
  await w.sandbox.setEncoder(LOBBY, { online: true })

  await w.sandbox.failNext('encode_key', 'rejected')
  await rejectsWith(make(), 'PROVIDER', { kind: 'rejected' })

  assert.deepEqual(await w.liveKeys(), [])
  const all = await w.keys()
  assert.deepEqual(new Set(all.map((k) => k.state)), new Set(['cancelled']))
  assert.equal(await w.sandbox.encoderKeysWritten(), 0)

  // The encoder works again: the key is made.
  assert.equal((await make()).state, 'active')
  assert.equal(await w.sandbox.encoderKeysWritten(), 1)
  assert.equal(await w.sandbox.setEncoder('ncoder-9', { online: false }), false, 'an unknown encoder')
})

// R-KEY-1
test('an unknown encoder is NOT_FOUND and a request without a whole holder is VALIDATION', async () => {
  const w = await keysWorld()
  const ada = await w.resident('Ada')
  await rejectsWith(w.concierge.makeKey(w.admin, resident(ada), 'ncoder-9'), 'NOT_FOUND', { entity: 'key' })
  const calls = await w.sandbox.calls('list_encoders')
  await rejectsWith(w.concierge.makeKey(w.admin, undefined, LOBBY), 'VALIDATION', {
    issues: [{ field: 'holder', message: 'is required' }],
  })
  await rejectsWith(w.concierge.makeKey(w.admin, { id: ada.id }, LOBBY), 'VALIDATION', {
    issues: [{ field: 'holder.kind', message: 'is required' }],
  })
  await rejectsWith(w.concierge.makeKey(w.admin, { kind: 'person', id: ada.id }, LOBBY), 'VALIDATION', {
    issues: [{ field: 'holder.kind', message: 'must be one of: resident, spare' }],
  })
  await rejectsWith(w.concierge.previewKey(w.admin, { kind: 'resident' }, LOBBY), 'VALIDATION', {
    issues: [{ field: 'holder.id', message: 'is required' }],
  })
  await rejectsWith(w.keys({ holder: { kind: 'resident' } }), 'VALIDATION', {
    issues: [{ field: 'holder.id', message: 'is required' }],
  })
  assert.equal(await w.sandbox.calls('list_encoders'), calls, 'refused before the encoder was asked')
  assert.equal(await w.sandbox.encoderKeysWritten(), 0)
  await rejectsWith(w.sandbox.setEncoderWriteTime(-1), 'VALIDATION', {
    issues: [{ field: 'milliseconds', message: 'must be a whole number, 0 or more' }],
  })
  await rejectsWith(Concierge.open({ sandbox: { seed: 1 }, keyWriteDeadlineSeconds: 0 }), 'VALIDATION', {
    issues: [{ field: 'key_write_deadline_seconds', message: 'must be positive' }],
  })
})

// R-KEY-2
test('a second key for the same resident and unit is refused naming the first, unless replacing', async () => {
  const w = await keysWorld()
  const ada = await w.resident('Ada')
  const first = await w.concierge.makeKey(w.admin, resident(ada), LOBBY)

  const err = await rejectsWith(w.concierge.makeKey(w.admin, resident(ada), LOBBY), 'CONFLICT')
  assert.ok(err.message.includes(first.id), `the error names the existing key: ${err.message}`)
  assert.deepEqual([err.conflict, err.existingId, err.retryable], ['key_already_live', first.id, false])
  await rejectsWith(w.concierge.previewKey(w.admin, resident(ada), LOBBY), 'CONFLICT')
  assert.equal(await w.sandbox.encoderKeysWritten(), 1)

  const preview = await w.concierge.previewKey(w.admin, resident(ada), LOBBY, { replace: true })
  assert.equal(preview.replaces, first.id)
  const second = await w.concierge.makeKey(w.admin, resident(ada), LOBBY, { replace: true })
  assert.equal(second.state, 'active')
  assert.notEqual(second.id, first.id)
  assert.notDeepEqual(second.external, first.external)

  const keys = await w.keys({ holder: resident(ada) })
  assert.equal(keys.length, 2)
  assert.equal(keys.find((k) => k.id === first.id).state, 'replaced')
  assert.deepEqual(
    (await w.liveKeys({ holder: resident(ada) })).map((k) => k.id),
    [second.id],
    'one live key',
  )
  assert.equal(await w.sandbox.calls('cancel_key'), 1, 'the lost card was cancelled in the lock system')
})

// R-KEY-3
test('a person living in two units holds two keys, and moving out of one keeps the other active', async () => {
  const w = await keysWorld()
  const otherUnit = await w.concierge.registerUnit(w.admin, w.building.id, '202')
  const here = await w.resident('Ada')
  const there = await w.resident('Ada', otherUnit.id)

  const k1 = await w.concierge.makeKey(w.admin, resident(here), LOBBY)
  const k2 = await w.concierge.makeKey(w.admin, resident(there), LOBBY)
  assert.notEqual(k1.unitId, k2.unitId)
  assert.deepEqual([k1.unitId, k2.unitId], [w.unit.id, otherUnit.id])
  assert.notDeepEqual(k1.external, k2.external)

  await w.concierge.moveOut(w.admin, there.id)
  const [after1] = await w.keys({ holder: resident(here) })
  const [after2] = await w.keys({ holder: resident(there) })
  assert.equal(after1.state, 'active')
  assert.equal(after2.state, 'cancelled')
  assert.deepEqual(await w.liveKeys({ unitId: otherUnit.id }), [])
})

// R-KEY-4
test('a retry after a lost reply finishes the first write and never writes a second key', async () => {
  const w = await keysWorld()
  const ada = await w.resident('Ada')
  // The write takes longer than the SDK waits (200 ms): the reply is lost, the key is written anyway.
  await w.sandbox.setEncoderWriteTime(400)
  await rejectsWith(w.concierge.makeKey(w.admin, resident(ada), LOBBY), 'PROVIDER', {
    kind: 'timeout',
    retryable: true,
  })
  const pending = await w.keys()
  assert.deepEqual(pending.map((k) => k.state), ['encoding'], 'the intent is recorded, the outcome unknown')
  assert.equal(pending[0].external, null)

  await sleep(500)
  const key = await w.concierge.makeKey(w.admin, resident(ada), LOBBY)
  assert.equal(key.state, 'active')
  assert.equal(key.id, pending[0].id, 'the same key, finished')
  assert.equal(await w.sandbox.encoderKeysWritten(), 1, 'one key, not two')
  assert.equal((await w.keys()).length, 1)
})

// R-KEY-4
test('reconcileKeys settles a write whose reply was lost without writing it again', async () => {
  const w = await keysWorld()
  const ada = await w.resident('Ada')
  await w.sandbox.setEncoderWriteTime(400)
  await rejectsWith(w.concierge.makeKey(w.admin, resident(ada), LOBBY), 'PROVIDER', { kind: 'timeout' })
  await sleep(500)
  await w.sandbox.setEncoderWriteTime(5)
  assert.equal(await w.concierge.reconcileKeys(), 1)
  assert.equal(await w.concierge.reconcileKeys(), 0, 'nothing left to settle')
  const [key] = await w.keys({ holder: resident(ada) })
  assert.equal(key.state, 'active')
  assert.ok(key.external)
  assert.equal(await w.sandbox.encoderKeysWritten(), 1)
})

// R-PERM-2
test('a read-only admin is refused making or previewing a key before the encoder is called', async () => {
  const w = await keysWorld()
  const ada = await w.resident('Ada')
  const reader = Admin.of('auditor-1', 'Auditor', { residence: 'read' })
  const listed = await w.sandbox.calls('list_encoders')
  const encoded = await w.sandbox.calls('encode_key')

  // Each call starts only when awaited: a second Promise made up front would reject with no
  // handler attached yet.
  for (const [call, action] of [
    [() => w.concierge.makeKey(reader, resident(ada), LOBBY), 'make_key'],
    [() => w.concierge.previewKey(reader, resident(ada), LOBBY), 'preview_key'],
  ]) {
    await rejectsWith(call(), 'PERMISSION_DENIED', {
      permission: 'residence',
      required: 'full',
      held: 'read',
      action,
      admin: 'auditor-1',
      adminName: 'Auditor',
    })
  }
  assert.equal(await w.sandbox.calls('list_encoders'), listed, 'the encoder was not called')
  assert.equal(await w.sandbox.calls('encode_key'), encoded)
  assert.equal(await w.sandbox.encoderKeysWritten(), 0)

  // Reading is allowed.
  assert.equal((await w.concierge.listEncoders(reader)).length, 2)
  assert.deepEqual(await w.concierge.listKeys(reader).toArray(), [])
  const nobody = Admin.of('integrator-1', 'Integrator', { integrations: 'full' })
  await rejectsWith(w.concierge.listKeys(nobody).toArray(), 'PERMISSION_DENIED', { required: 'read', held: 'none' })
})

// R-PMS-4
test('a future resident gets a key before moving in, and a moved-out one cannot', async () => {
  const w = await keysWorld()
  const later = new Date((await w.sandbox.now()).getTime() + 20 * 86_400_000).toISOString().slice(0, 10)
  const fay = await w.concierge.moveIn(w.admin, w.unit.id, 'Fay', 'Future', { moveIn: later })
  const key = await w.concierge.makeKey(w.admin, resident(fay), LOBBY)
  assert.equal(key.state, 'active')

  const gus = await w.resident('Gus')
  await w.concierge.moveOut(w.admin, gus.id)
  await rejectsWith(w.concierge.makeKey(w.admin, resident(gus), LOBBY), 'CONFLICT')
  assert.equal(await w.sandbox.encoderKeysWritten(), 1)
})

// R-PMS-7
test('a spare key belongs to a spare holder of the unit, not a fake resident, and can be cancelled', async () => {
  const w = await keysWorld()
  const spare = await w.concierge.addSpareHolder(w.admin, w.unit.id, 'Spare: cleaner')
  const preview = await w.concierge.previewKey(w.admin, spareOf(spare), LOBBY)
  assert.equal(preview.holder.kind, 'spare')
  assert.equal(preview.holderName, 'Spare: cleaner')

  const key = await w.concierge.makeKey(w.admin, spareOf(spare), LOBBY)
  assert.deepEqual(key.holder, { kind: 'spare', id: spare.id })
  assert.equal(key.unitId, w.unit.id)
  assert.deepEqual(await w.concierge.listResidents(w.admin, { propertyId: w.property.id }).toArray(), [])
  assert.deepEqual(await w.keys({ holder: spareOf(spare) }), [key])

  const cancelled = await w.concierge.cancelKey(w.admin, key.id)
  assert.equal(cancelled.id, key.id)
  assert.equal(cancelled.state, 'cancelled')
  assert.equal(await w.sandbox.calls('cancel_key'), 1, 'the lock system was told')
  assert.deepEqual(await w.liveKeys(), [])
  await rejectsWith(w.concierge.cancelKey(w.admin, key.id), 'CONFLICT')
  await rejectsWith(w.concierge.cancelKey(w.admin, 'key_missing'), 'NOT_FOUND')

  // A new spare key after the cancellation is allowed: it was no longer live.
  const again = await w.concierge.makeKey(w.admin, spareOf(spare), LOBBY)
  assert.equal(again.state, 'active')
})
