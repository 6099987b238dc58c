// The README's snippets come from examples/node/*.mjs; this runs them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

// R-STATUS-3, R-MOVE-2
test('the quick start example moves a resident in, activates her and shows a refused token', async (t) => {
  const logged = []
  t.mock.method(console, 'log', (...args) => logged.push(args.join(' ')))
  const { main } = await import('../../../examples/node/move_in_and_activate.mjs')
  const { concierge, admin, ada } = await main()
  assert.deepEqual(logged, ['live', 'refused: already_used'])
  assert.equal(await concierge.accountStatus(admin, ada.id), 'live')
})

// R-SDK-4
test('the durable quick start example finds the resident again after reopening its SQLite file', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concierge-node-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'concierge.db')
  const logged = []
  t.mock.method(console, 'log', (...args) => logged.push(args.join(' ')))
  const { main } = await import('../../../examples/node/durable.mjs')
  await main(file)
  assert.deepEqual(logged, ['Ada not_invited'])
  assert.ok(fs.statSync(file).size > 0)
})

// R-PMS-1, R-PMS-5
test('the PMS sync example links a property, syncs it and lists the typed error', async (t) => {
  const logged = []
  t.mock.method(console, 'log', (...args) => logged.push(args.join(' ')))
  const { main } = await import('../../../examples/node/pms_sync.mjs')
  const { concierge, admin, property } = await main()
  assert.deepEqual(logged, ['created 6 of 6', 'updated 1, moved out 1, failed 1', 'invalid_name pms-res-1-3-1'])
  assert.equal((await concierge.lastSync(admin, property.id)).counts.failed, 1)
})

// R-KEY-1, R-KEY-2
test('the smart keys example previews, writes and replaces a key and shows a typed encoder failure', async (t) => {
  const logged = []
  t.mock.method(console, 'log', (...args) => logged.push(args.join(' ')))
  const { main } = await import('../../../examples/node/smart_keys.mjs')
  const { concierge, admin, ada, replacement } = await main()
  assert.deepEqual(logged, [
    'Ada Lovelace, unit 1204, on NCoder Lobby',
    'active',
    'replaced active',
    'refused: no_card',
  ])
  const live = (await concierge.listKeys(admin, { residentId: ada.id })).filter((k) => k.state === 'active')
  assert.deepEqual(live.map((k) => k.id), [replacement.id])
})
