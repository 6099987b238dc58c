// Against a Buildium that echoes what it receives (every request header, the client secret among
// them, in its error body and request id) at 400, 401 and 500: no 8-character window of the
// client secret shows up in the error's message, inspect output or properties (R-SDK-2).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import util from 'node:util'
import { Admin, Concierge, rejectsWith, shown } from './world.mjs'

// Characters that change under form, percent and JSON encoding (header-safe: visible ASCII).
const CANARY = 'canary+/ S3cret=&%"{}\\<x>'

function windows(secret) {
  const out = []
  for (let i = 0; i + 8 <= secret.length; i++) out.push(secret.slice(i, i + 8))
  return out
}

function assertNothingOfTheCanary(text, what) {
  for (const window of [...windows(CANARY), ...windows(JSON.stringify(CANARY).slice(1, -1))]) {
    assert.ok(!text.includes(window), `${what} holds ${JSON.stringify(window)}: ${text}`)
  }
}

/** A local Buildium answering `status` with every header it received. */
async function echoServer(status) {
  const server = http.createServer((req, res) => {
    const text = Object.entries(req.headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join(' ')
    const secret = req.headers['x-buildium-client-secret'] ?? ''
    const body = JSON.stringify({
      UserMessage: text,
      ErrorCode: 'BadRequest',
      Errors: [{ Key: 'x-buildium-client-secret', Value: secret }],
    })
    res.writeHead(status, { 'Content-Type': 'application/json', 'X-Request-Id': secret })
    res.end(body)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

for (const status of [400, 401, 500]) {
  // R-SDK-2
  test(`an echoing Buildium answering ${status} never gets the client secret into the error`, async (t) => {
    const server = await echoServer(status)
    t.after(() => server.close())
    const concierge = await Concierge.open({
      holdEmail: true,
      buildium: {
        clientId: 'desk-client',
        clientSecret: CANARY,
        baseUrl: `http://127.0.0.1:${server.address().port}`,
        timeoutSeconds: 5,
        retry: { maxAttempts: 1, initialBackoffMs: 10, maxBackoffMs: 10 },
      },
    })
    t.after(() => concierge.close())
    const admin = Admin.fullAccess('desk-1', 'Front desk')

    const err = await rejectsWith(concierge.listPmsProperties(admin), 'PROVIDER', { provider: 'buildium' })

    assert.ok(err.message.includes('<redacted>'), err.message)
    assertNothingOfTheCanary(shown(err), 'shown')
    assertNothingOfTheCanary(util.inspect(err, { depth: 10, showHidden: true }), 'inspect')
    for (const key of Reflect.ownKeys(err)) {
      assertNothingOfTheCanary(util.inspect(err[key], { depth: 10 }), String(key))
    }
    assertNothingOfTheCanary(String(err.stack), 'stack')
  })
}
