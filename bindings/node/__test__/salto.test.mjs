// The SALTO key-encoder adapter from Node: `SaltoConfig` keeps its client secret on the Rust
// side (R-SDK-2), a production handle built with it writes keys through SALTO, and SALTO's
// failures come back as typed PROVIDER errors that never carry the secret (R-KEY-1).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import util from 'node:util'
import { Admin, Concierge, SmtpConfig, sdk, rejectsWith, throwsWith } from './world.mjs'

const { SaltoConfig } = sdk
const CANARY = 'canary-SALTO-s3cret-node-8b17'

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
  const config = new SaltoConfig('inst-1', 'client-42', CANARY)
  assert.equal(config.installation, 'inst-1')
  assert.equal(config.clientId, 'client-42')
  assert.equal(config.baseUrl, 'https://nebula.saltoapis.com/v1')
  assert.equal(config.tokenUrl, 'https://account.saltosystems.com/oauth2/token')
  assert.equal(config.timeoutSeconds, 30)
  for (const name of ['clientSecret', 'client_secret', 'secret']) {
    assert.equal(config[name], undefined)
    assert.ok(!Object.getOwnPropertyNames(Object.getPrototypeOf(config)).includes(name))
  }
  assert.deepEqual(JSON.parse(JSON.stringify(config)), {
    installation: 'inst-1',
    clientId: 'client-42',
    hasClientSecret: true,
    baseUrl: 'https://nebula.saltoapis.com/v1',
    tokenUrl: 'https://account.saltosystems.com/oauth2/token',
    timeoutSeconds: 30,
  })
  noSecret(config)

  const tuned = new SaltoConfig('inst-1', 'client-42', CANARY, {
    baseUrl: 'https://nebula.example.org/v1',
    tokenUrl: 'https://auth.example.org/token',
    timeoutSeconds: 2.5,
  })
  assert.equal(tuned.baseUrl, 'https://nebula.example.org/v1')
  assert.equal(tuned.tokenUrl, 'https://auth.example.org/token')
  assert.equal(tuned.timeoutSeconds, 2.5)
  noSecret(tuned)

  const concierge = new Concierge({ smtp: smtp(), salto: tuned })
  assert.equal(concierge.sandboxControls, null)
  noSecret(concierge)
})

// R-SDK-2
test('a timeout that is not positive throws VALIDATION without the client secret', () => {
  for (const timeoutSeconds of [0, -1, Number.NaN]) {
    const err = throwsWith(() => new SaltoConfig('inst-1', 'client-42', CANARY, { timeoutSeconds }), 'VALIDATION', {
      issues: [{ field: 'salto.timeout', message: 'must be a positive number of seconds' }],
    })
    noSecret(err)
  }
})

// R-SDK-2
test('a config the adapter refuses throws (or rejects) PROVIDER from salto before anything is opened', async (t) => {
  const refused = [
    new SaltoConfig('inst-1', ' ', CANARY),
    new SaltoConfig('inst-1', 'client-42', ''),
    new SaltoConfig('installations/inst-1', 'client-42', CANARY),
  ]
  for (const salto of refused) {
    const err = throwsWith(() => new Concierge({ smtp: smtp(), salto }), 'PROVIDER', {
      provider: 'salto',
      kind: 'other',
      retryable: false,
    })
    noSecret(err)
  }
  assert.equal(JSON.parse(JSON.stringify(refused[1])).hasClientSecret, false)

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concierge-salto-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'concierge.db')
  const opened = await rejectsWith(Concierge.open(file, { smtp: smtp(), salto: refused[2] }), 'PROVIDER', {
    provider: 'salto',
    retryable: false,
  })
  noSecret(opened)
  assert.ok(!fs.existsSync(file), 'the file is not created')
  const port = await closedPort()
  const connected = await rejectsWith(
    Concierge.connect(`postgres://concierge:pw@127.0.0.1:${port}/concierge`, { smtp: smtp(), salto: refused[0] }),
    'PROVIDER',
    { provider: 'salto', retryable: false },
  )
  noSecret(connected)
})

// R-SDK-2, R-KEY-1
test('an unreachable SALTO rejects listEncoders with a retryable PROVIDER error that omits the secret', async () => {
  const port = await closedPort()
  const salto = new SaltoConfig('inst-1', 'client-42', CANARY, {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    tokenUrl: `http://127.0.0.1:${port}/oauth2/token`,
    timeoutSeconds: 0.5,
  })
  const concierge = new Concierge({ smtp: smtp(), salto })
  const admin = Admin.fullAccess('Front desk')
  noSecret(salto)
  noSecret(concierge)

  const started = Date.now()
  const err = await rejectsWith(concierge.listEncoders(admin), 'PROVIDER', {
    provider: 'salto',
    retryable: true,
  })
  noSecret(err)
  noSecret(concierge)
  const seconds = (Date.now() - started) / 1000
  assert.ok(seconds < 30, `took ${seconds} s`)
  await concierge.close()
})
