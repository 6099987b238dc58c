// The resident account's life, through the Node binding (R-STATUS-1..5): the same scenarios
// as crates/concierge/tests/accounts.rs and the Python suite.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { world, rejectsWith } from './world.mjs'

// R-STATUS-1
test('a resident moved in without activation is not invited and gets no email', async () => {
  const w = await world()
  const ada = await w.moveInAda(false)
  assert.equal(ada.status, 'not_invited')
  assert.equal(await w.concierge.accountStatus(w.admin, ada.id), 'not_invited')
  assert.deepEqual(await w.sandbox.sentEmails(), [])
})

// R-STATUS-2, R-STATUS-3
test('an invited resident is pending and goes live with the token from the email', async () => {
  const w = await world()
  const ada = await w.moveInAda(false)
  const invited = await w.concierge.invite(w.admin, ada.id)
  assert.equal(invited.status, 'pending_activation')
  assert.equal(invited.invitationsSent, 1)
  assert.ok(invited.invitedAt instanceof Date)
  assert.equal(
    invited.activationExpiresAt.getTime() - invited.invitedAt.getTime(),
    7 * 24 * 3600 * 1000,
  )

  const token = await w.sandbox.lastActivationToken('ada@example.org')
  assert.equal(typeof token, 'string')
  const live = await w.concierge.activate(token, { acceptTerms: true, password: 'correct horse battery staple' })
  assert.equal(live.status, 'live')
  assert.deepEqual(live.activatedAt, await w.sandbox.now())
  assert.equal(await w.concierge.accountStatus(w.admin, ada.id), 'live')
})

// R-STATUS-4, R-STATUS-5
test('a link unused for eight days expires and its token is rejected as expired', async () => {
  const w = await world()
  const ada = await w.moveInAda(true)
  const token = await w.sandbox.lastActivationToken('ada@example.org')
  await w.sandbox.advance({ days: 8 })
  assert.equal(await w.concierge.accountStatus(w.admin, ada.id), 'activation_expired')
  assert.equal((await w.concierge.getResident(w.admin, ada.id)).status, 'activation_expired')

  const before = await w.snapshot()
  await rejectsWith(w.concierge.activate(token, { acceptTerms: true, password: 'correct horse battery staple' }), 'TOKEN_REJECTED', { reason: 'expired' })
  assert.deepEqual(await w.snapshot(), before)
  assert.equal(await w.concierge.accountStatus(w.admin, ada.id), 'activation_expired')
})

// R-STATUS-4, R-STATUS-5
test('inviting again after expiry sends a new link and the old token is superseded', async () => {
  const w = await world()
  const ada = await w.moveInAda(true)
  const old = await w.sandbox.lastActivationToken('ada@example.org')
  await w.sandbox.advance({ days: 8 })

  const reinvited = await w.concierge.invite(w.admin, ada.id)
  assert.equal(reinvited.status, 'pending_activation')
  assert.equal(reinvited.invitationsSent, 2)
  assert.equal((await w.sandbox.sentEmails()).length, 2)
  const fresh = await w.sandbox.lastActivationToken('ada@example.org')
  assert.notEqual(fresh, old)

  const before = await w.snapshot()
  await rejectsWith(w.concierge.activate(old, { acceptTerms: true, password: 'correct horse battery staple' }), 'TOKEN_REJECTED', { reason: 'superseded' })
  assert.deepEqual(await w.snapshot(), before)
  assert.equal((await w.concierge.activate(fresh, { acceptTerms: true, password: 'correct horse battery staple' })).status, 'live')
})

// R-STATUS-5
test('inviting a pending or live account is an invalid transition naming status and action', async () => {
  const w = await world()
  const ada = await w.moveInAda(true)
  await rejectsWith(w.concierge.invite(w.admin, ada.id), 'INVALID_TRANSITION', {
    fromStatus: 'pending_activation',
    action: 'invite',
  })
  assert.equal((await w.sandbox.sentEmails()).length, 1)

  await w.concierge.activate(await w.sandbox.lastActivationToken('ada@example.org'), { acceptTerms: true, password: 'correct horse battery staple' })
  const err = await rejectsWith(w.concierge.invite(w.admin, ada.id), 'INVALID_TRANSITION', {
    fromStatus: 'live',
    action: 'invite',
  })
  assert.equal(err.message, 'cannot invite an account that is live')
  assert.equal((await w.sandbox.sentEmails()).length, 1)
})

// R-STATUS-5
test('a token used once is rejected as already used the second time', async () => {
  const w = await world()
  await w.moveInAda(true)
  const token = await w.sandbox.lastActivationToken('ada@example.org')
  await w.concierge.activate(token, { acceptTerms: true, password: 'correct horse battery staple' })
  const before = await w.snapshot()

  await rejectsWith(w.concierge.activate(token, { acceptTerms: true, password: 'correct horse battery staple' }), 'TOKEN_REJECTED', { reason: 'already_used' })
  assert.deepEqual(await w.snapshot(), before)
})

// R-STATUS-3, R-STATUS-5
test('activating without accepting the terms is a validation error and changes nothing', async () => {
  const w = await world()
  const ada = await w.moveInAda(true)
  const token = await w.sandbox.lastActivationToken('ada@example.org')

  await rejectsWith(w.concierge.activate(token, { acceptTerms: false, password: 'correct horse battery staple' }), 'VALIDATION', {
    issues: [{ field: 'accept_terms', message: 'the terms must be accepted to activate' }],
  })
  assert.equal(await w.concierge.accountStatus(w.admin, ada.id), 'pending_activation')
  // The token still works.
  assert.equal((await w.concierge.activate(token, { acceptTerms: true, password: 'correct horse battery staple' })).status, 'live')
})

// R-STATUS-5
test('a made-up token is rejected as invalid', async () => {
  const w = await world()
  await w.moveInAda(true)
  await rejectsWith(w.concierge.activate('res_nobody.' + 'A'.repeat(43), { acceptTerms: true, password: 'correct horse battery staple' }), 'TOKEN_REJECTED', {
    reason: 'invalid',
  })
  await rejectsWith(w.concierge.activate('garbage', { acceptTerms: true, password: 'correct horse battery staple' }), 'TOKEN_REJECTED', { reason: 'invalid' })
})
