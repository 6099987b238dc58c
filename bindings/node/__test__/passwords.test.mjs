// Activation sets a password through the Node binding (R-STATUS-3): a good one makes the account
// live, a weak one is a VALIDATION error on `password`, neither the password nor the token ever
// shows in util.inspect or an error; with passwordMode 'external', activation takes none.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { world, rejectsWith, fieldsOf, shown, Concierge } from './world.mjs'

const PASSWORD = 'canary-Pa55word-node-7b3c'

async function invited(w) {
  await w.moveInAda(true)
  const token = await w.sandbox.lastActivationToken('ada@example.org')
  assert.equal(typeof token, 'string')
  return token
}

function assertHidden(value, ...secrets) {
  const text = shown(value)
  for (const secret of secrets) assert.ok(!text.includes(secret), `shown: ${secret.slice(0, 6)}…`)
}

// R-STATUS-3
test('activation with a password makes the account live, and nothing shows the password or token', async () => {
  const w = await world()
  const token = await invited(w)
  const live = await w.concierge.activate(token, { acceptTerms: true, password: PASSWORD })
  assert.equal(live.status, 'live')
  assert.equal(await w.concierge.accountStatus(w.admin, live.id), 'live')
  assertHidden(live, PASSWORD, token)
  assertHidden(w.concierge, PASSWORD, token)
  assertHidden(await w.concierge.getResident(w.admin, live.id), PASSWORD, token)
  const reused = await rejectsWith(w.concierge.activate(token, { acceptTerms: true, password: PASSWORD }), 'TOKEN_REJECTED')
  assertHidden(reused, PASSWORD, token)
})

// R-STATUS-3, R-STATUS-5
test('a weak password is refused with VALIDATION on password, naming the rule and not the password', async () => {
  const w = await world()
  const token = await invited(w)
  for (const [weak, rule] of [
    ['canary-1', 'at least 10 characters'],
    ['ADA@example.org', 'email'],
  ]) {
    const err = await rejectsWith(w.concierge.activate(token, { acceptTerms: true, password: weak }), 'VALIDATION')
    assert.deepEqual(fieldsOf(err), ['password'])
    assert.ok(err.issues[0].message.includes(rule), err.issues[0].message)
    assertHidden(err, weak, token)
  }
  const missing = await rejectsWith(w.concierge.activate(token, { acceptTerms: true }), 'VALIDATION')
  assert.deepEqual(fieldsOf(missing), ['password'])
  assert.equal(await w.concierge.accountStatus(w.admin, (await w.concierge.listResidents(w.admin).toArray())[0].id), 'pending_activation')
})

// R-STATUS-3
test("with passwordMode 'external' activation takes no password", async () => {
  const w = await world(7, { passwordMode: 'external' })
  const token = await invited(w)
  const refused = await rejectsWith(w.concierge.activate(token, { acceptTerms: true, password: PASSWORD }), 'VALIDATION')
  assert.deepEqual(fieldsOf(refused), ['password'])
  assert.equal((await w.concierge.activate(token, { acceptTerms: true })).status, 'live')
})

test('the activation secret is never shown', async () => {
  const secret = 'canary-activation-secret-0123456789abcdef'
  const concierge = await Concierge.open({ sandbox: { seed: 7 }, activationSecret: secret })
  assertHidden(concierge, secret)
  await concierge.close()
  const short = await rejectsWith(Concierge.open({ sandbox: { seed: 7 }, activationSecret: 'canary-short' }), 'VALIDATION')
  assert.deepEqual(fieldsOf(short), ['activation_secret'])
  assertHidden(short, 'canary-short')
})
