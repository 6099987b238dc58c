// Shared set-up of the Node binding's tests: a sandbox handle with one property, one building
// and one unit, and helpers to read the state a test must prove unchanged.
import { createRequire } from 'node:module'
import assert from 'node:assert/strict'
import net from 'node:net'
import util from 'node:util'

const require = createRequire(import.meta.url)

/** The binding, loaded as a user loads it (`require("@concierge/sdk")`). */
export const sdk = require('../index.js')
export const { Concierge, Admin, SandboxControls, Paginator, Page, OPERATIONS } = sdk

/** The admin most tests act for: the host's id and display name, full access. */
export const desk = () => Admin.fullAccess('desk-1', 'Front desk')

/** A sandbox with "Harbour View" / "Tower A" / unit 1204 on floor 12, and a full-access admin. */
export async function world(seed = 7, settings = {}) {
  const concierge = await Concierge.open({ sandbox: { seed }, ...settings })
  const sandbox = concierge.sandboxControls
  const admin = desk()
  const property = await concierge.registerProperty(admin, 'Harbour View', 'harbour-view')
  const building = await concierge.registerBuilding(admin, property.id, 'Tower A')
  const unit = await concierge.registerUnit(admin, building.id, '1204', { floor: '12' })

  return {
    concierge,
    sandbox,
    admin,
    property,
    building,
    unit,
    /** Moves Ada Lovelace into unit 1204, with her email, optionally sending the activation email. */
    moveInAda(sendMobileActivation = false) {
      return concierge.moveIn(admin, unit.id, 'Ada', 'Lovelace', {
        email: 'ada@example.org',
        sendMobileActivation,
      })
    },
    /** Every resident and every email sent so far: what a refused call must leave alone. */
    async snapshot() {
      return {
        residents: await concierge.listResidents(admin).toArray(),
        sent: await sandbox.sentEmails(),
        sendCalls: await sandbox.calls('send'),
      }
    },
  }
}

/**
 * Awaits `promise`, expecting it to reject with a Concierge error of `code` whose fields
 * include `fields`; returns the error.
 */
export async function rejectsWith(promise, code, fields = {}) {
  assert.ok(promise instanceof Promise, 'the operation returns a Promise')
  let error
  await assert.rejects(promise, (e) => {
    error = e
    return true
  })
  assert.ok(error instanceof Error, `rejected with an Error, got ${error}`)
  assert.equal(error.code, code, error.message)
  assert.equal(typeof error.retryable, 'boolean', 'every error says whether it is retryable')
  for (const [key, value] of Object.entries(fields)) {
    assert.deepEqual(error[key], value, `err.${key}`)
  }
  return error
}

/** The fields of a VALIDATION error's issues. */
export const fieldsOf = (err) => err.issues.map((i) => i.field)

/** Everything a careless caller might print about `value`. */
export function shown(value) {
  return [
    util.inspect(value, { depth: 10, showHidden: true, getters: true }),
    safeJson(value),
    String(value),
    value instanceof Error ? `${value.message} ${value.stack}` : '',
  ].join('\n')
}

function safeJson(value) {
  try {
    return JSON.stringify(value) ?? ''
  } catch {
    return ''
  }
}

/** A port on 127.0.0.1 nothing listens on: bound, then freed. */
export async function closedPort() {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}
