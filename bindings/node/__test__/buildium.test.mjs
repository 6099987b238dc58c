// The Buildium PMS adapter from Node: its client secret goes into the settings and never comes
// back out (R-SDK-2), a production handle opened with it syncs from Buildium, and Buildium's
// failures come back as typed PROVIDER errors that never carry the secret.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import util from 'node:util'
import { Admin, Concierge, rejectsWith, shown, closedPort } from './world.mjs'

const CANARY = 'canary-BUILDIUM-s3cret-node-5e91'
const smtp = { host: 'mail.example.org', port: 587 }

/** Asserts the canary secret shows nowhere in `value`. */
function noSecret(value) {
  const text = shown(value)
  assert.ok(!text.includes(CANARY), `the client secret leaked: ${text}`)
}

// R-SDK-2
test('the client secret cannot be read back from the handle', async () => {
  const concierge = await Concierge.open({
    smtp,
    buildium: {
      clientId: 'client-42',
      clientSecret: CANARY,
      baseUrl: 'https://apisandbox.buildium.com',
      pageSize: 250,
      rateLimitPerSec: null,
      timeoutSeconds: 2.5,
    },
  })
  assert.equal(concierge.sandboxControls, null)
  assert.match(util.inspect(concierge), /pms=buildium/)
  noSecret(concierge)
  await concierge.close()
})

// R-SDK-2
test('Buildium settings that cannot be used reject VALIDATION naming the field, without the secret, before a file is created', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concierge-buildium-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'concierge.db')
  const port = await closedPort()
  const cases = [
    [{ clientId: ' ', clientSecret: CANARY }, 'buildium.client_id'],
    [{ clientId: 'client-42', clientSecret: CANARY, pageSize: 5000 }, 'buildium.page_size'],
    [{ clientId: 'client-42', clientSecret: CANARY, pageSize: 1.5 }, 'buildium.page_size'],
    [{ clientId: 'client-42', clientSecret: CANARY, rateLimitPerSec: -1 }, 'buildium.rate_limit_per_sec'],
    [{ clientId: 'client-42', clientSecret: CANARY, timeoutSeconds: 0 }, 'buildium.timeout_seconds'],
    [{ clientId: 'client-42', clientSecret: CANARY, timeoutSeconds: -0.5 }, 'buildium.timeout_seconds'],
    [{ clientId: 'client-42', clientSecret: CANARY, rateLimitDisabled: true }, 'buildium.rate_limit_disabled'],
    [{ clientId: 'client-42', clientSecret: CANARY, secret: CANARY }, 'buildium.secret'],
  ]
  for (const [buildium, field] of cases) {
    for (const store of [undefined, file, `postgres://concierge:pw@127.0.0.1:${port}/concierge`]) {
      const err = await rejectsWith(Concierge.open({ store, smtp, buildium }), 'VALIDATION')
      assert.equal(err.issues[0].field, field, JSON.stringify(buildium))
      noSecret(err)
    }
  }
  assert.ok(!fs.existsSync(file), 'the file is not created')
})

// R-SDK-2, R-PMS-1
test('an unreachable Buildium rejects with a retryable PROVIDER error that omits the secret, and an aborted sync says so', async () => {
  const port = await closedPort()
  const concierge = await Concierge.open({
    smtp,
    buildium: { clientId: 'client-42', clientSecret: CANARY, baseUrl: `http://127.0.0.1:${port}`, timeoutSeconds: 0.5 },
  })
  const admin = Admin.fullAccess('lead-1', 'Integrations lead')
  noSecret(concierge)

  const started = Date.now()
  const listed = await rejectsWith(concierge.listPmsProperties(admin), 'PROVIDER', {
    provider: 'buildium',
    retryable: true,
  })
  assert.equal(listed.operation, 'list_properties')
  noSecret(listed)

  const registered = await concierge.registerProperty(admin, 'Harbour View', 'harbour-view')
  const property = await concierge.linkPmsProperty(admin, registered.id, '900001')
  assert.deepEqual(property.external, { provider: 'buildium', id: '900001' })

  const synced = await rejectsWith(concierge.syncNow(admin, property.id), 'PROVIDER', {
    provider: 'buildium',
    retryable: true,
  })
  noSecret(synced)
  const run = await concierge.lastSync(admin, property.id)
  assert.ok(run !== null, 'the aborted run is recorded')
  assert.match(run.aborted, /buildium/)
  assert.equal(run.counts.movedOut, 0)
  noSecret(run)
  noSecret(await concierge.syncErrors(admin, property.id).toArray())
  noSecret(concierge)
  const seconds = (Date.now() - started) / 1000
  // Each call is retried with backoff by the transport (5 attempts); both failures together
  // take a few seconds.
  assert.ok(seconds < 30, `took ${seconds} s`)
  await concierge.close()
})
