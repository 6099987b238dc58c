// Buildium's signed webhooks from Node (R-PMS-6): a delivery signed as Buildium signs it (the
// base64 HMAC-SHA256 of `timestamp + "." + body` with the subscription's secret) re-syncs the one
// property it names, through the PMS; a forged, stale, replayed or header-less delivery rejects
// with `WEBHOOK_REJECTED` and its reason, and changes nothing. The PMS is an adapter written in
// JavaScript that answers with Buildium's ids.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { Admin, Concierge, rejectsWith } from './world.mjs'

const SECRET = 'whsec-node-canary-91ad'
const ref = (id) => ({ provider: 'buildium', id })

function tinyBuildium() {
  const unitListings = []
  return {
    name: 'buildium',
    unitListings,
    listProperties: () => ({ items: [{ external: ref('101'), name: 'Harbour View' }, { external: ref('102'), name: 'Bay' }] }),
    listUnits(request) {
      const asked = request.properties.map((p) => p.id)
      unitListings.push(asked)
      return { items: asked.map((p) => ({ external: ref(`${p}1`), property: ref(p), buildingName: null, floor: null, number: '1' })) }
    },
    listResidents: () => ({ items: [] }),
  }
}

const sign = (timestamp, body, secret = SECRET) =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('base64')

// R-PMS-6
test('a signed delivery re-syncs its property once; forged, stale and replayed ones are refused', async () => {
  const pms = tinyBuildium()
  const concierge = await Concierge.open({ sandbox: {}, buildiumWebhook: { secret: SECRET } }, { pms })
  const admin = Admin.fullAccess('desk-1', 'Front desk')
  const harbour = await concierge.registerProperty(admin, 'Harbour View', 'harbour-view')
  const bay = await concierge.registerProperty(admin, 'Bay', 'bay')
  await concierge.linkPmsProperty(admin, harbour.id, '101')
  await concierge.linkPmsProperty(admin, bay.id, '102')
  await concierge.syncNow(admin, harbour.id)
  await concierge.syncNow(admin, bay.id)
  const now = String(Math.floor((await concierge.sandboxControls.now()).getTime() / 1000))
  const body = '{"EventName":"Lease.Updated","AccountId":1,"LeaseId":7,"UnitId":1011}'

  const refused = async (timestamp, signature, text) => {
    const err = await rejectsWith(concierge.receiveBuildiumWebhook(timestamp, signature, text), 'WEBHOOK_REJECTED')
    assert.equal(err.retryable, false)
    assert.ok(!err.message.includes(SECRET))
    return err.reason
  }
  assert.equal(await refused(now, sign(now, body, 'another-secret'), body), 'bad_signature')
  assert.equal(await refused(now, sign(now, body), body.replace('1011', '1021')), 'bad_signature')
  const old = String(Number(now) - 3600)
  assert.equal(await refused(old, sign(old, body), body), 'stale')
  assert.equal(await refused(null, sign(now, body), body), 'missing_header')
  assert.equal(await concierge.processWebhookEvents(), 0)

  pms.unitListings.length = 0
  const receipt = await concierge.receiveBuildiumWebhook(now, sign(now, body), body)
  assert.equal(receipt.queued, true)
  assert.equal(receipt.propertyId, harbour.id)
  assert.equal(receipt.event, 'Lease.Updated')
  await concierge.processWebhookEvents()
  assert.equal(await concierge.processWebhookEvents(), 0)
  // Harbour View alone was read again, once.
  assert.deepEqual(pms.unitListings, [['101']])

  assert.equal(await refused(now, sign(now, body), body), 'replayed')
  assert.equal(await concierge.processWebhookEvents(), 0)
  assert.deepEqual(pms.unitListings, [['101']])
  await concierge.close()
})
