// Smart keys on the sandbox encoder (R-KEY-1..4, R-PERM-2, R-PMS-4, R-PMS-7): preview, write,
// one live key per holder and unit, typed encoder failures, retries that never write twice.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { Admin, Concierge, rejectsWith, throwsWith } from './world.mjs'

const LOBBY = 'ncoder-1'

/** A sandbox whose key writes take 5 ms and whose SDK waits 200 ms for one, with unit 101. */
async function keysWorld() {
  const concierge = Concierge.sandbox(5, { keyWriteDeadlineSeconds: 0.2 })
  const sandbox = concierge.sandboxControls
  sandbox.encoderSetWriteTime(5)
  const admin = Admin.fullAccess('Front desk')
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
    async liveKeys(filter = { unitId: unit.id }) {
      const keys = await concierge.listKeys(admin, filter)
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
    encoders.map((e) => [e.id, e.name, e.online, e.initialized]),
    [
      ['ncoder-1', 'NCoder Lobby', true, true],
      ['ncoder-2', 'NCoder Back Office', true, false],
    ],
  )

  const preview = await w.concierge.previewKey(w.admin, { residentId: ada.id, encoder: LOBBY })
  assert.equal(preview.holderKind, 'resident')
  assert.equal(preview.holderId, ada.id)
  assert.equal(preview.holderName, 'Ada Key')
  assert.equal(preview.unit.id, w.unit.id)
  assert.equal(preview.unit.number, '101')
  assert.equal(preview.encoder.name, 'NCoder Lobby')
  assert.equal(preview.replaces, null)
  assert.equal(w.sandbox.encoderKeysWritten(), 0, 'a preview writes nothing')

  const key = await w.concierge.makeKey(w.admin, { residentId: ada.id, encoder: LOBBY })
  assert.equal(key.state, 'active')
  assert.equal(key.holderKind, 'resident')
  assert.equal(key.holderId, ada.id)
  assert.equal(key.unitId, w.unit.id)
  assert.equal(key.encoderId, LOBBY)
  assert.ok(key.externalRef, 'the key in the lock system')
  assert.equal(key.externalRef.provider, 'sandbox-salto')
  assert.ok(key.createdAt instanceof Date)
  assert.equal(w.sandbox.encoderKeysWritten(), 1)
  assert.deepEqual(await w.concierge.listKeys(w.admin, { residentId: ada.id }), [key])
})

// R-KEY-1
test('encoder failures are typed (no card, offline) and leave no live key', async () => {
  const w = await keysWorld()
  const ada = await w.resident('Ada')
  const make = () => w.concierge.makeKey(w.admin, { residentId: ada.id, encoder: LOBBY })

  assert.equal(w.sandbox.encoderSetCardPresent(LOBBY, false), true)
  await rejectsWith(make(), 'PROVIDER', {
    provider: 'sandbox-salto',
    operation: 'encode_key',
    kind: 'no_card',
    retryable: false,
  })
  w.sandbox.encoderSetCardPresent(LOBBY, true)

  assert.equal(w.sandbox.encoderSetOnline('NCoder Lobby', false), true, 'by name too')
  await rejectsWith(make(), 'PROVIDER', { kind: 'device_offline', retryable: false })
  w.sandbox.encoderSetOnline(LOBBY, true)

  w.sandbox.failNext('encode_key', 'rejected')
  await rejectsWith(make(), 'PROVIDER', { kind: 'rejected' })

  assert.deepEqual(await w.liveKeys(), [])
  const all = await w.concierge.listKeys(w.admin, { unitId: w.unit.id })
  assert.deepEqual(new Set(all.map((k) => k.state)), new Set(['cancelled']))
  assert.equal(w.sandbox.encoderKeysWritten(), 0)

  // The encoder works again: the key is made.
  assert.equal((await make()).state, 'active')
  assert.equal(w.sandbox.encoderKeysWritten(), 1)
  assert.equal(w.sandbox.encoderSetOnline('ncoder-9', false), false, 'an unknown encoder')
})

// R-KEY-1
test('an unknown encoder is NOT_FOUND and a request without exactly one holder is VALIDATION', async () => {
  const w = await keysWorld()
  const ada = await w.resident('Ada')
  const spare = await w.concierge.addSpareHolder(w.admin, w.unit.id, 'Spare: cleaner')
  await rejectsWith(
    w.concierge.makeKey(w.admin, { residentId: ada.id, encoder: 'ncoder-9' }),
    'NOT_FOUND',
    { entity: 'key' },
  )
  const calls = w.sandbox.calls('list_encoders')
  const issues = [{ field: 'holder', message: 'give exactly one of resident_id and spare_holder_id' }]
  await rejectsWith(w.concierge.makeKey(w.admin, { encoder: LOBBY }), 'VALIDATION', { issues })
  await rejectsWith(
    w.concierge.makeKey(w.admin, { residentId: ada.id, spareHolderId: spare.id, encoder: LOBBY }),
    'VALIDATION',
    { issues },
  )
  await rejectsWith(w.concierge.previewKey(w.admin, { encoder: LOBBY }), 'VALIDATION', { issues })
  await rejectsWith(
    w.concierge.listKeys(w.admin, { residentId: ada.id, spareHolderId: spare.id }),
    'VALIDATION',
    { issues },
  )
  assert.equal(w.sandbox.calls('list_encoders'), calls, 'refused before the encoder was asked')
  assert.equal(w.sandbox.encoderKeysWritten(), 0)
  throwsWith(() => w.sandbox.encoderSetWriteTime(-1), 'VALIDATION', {
    issues: [{ field: 'milliseconds', message: 'must not be negative' }],
  })
  throwsWith(() => Concierge.sandbox(1, { keyWriteDeadlineSeconds: 0 }), 'VALIDATION')
})

