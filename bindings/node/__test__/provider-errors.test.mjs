// A provider failure says where it happened (R-SDK-2): the transport (no answer) or the vendor's
// response, with the HTTP status, the vendor's error code and the retry class, for Buildium and
// SALTO alike; the same fields as in Rust and Python.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { Admin, Concierge, closedPort } from './world.mjs'

const desk = Admin.fullAccess('desk-1', 'Front desk')
const once = { maxAttempts: 1, initialBackoffMs: 1, maxBackoffMs: 1 }

async function serving(t, status, body) {
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(status, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(body))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  return `http://127.0.0.1:${server.address().port}`
}

const buildium = (baseUrl) =>
  Concierge.open({ holdEmail: true, buildium: { clientId: 'desk', clientSecret: 's3cret-value', baseUrl, timeoutSeconds: 0.5, retry: once } })
const salto = (baseUrl) =>
  Concierge.open({
    holdEmail: true,
    salto: { installation: 'inst-1', clientId: 'desk', clientSecret: 's3cret-value', baseUrl, tokenUrl: `${baseUrl}/token`, timeoutSeconds: 0.5, retry: once },
  })

async function failure(promise) {
  const err = await promise.then(
    () => assert.fail('the call succeeded'),
    (e) => e,
  )
  assert.equal(err.code, 'PROVIDER')
  return [err.provider, err.failure, err.httpStatus, err.vendorCode, err.retryClass, err.retryable]
}

// R-SDK-2
test('a Buildium refusal is the vendor response with its status, code and retry class', async (t) => {
  const url = await serving(t, 400, { UserMessage: 'Unable to process the request.', ErrorCode: 'BadRequest' })
  const c = await buildium(url)
  t.after(() => c.close())
  assert.deepEqual(await failure(c.listPmsProperties(desk)), ['buildium', 'response', 400, 'BadRequest', 'permanent', false])
})

test('an unreachable Buildium is a transport failure without a status', async (t) => {
  const c = await buildium(`http://127.0.0.1:${await closedPort()}`)
  t.after(() => c.close())
  assert.deepEqual(await failure(c.listPmsProperties(desk)), ['buildium', 'transport', null, null, 'transient', true])
})

test('a SALTO token refusal is the vendor response with its status, code and retry class', async (t) => {
  const url = await serving(t, 401, { error: 'invalid_client', error_description: 'unknown client' })
  const c = await salto(url)
  t.after(() => c.close())
  assert.deepEqual(await failure(c.listEncoders(desk)), ['salto', 'response', 401, 'invalid_client', 'permanent', false])
})

test('an unreachable SALTO is a transport failure without a status', async (t) => {
  const c = await salto(`http://127.0.0.1:${await closedPort()}`)
  t.after(() => c.close())
  assert.deepEqual(await failure(c.listEncoders(desk)), ['salto', 'transport', null, null, 'transient', true])
})

test("a Buildium property id beyond int32 is refused when linked, on its field", async (t) => {
  const c = await buildium(`http://127.0.0.1:${await closedPort()}`)
  t.after(() => c.close())
  const prop = await c.registerProperty(desk, 'Harbour View', 'harbour-view')
  const err = await c.linkPmsProperty(desk, prop.id, '9999999999').then(
    () => assert.fail('linked'),
    (e) => e,
  )
  assert.equal(err.code, 'VALIDATION')
  assert.equal(err.issues[0].field, 'pms_property_id')
  assert.notEqual((await c.linkPmsProperty(desk, prop.id, '2147483647')).external, null)
})
