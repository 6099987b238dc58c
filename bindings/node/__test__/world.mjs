// Shared set-up of the Node binding's tests: a sandbox handle with one property, one building
// and one unit, and helpers to read the state a test must prove unchanged.
import { createRequire } from 'node:module'
import assert from 'node:assert/strict'

const require = createRequire(import.meta.url)

/** The binding, loaded as a user loads it (`require("@concierge/sdk")`). */
export const sdk = require('../index.js')
export const { Concierge, Admin, SmtpConfig } = sdk

/** A sandbox with "Harbour View" / "Tower A" / unit 1204 on floor 12, and a full-access admin. */
export async function world(seed = 7) {
  const concierge = Concierge.sandbox(seed)
  const sandbox = concierge.sandboxControls
  const admin = Admin.fullAccess('Front desk')
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
        residents: await concierge.listResidents(admin),
        sent: sandbox.sentEmails(),
        sendCalls: sandbox.calls('send'),
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
  for (const [key, value] of Object.entries(fields)) {
    assert.deepEqual(error[key], value, `err.${key}`)
  }
  return error
}

/** Calls `fn`, expecting it to throw a Concierge error of `code` synchronously; returns it. */
export function throwsWith(fn, code, fields = {}) {
  let error
  assert.throws(fn, (e) => {
    error = e
    return true
  })
  assert.ok(error instanceof Error)
  assert.equal(error.code, code, error.message)
  for (const [key, value] of Object.entries(fields)) {
    assert.deepEqual(error[key], value, `err.${key}`)
  }
  return error
}
