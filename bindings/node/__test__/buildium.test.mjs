// The Buildium PMS adapter from Node: `BuildiumConfig` keeps its client secret on the Rust
// side (R-SDK-2), a production handle built with it syncs from Buildium, and Buildium's
// failures come back as typed PROVIDER errors that never carry the secret.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import util from 'node:util'
import { Admin, Concierge, SmtpConfig, sdk, rejectsWith, throwsWith } from './world.mjs'

const { BuildiumConfig } = sdk
const CANARY = 'canary-BUILDIUM-s3cret-node-5e91'

/** Everything a careless caller might print about `value`. */
function shown(value) {
  return [
    util.inspect(value, { depth: 10, showHidden: true, getters: true }),
    JSON.stringify(value) ?? '',
    String(value),
    value instanceof Error ? `${value.message} ${value.stack}` : '',
  ].join('\n')
}

/** Asserts the canary secret shows nowhere in `value`. */
function noSecret(value) {
  const text = shown(value)
  assert.ok(!text.includes(CANARY), `the client secret leaked: ${text}`)
}

/** A port on 127.0.0.1 nothing listens on: bound, then freed. */
async function closedPort() {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

const smtp = () => new SmtpConfig('mail.example.org', 587)

// R-SDK-2
test('the client secret cannot be read back from the config or the handle', () => {
  const config = new BuildiumConfig('client-42', CANARY)
  assert.equal(config.clientId, 'client-42')
  assert.equal(config.baseUrl, 'https://api.buildium.com')
  assert.equal(config.pageSize, 1000)
  assert.equal(config.rateLimitPerSec, 10)
  assert.equal(config.timeoutSeconds, 30)
  for (const name of ['clientSecret', 'client_secret', 'secret']) {
    assert.equal(config[name], undefined)
    assert.ok(!Object.getOwnPropertyNames(Object.getPrototypeOf(config)).includes(name))
  }
  assert.deepEqual(JSON.parse(JSON.stringify(config)), {
    clientId: 'client-42',
    hasClientSecret: true,
    baseUrl: 'https://api.buildium.com',
    pageSize: 1000,
    rateLimitPerSec: 10,
    timeoutSeconds: 30,
  })
  noSecret(config)

  const tuned = new BuildiumConfig('client-42', CANARY, {
    baseUrl: 'https://apisandbox.buildium.com',
    pageSize: 250,
    rateLimitPerSec: null,
    timeoutSeconds: 2.5,
  })
  assert.deepEqual(JSON.parse(JSON.stringify(tuned)), {
    clientId: 'client-42',
    hasClientSecret: true,
    baseUrl: 'https://apisandbox.buildium.com',
    pageSize: 250,
    rateLimitPerSec: null,
    timeoutSeconds: 2.5,
  })
  noSecret(tuned)

  const concierge = new Concierge({ smtp: smtp(), buildium: config })
  assert.equal(concierge.sandboxControls, null)
  noSecret(concierge)
})

// R-SDK-2
test('options the binding cannot read throw VALIDATION without the client secret', () => {
  const err = throwsWith(
    () => new BuildiumConfig('client-42', CANARY, { pageSize: 1.5, rateLimitPerSec: -1, timeoutSeconds: 0 }),
    'VALIDATION',
  )
  assert.deepEqual(
    err.issues.map((i) => i.field),
    ['buildium.page_size', 'buildium.rate_limit_per_sec', 'buildium.timeout'],
  )
  noSecret(err)
  throwsWith(() => new BuildiumConfig('client-42', CANARY, { timeoutSeconds: Number.NaN }), 'VALIDATION', {
    issues: [{ field: 'buildium.timeout', message: 'must be a positive number of seconds' }],
  })
})

// R-SDK-2
test('a config the adapter refuses throws (or rejects) PROVIDER from buildium before anything is opened', async (t) => {
  const refused = [
    new BuildiumConfig(' ', CANARY),
    new BuildiumConfig('client-42', ''),
    new BuildiumConfig('client-42', CANARY, { pageSize: 5000 }),
    new BuildiumConfig('client-42', CANARY, { rateLimitPerSec: 0 }),
    new BuildiumConfig('client-42', CANARY, { baseUrl: 'not a url' }),
  ]
  for (const buildium of refused) {
    const err = throwsWith(() => new Concierge({ smtp: smtp(), buildium }), 'PROVIDER', {
      provider: 'buildium',
      kind: 'other',
      retryable: false,
    })
    noSecret(err)
  }
  assert.equal(JSON.parse(JSON.stringify(refused[1])).hasClientSecret, false)

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concierge-buildium-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'concierge.db')
  const opened = await rejectsWith(Concierge.open(file, { smtp: smtp(), buildium: refused[2] }), 'PROVIDER', {
    provider: 'buildium',
    retryable: false,
  })
  noSecret(opened)
  assert.ok(!fs.existsSync(file), 'the file is not created')
  const port = await closedPort()
  const connected = await rejectsWith(
    Concierge.connect(`postgres://concierge:pw@127.0.0.1:${port}/concierge`, { smtp: smtp(), buildium: refused[0] }),
    'PROVIDER',
    { provider: 'buildium', retryable: false },
  )
  noSecret(connected)
})

// R-SDK-2, R-PMS-1
test('an unreachable Buildium rejects with a retryable PROVIDER error that omits the secret, and an aborted sync says so', async () => {
  const port = await closedPort()
  const buildium = new BuildiumConfig('client-42', CANARY, {
    baseUrl: `http://127.0.0.1:${port}`,
    timeoutSeconds: 0.5,
  })
  const concierge = new Concierge({ smtp: smtp(), buildium })
  const admin = Admin.fullAccess('Integrations lead')
  noSecret(buildium)
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
  assert.deepEqual(property.externalRef, { provider: 'buildium', id: '900001' })

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
  noSecret(await concierge.syncErrors(admin, property.id))
  noSecret(concierge)
  const seconds = (Date.now() - started) / 1000
  // Each call is retried with backoff by the transport (5 attempts); both failures together
  // take a few seconds.
  assert.ok(seconds < 30, `took ${seconds} s`)
  await concierge.close()
})
