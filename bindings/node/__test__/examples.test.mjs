// The examples in examples/node/*.mjs, run as programs' `main` (readme.test.mjs runs the README's code blocks).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// R-STATUS-3, R-MOVE-2
test('the quick start example moves a resident in, activates her and shows a refused token', async (t) => {
  const logged = []
  t.mock.method(console, 'log', (...args) => logged.push(args.join(' ')))
  const { main } = await import('../../../examples/node/move_in_and_activate.mjs')
  const { concierge, admin, ada } = await main()
  assert.deepEqual(logged, ['live', 'refused: already_used'])
  assert.equal(await concierge.accountStatus(admin, ada.id), 'live')
  await concierge.close()
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
  await concierge.close()
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
  const keys = await concierge.listKeys(admin, { holder: { kind: 'resident', id: ada.id } }).toArray()
  const live = keys.filter((k) => k.state === 'active')
  assert.deepEqual(live.map((k) => k.id), [replacement.id])
  await concierge.close()
})

// R-SDK-5
test('every example runs as a program and exits cleanly', () => {
  const dir = fileURLToPath(new URL('../../../examples/node/', import.meta.url))
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'concierge-node-'))
  try {
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.mjs')).sort()) {
      const args = name === 'durable.mjs' ? [path.join(tmp, 'concierge.db')] : []
      const out = execFileSync(process.execPath, [path.join(dir, name), ...args], { encoding: 'utf8', timeout: 60_000 })
      assert.ok(out.trim().length > 0, `${name} printed something`)
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
})

// R-SDK-1
test('the CSV PMS adapter example passes the conformance kit and syncs its residents', async (t) => {
  const logged = []
  t.mock.method(console, 'log', (...args) => logged.push(args.join(' ')))
  const { main } = await import('../../../examples/node/csv_pms_adapter.mjs')
  const { concierge, report } = await main()
  t.after(() => concierge.close())
  assert.equal(report.failed, 0, JSON.stringify(report.checks))
  assert.deepEqual(logged, [
    `kit: ${report.passed} passed, 0 failed, ${report.skipped} skipped`,
    'created 2, failed 1',
    'invalid_name r-3',
  ])
})

test('the foreign adapter benchmark runs on a small portfolio', () => {
  // Its figures are for the closing note; here it only has to keep working.
  const bench = fileURLToPath(new URL('../benches/foreign_pms.mjs', import.meta.url))
  const out = execFileSync(process.execPath, [bench], { env: { ...process.env, BENCH_RESIDENTS: '200' }, encoding: 'utf8', timeout: 60_000 })
  assert.match(out, /full sync of 200 residents/)
  assert.match(out, /JavaScript adapter/)
})
