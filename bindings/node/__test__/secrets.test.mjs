// Secrets never leave the binding (R-SDK-2): the SMTP password is write-only, and neither it
// nor an activation token shows up in inspection, JSON, errors or outbox entries.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import util from 'node:util'
import { Admin, Concierge, SmtpConfig, world, throwsWith } from './world.mjs'

const CANARY = 'canary-SMTP-pa55word-node-7f3a'

/** Everything a careless caller might print about `value`. */
function shown(value) {
  return [
    util.inspect(value, { depth: 10, showHidden: true, getters: true }),
    JSON.stringify(value) ?? '',
    String(value),
    value instanceof Error ? `${value.message} ${value.stack}` : '',
  ].join('\n')
}

/** A port on 127.0.0.1 nothing listens on: bound, then freed. */
async function closedPort() {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

// R-SDK-2
test('the SMTP password cannot be read back from the config or the handle', () => {
  const config = new SmtpConfig('mail.example.org', 587, { username: 'desk', password: CANARY })
  assert.equal(config.host, 'mail.example.org')
  assert.equal(config.port, 587)
  assert.equal(config.username, 'desk')
  assert.equal(config.tls, 'starttls')
  assert.equal(config.password, undefined)
  assert.ok(!Object.getOwnPropertyNames(Object.getPrototypeOf(config)).includes('password'))
  assert.deepEqual(JSON.parse(JSON.stringify(config)), {
    host: 'mail.example.org',
    port: 587,
    username: 'desk',
    hasPassword: true,
    tls: 'starttls',
    timeoutSeconds: 30,
  })
  assert.ok(!shown(config).includes(CANARY))

  const concierge = new Concierge({ smtp: config })
  assert.equal(concierge.sandboxControls, null)
  assert.ok(!shown(concierge).includes(CANARY))
})

// R-SDK-2
test('a refused SMTP config throws a validation error that does not carry the password', () => {
  const err = throwsWith(
    () => new Concierge({ smtp: new SmtpConfig(' ', 587, { password: CANARY }) }),
    'VALIDATION',
  )
  assert.deepEqual(
    err.issues.map((i) => i.field),
    ['smtp.host', 'smtp.password'],
  )
  assert.ok(!shown(err).includes(CANARY))
  throwsWith(() => new SmtpConfig('mail.example.org', 587, { password: CANARY, tls: 'ssl' }), 'VALIDATION', {
    issues: [{ field: 'smtp.tls', message: 'must be one of none, starttls, tls' }],
  })
})

// R-SDK-2
test('an invitation through an unreachable SMTP server resolves and its outbox error omits the password', async () => {
  const port = await closedPort()
  const smtp = new SmtpConfig('127.0.0.1', port, {
    username: 'desk@example.org',
    password: CANARY,
    tls: 'none',
    timeoutSeconds: 2,
  })
  const concierge = new Concierge({ smtp, activationValidityDays: 3 })
  const admin = Admin.fullAccess('Front desk')
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
  const [entry, ...others] = await concierge.listOutbox(admin, 'pending')
  assert.deepEqual(others, [])
  assert.match(entry.lastError, /^smtp send failed/)
  assert.ok(entry.lastError.includes(`127.0.0.1:${port}`), entry.lastError)
  assert.ok(!shown(entry).includes(CANARY))
  assert.ok(!shown(invited).includes(CANARY))
  assert.ok(!shown(concierge).includes(CANARY))
})

// R-SDK-2, R-STATUS-5
test('outbox entries never show the activation token, before or after delivery', async () => {
  const w = await world()
  w.sandbox.failNext('send', 'unavailable')
  await w.moveInAda(true)
  const pendingShown = shown(await w.concierge.listOutbox(w.admin, 'pending'))

  w.sandbox.advance({ hours: 1 })
  assert.equal((await w.concierge.dispatchOutbox()).delivered, 1)
  const token = w.sandbox.lastActivationToken('ada@example.org')
  const verifier = token.split('.').pop()
  assert.ok(verifier.length >= 22)

  assert.ok(!pendingShown.includes(verifier), 'a pending entry holds the token only on the Rust side')
  assert.ok(!shown(await w.concierge.listOutbox(w.admin, 'done')).includes(verifier))
  const ada = (await w.concierge.listResidents(w.admin))[0]
  assert.ok(!shown(ada).includes(verifier))
})
