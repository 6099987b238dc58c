// The SALTO key-encoder adapter from Node: its client secret goes into the settings and never
// comes back out (R-SDK-2), a production handle opened with it writes keys through SALTO, and
// SALTO's failures come back as typed PROVIDER errors that never carry the secret (R-KEY-1).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import util from 'node:util'
import { Admin, Concierge, rejectsWith, shown, closedPort } from './world.mjs'

const CANARY = 'canary-SALTO-s3cret-node-8b17'
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
    salto: {
      installation: 'inst-1',
      clientId: 'client-42',
      clientSecret: CANARY,
      baseUrl: 'https://nebula.example.org/v1',
      tokenUrl: 'https://auth.example.org/token',
      timeoutSeconds: 2.5,
    },
  })
  assert.equal(concierge.sandboxControls, null)
  assert.match(util.inspect(concierge), /key_encoder=salto\(inst-1\)/)
  noSecret(concierge)
  await concierge.close()
})

// R-SDK-2
test('SALTO settings that cannot be used reject VALIDATION naming the field, without the secret, before a file is created', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concierge-salto-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'concierge.db')
  const port = await closedPort()
  const base = { installation: 'inst-1', clientId: 'client-42', clientSecret: CANARY }
  const cases = [
    [{ ...base, timeoutSeconds: 0 }, 'salto.timeout_seconds'],
    [{ ...base, timeoutSeconds: -1 }, 'salto.timeout_seconds'],
    [{ ...base, timeoutSeconds: -0.5 }, 'salto.timeout_seconds'],
    [{ ...base, pollInitialMs: -1 }, 'salto.poll_initial_ms'],
    [{ ...base, installation: 'installations/inst-1' }, 'salto.installation'],
    [{ ...base, clientId: ' ' }, 'salto.client_id'],
    [{ ...base, clientSecret: '' }, 'salto.client_secret'],
  ]
  for (const [salto, field] of cases) {
    for (const store of [undefined, file, `postgres://concierge:pw@127.0.0.1:${port}/concierge`]) {
      const err = await rejectsWith(Concierge.open({ store, smtp, salto }), 'VALIDATION')
      assert.equal(err.issues[0].field, field, JSON.stringify({ ...salto, clientSecret: '…' }))
      noSecret(err)
    }
  }
  assert.ok(!fs.existsSync(file), 'the file is not created')
})

// R-SDK-2, R-KEY-1
test('an unreachable SALTO rejects listEncoders with a retryable PROVIDER error that omits the secret', async () => {
  const port = await closedPort()
  const concierge = await Concierge.open({
    smtp,
    salto: {
      installation: 'inst-1',
      clientId: 'client-42',
      clientSecret: CANARY,
      baseUrl: `http://127.0.0.1:${port}/v1`,
      tokenUrl: `http://127.0.0.1:${port}/oauth2/token`,
      timeoutSeconds: 1,
    },
  })
  const admin = Admin.fullAccess('desk-1', 'Front desk')
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
