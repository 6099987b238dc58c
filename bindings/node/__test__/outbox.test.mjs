// Provider failures: the welcome email goes through the outbox, is retried later when the
// mailer is down and parked for an admin when it is refused (R-SDK-2, R-SDK-3).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { world, rejectsWith } from './world.mjs'

// R-SDK-3, R-MOVE-2
test('a welcome email that fails because the mailer is down is delivered by a later dispatch', async () => {
  const w = await world()
  await w.sandbox.failNext('send', 'unavailable')

  const ada = await w.moveInAda(true)
  // The move-in is done; the email is queued, not sent.
  assert.equal(ada.status, 'pending_activation')
  assert.deepEqual((await w.concierge.listResidents(w.admin).toArray()).map((r) => r.id), [ada.id])
  assert.deepEqual(await w.sandbox.sentEmails(), [])
  const [pending, ...others] = await w.concierge.listOutbox(w.admin, 'pending').toArray()
  assert.deepEqual(others, [])
  assert.equal(pending.kind, 'activation_email')
  assert.equal(pending.attempts, 1)
  assert.match(pending.lastError, /sandbox-mailer send failed \(unavailable, transient\)/)
  assert.ok(pending.nextAttemptAt > await w.sandbox.now())

  await w.sandbox.advance({ hours: 1 })
  const report = await w.concierge.dispatchOutbox()
  assert.deepEqual(report, { delivered: 1, retrying: 0, parked: 0, skipped: 0 })
  assert.equal((await w.sandbox.sentEmails()).length, 1)
  assert.equal(await w.sandbox.calls('send'), 2)

  // Dispatching again sends nothing more.
  await w.sandbox.advance({ hours: 1 })
  assert.deepEqual(await w.concierge.dispatchOutbox(), { delivered: 0, retrying: 0, parked: 0, skipped: 0 })
  assert.equal((await w.sandbox.sentEmails()).length, 1)
  const [done] = await w.concierge.listOutbox(w.admin, 'done').toArray()
  assert.equal(done.id, pending.id)
  assert.equal(done.lastError, null)
})

// R-SDK-2
test('a welcome email the mailer rejects is parked for an admin, naming the provider, and can be retried', async () => {
  const w = await world()
  await w.sandbox.failNext('send', 'rejected')

  await w.moveInAda(true)
  assert.deepEqual(await w.sandbox.sentEmails(), [])
  const parked = await w.concierge.listOutbox(w.admin, 'parked').toArray()
  assert.equal(parked.length, 1)
  assert.equal(parked[0].status, 'parked')
  assert.match(parked[0].lastError, /sandbox-mailer/)
  assert.match(parked[0].lastError, /permanent/)
  // A dispatch leaves a parked entry alone.
  assert.deepEqual(await w.concierge.dispatchOutbox(), { delivered: 0, retrying: 0, parked: 0, skipped: 0 })

  const retried = await w.concierge.retryOutboxEntry(w.admin, parked[0].id)
  assert.equal(retried.status, 'done')
  assert.equal((await w.sandbox.sentEmails()).length, 1)
  await rejectsWith(w.concierge.retryOutboxEntry(w.admin, parked[0].id), 'CONFLICT')
  await rejectsWith(w.concierge.retryOutboxEntry(w.admin, 'obx_missing'), 'NOT_FOUND', {
    entity: 'outbox_entry',
    id: 'obx_missing',
  })
})

// R-SDK-2
test('scripting a fault with an unknown error kind throws a validation error', async () => {
  const w = await world()
  await rejectsWith(w.sandbox.failNext('send', 'exploded'), 'VALIDATION', {
    issues: [
      {
        field: 'kind',
        message:
          'must be one of: timeout, connection, rate_limited, unavailable, unauthorized, forbidden, not_found, rejected, invalid_response, device_busy, device_offline, no_card, other',
      },
    ],
  })
  await w.moveInAda(true)
  assert.equal((await w.sandbox.sentEmails()).length, 1)
})

// R-STATUS-4
test('an undelivered email whose link was replaced is skipped, not sent', async () => {
  const w = await world()
  await w.sandbox.failNext('send', 'unavailable')
  const ada = await w.moveInAda(true)
  await w.sandbox.advance({ days: 8 })
  await w.concierge.invite(w.admin, ada.id)

  const report = await w.concierge.dispatchOutbox()
  assert.equal(report.skipped, 1)
  assert.equal((await w.sandbox.sentEmails()).length, 1)
  const live = await w.concierge.activate(await w.sandbox.lastActivationToken('ada@example.org'), { acceptTerms: true, password: 'correct horse battery staple' })
  assert.equal(live.status, 'live')
})