// R-KEY-2
test('a second key for the same resident and unit is refused naming the first, unless replacing', async () => {
  const w = await keysWorld()
  const ada = await w.resident('Ada')
  const first = await w.concierge.makeKey(w.admin, { residentId: ada.id, encoder: LOBBY })

  const err = await rejectsWith(
    w.concierge.makeKey(w.admin, { residentId: ada.id, encoder: LOBBY }),
    'CONFLICT',
  )
  assert.ok(err.message.includes(first.id), `the error names the existing key: ${err.message}`)
  await rejectsWith(w.concierge.previewKey(w.admin, { residentId: ada.id, encoder: LOBBY }), 'CONFLICT')
  assert.equal(w.sandbox.encoderKeysWritten(), 1)

  const preview = await w.concierge.previewKey(w.admin, {
    residentId: ada.id,
    encoder: LOBBY,
    replace: true,
  })
  assert.equal(preview.replaces, first.id)
  const second = await w.concierge.makeKey(w.admin, { residentId: ada.id, encoder: LOBBY, replace: true })
  assert.equal(second.state, 'active')
  assert.notEqual(second.id, first.id)
  assert.notDeepEqual(second.externalRef, first.externalRef)

  const keys = await w.concierge.listKeys(w.admin, { residentId: ada.id })
  assert.equal(keys.length, 2)
  assert.equal(keys.find((k) => k.id === first.id).state, 'replaced')
  assert.deepEqual(
    (await w.liveKeys({ residentId: ada.id })).map((k) => k.id),
    [second.id],
    'one live key',
  )
  assert.equal(w.sandbox.calls('cancel_key'), 1, 'the lost card was cancelled in the lock system')
})

// R-KEY-3
test('a person living in two units holds two keys, and moving out of one keeps the other active', async () => {
  const w = await keysWorld()
  const otherUnit = await w.concierge.registerUnit(w.admin, w.building.id, '202')
  const here = await w.resident('Ada')
  const there = await w.resident('Ada', otherUnit.id)

  const k1 = await w.concierge.makeKey(w.admin, { residentId: here.id, encoder: LOBBY })
  const k2 = await w.concierge.makeKey(w.admin, { residentId: there.id, encoder: LOBBY })
  assert.notEqual(k1.unitId, k2.unitId)
  assert.deepEqual([k1.unitId, k2.unitId], [w.unit.id, otherUnit.id])
  assert.notDeepEqual(k1.externalRef, k2.externalRef)

  await w.concierge.moveOut(w.admin, there.id)
  const [after1] = await w.concierge.listKeys(w.admin, { residentId: here.id })
  const [after2] = await w.concierge.listKeys(w.admin, { residentId: there.id })
  assert.equal(after1.state, 'active')
  assert.equal(after2.state, 'cancelled')
  assert.deepEqual((await w.liveKeys({ unitId: otherUnit.id })), [])
})

// R-KEY-4
test('a retry after a lost reply finishes the first write and never writes a second key', async () => {
  const w = await keysWorld()
  const ada = await w.resident('Ada')
  // The write takes longer than the SDK waits (200 ms): the reply is lost, the key is written anyway.
  w.sandbox.encoderSetWriteTime(400)
  await rejectsWith(w.concierge.makeKey(w.admin, { residentId: ada.id, encoder: LOBBY }), 'PROVIDER', {
    kind: 'timeout',
    retryable: true,
  })
  const pending = await w.concierge.listKeys(w.admin, { unitId: w.unit.id })
  assert.deepEqual(pending.map((k) => k.state), ['encoding'], 'the intent is recorded, the outcome unknown')
  assert.equal(pending[0].externalRef, null)

  await sleep(500)
  const key = await w.concierge.makeKey(w.admin, { residentId: ada.id, encoder: LOBBY })
  assert.equal(key.state, 'active')
  assert.equal(key.id, pending[0].id, 'the same key, finished')
  assert.equal(w.sandbox.encoderKeysWritten(), 1, 'one key, not two')
  assert.equal((await w.concierge.listKeys(w.admin, { unitId: w.unit.id })).length, 1)
})

