// Secrets never leave the binding (R-SDK-2): the SMTP password goes into the settings and
// never comes back out: not in the handle's inspection, errors or outbox entries, nor the
// activation token.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import util from 'node:util'
import { Admin, Concierge, world, rejectsWith, shown, closedPort } from './world.mjs'

const CANARY = 'canary-SMTP-pa55word-node-7f3a'

// R-SDK-2
test('the SMTP password cannot be read back from the handle', async () => {
  const concierge = await Concierge.open({
    smtp: { host: 'mail.example.org', port: 587, username: 'desk', password: CANARY },
  })
  assert.equal(concierge.sandboxControls, null)
  assert.equal(util.inspect(concierge), 'Concierge(store=memory, mailer=smtp(mail.example.org:587))')
  assert.ok(!shown(concierge).includes(CANARY))
  await concierge.close()
})

// R-SDK-2
test('refused SMTP settings reject with a validation error that does not carry the password', async () => {
  const err = await rejectsWith(Concierge.open({ smtp: { host: ' ', password: CANARY } }), 'VALIDATION')
  assert.deepEqual(
    err.issues.map((i) => i.field),
    ['smtp.host', 'smtp.password'],
  )
  assert.ok(!shown(err).includes(CANARY))
  const tls = await rejectsWith(
    Concierge.open({ smtp: { host: 'mail.example.org', password: CANARY, username: 'desk', tls: 'ssl' } }),
    'VALIDATION',
    { issues: [{ field: 'smtp.tls', message: 'must be one of: none, starttls, tls' }] },
  )
  assert.ok(!shown(tls).includes(CANARY))
})

// R-SDK-2
test('an invitation through an unreachable SMTP server resolves and its outbox error omits the password', async () => {
  const port = await closedPort()
  const concierge = await Concierge.open({
    smtp: { host: '127.0.0.1', port, username: 'desk@example.org', password: CANARY, tls: 'none', timeoutSeconds: 2 },
    activationValidityDays: 3,
  })
  const admin = Admin.fullAccess('desk-1', 'Front desk')
  const property = await concierge.registerProperty(admin, 'Harbour View', 'harbour-view')
  const building = await concierge.registerBuilding(admin, property.id, 'Tower A')
  const unit = await concierge.registerUnit(admin, building.id, '1204')
  const ada = await concierge.moveIn(admin, unit.id, 'Ada', 'Lovelace', { email: 'ada@example.org' })

  const invited = await concierge.invite(admin, ada.id)
  assert.equal(invited.status, 'pending_activation')
  assert.equal(
    invited.activationExpiresAt.getTime() - invited.invitedAt.getTime(),
    3 * 24 * 3600 * 1000,
  )
  const [entry, ...others] = await concierge.listOutbox(admin, 'pending').toArray()
  assert.deepEqual(others, [])
  assert.match(entry.lastError, /^smtp send failed/)
  assert.ok(entry.lastError.includes(`127.0.0.1:${port}`), entry.lastError)
  assert.ok(!shown(entry).includes(CANARY))
  assert.ok(!shown(invited).includes(CANARY))
  assert.ok(!shown(concierge).includes(CANARY))
  await concierge.close()
})

// R-SDK-2, R-STATUS-5
test('outbox entries never show the activation token, before or after delivery', async () => {
  const w = await world()
  await w.sandbox.failNext('send', 'unavailable')
  await w.moveInAda(true)
  const pendingShown = shown(await w.concierge.listOutbox(w.admin, 'pending').toArray())

  await w.sandbox.advance({ hours: 1 })
  assert.equal((await w.concierge.dispatchOutbox()).delivered, 1)
  const token = await w.sandbox.lastActivationToken('ada@example.org')
  const verifier = token.split('.').pop()
  assert.ok(verifier.length >= 22)

  assert.ok(!pendingShown.includes(verifier), 'a pending entry holds the token only on the Rust side')
  assert.ok(!shown(await w.concierge.listOutbox(w.admin, 'done').toArray()).includes(verifier))
  const [ada] = await w.concierge.listResidents(w.admin).toArray()
  assert.ok(!shown(ada).includes(verifier))
})

test('a record shows personal data and the activation link as redacted, yet carries them', async () => {
  const w = await world()
  await w.moveInAda(true)
  const [ada] = await w.concierge.listResidents(w.admin).toArray()
  assert.equal(ada.email, 'ada@example.org')
  assert.ok(!util.inspect(ada).includes('ada@example.org'))
  assert.match(util.inspect(ada), /email: '\[redacted\]'/)
  const [sent] = await w.sandbox.sentEmails()
  const token = await w.sandbox.lastActivationToken('ada@example.org')
  assert.ok(sent.body.includes(token))
  assert.ok(!util.inspect(sent).includes(token))
})