// R-KEY-4
test('reconcileKeys settles a write whose reply was lost without writing it again', async () => {
  const w = await keysWorld()
  const ada = await w.resident('Ada')
  w.sandbox.encoderSetWriteTime(400)
  await rejectsWith(w.concierge.makeKey(w.admin, { residentId: ada.id, encoder: LOBBY }), 'PROVIDER', {
    kind: 'timeout',
  })
  await sleep(500)
  w.sandbox.encoderSetWriteTime(5)
  assert.equal(await w.concierge.reconcileKeys(), 1)
  assert.equal(await w.concierge.reconcileKeys(), 0, 'nothing left to settle')
  const [key] = await w.concierge.listKeys(w.admin, { residentId: ada.id })
  assert.equal(key.state, 'active')
  assert.ok(key.externalRef)
  assert.equal(w.sandbox.encoderKeysWritten(), 1)
})

// R-PERM-2
test('a read-only admin is refused making or previewing a key before the encoder is called', async () => {
  const w = await keysWorld()
  const ada = await w.resident('Ada')
  const reader = new Admin('Auditor', { residence: 'read' })
  const listed = w.sandbox.calls('list_encoders')
  const encoded = w.sandbox.calls('encode_key')

  for (const [call, action] of [
    [w.concierge.makeKey(reader, { residentId: ada.id, encoder: LOBBY }), 'make_key'],
    [w.concierge.previewKey(reader, { residentId: ada.id, encoder: LOBBY }), 'preview_key'],
  ]) {
    await rejectsWith(call, 'PERMISSION_DENIED', {
      permission: 'residence',
      required: 'full',
      held: 'read',
      action,
    })
  }
  assert.equal(w.sandbox.calls('list_encoders'), listed, 'the encoder was not called')
  assert.equal(w.sandbox.calls('encode_key'), encoded)
  assert.equal(w.sandbox.encoderKeysWritten(), 0)

  // Reading is allowed.
  assert.equal((await w.concierge.listEncoders(reader)).length, 2)
  assert.deepEqual(await w.concierge.listKeys(reader), [])
  const nobody = new Admin('Integrator', { integrations: 'full' })
  await rejectsWith(w.concierge.listKeys(nobody), 'PERMISSION_DENIED', { required: 'read', held: 'none' })
})

// R-PMS-4
test('a future resident gets a key before moving in, and a moved-out one cannot', async () => {
  const w = await keysWorld()
  const later = new Date(w.sandbox.now().getTime() + 20 * 86_400_000).toISOString().slice(0, 10)
  const fay = await w.concierge.moveIn(w.admin, w.unit.id, 'Fay', 'Future', { moveIn: later })
  const key = await w.concierge.makeKey(w.admin, { residentId: fay.id, encoder: LOBBY })
  assert.equal(key.state, 'active')

  const gus = await w.resident('Gus')
  await w.concierge.moveOut(w.admin, gus.id)
  await rejectsWith(w.concierge.makeKey(w.admin, { residentId: gus.id, encoder: LOBBY }), 'CONFLICT')
  assert.equal(w.sandbox.encoderKeysWritten(), 1)
})

// R-PMS-7
test('a spare key belongs to a spare holder of the unit, not a fake resident, and can be cancelled', async () => {
  const w = await keysWorld()
  const spare = await w.concierge.addSpareHolder(w.admin, w.unit.id, 'Spare: cleaner')
  const preview = await w.concierge.previewKey(w.admin, { spareHolderId: spare.id, encoder: LOBBY })
  assert.equal(preview.holderKind, 'spare')
  assert.equal(preview.holderName, 'Spare: cleaner')

  const key = await w.concierge.makeKey(w.admin, { spareHolderId: spare.id, encoder: LOBBY })
  assert.equal(key.holderKind, 'spare')
  assert.equal(key.holderId, spare.id)
  assert.equal(key.unitId, w.unit.id)
  assert.deepEqual(await w.concierge.listResidents(w.admin, { propertyId: w.property.id }), [])
  assert.deepEqual(await w.concierge.listKeys(w.admin, { spareHolderId: spare.id }), [key])

  const cancelled = await w.concierge.cancelKey(w.admin, key.id)
  assert.equal(cancelled.id, key.id)
  assert.equal(cancelled.state, 'cancelled')
  assert.equal(w.sandbox.calls('cancel_key'), 1, 'the lock system was told')
  assert.deepEqual(await w.liveKeys(), [])
  await rejectsWith(w.concierge.cancelKey(w.admin, key.id), 'CONFLICT')
  await rejectsWith(w.concierge.cancelKey(w.admin, 'key_missing'), 'NOT_FOUND')

  // A new spare key after the cancellation is allowed: it was no longer live.
  const again = await w.concierge.makeKey(w.admin, { spareHolderId: spare.id, encoder: LOBBY })
  assert.equal(again.state, 'active')
})
