// Bad inputs are refused the same way in every language (R-SDK-5): the shared table
// tests/fixtures/bad_inputs.json, each case a VALIDATION error naming the field (snake_case).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Admin, Concierge, SandboxControls } from './world.mjs'

const cases = JSON.parse(readFileSync(new URL('../../../tests/fixtures/bad_inputs.json', import.meta.url), 'utf8'))
const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

/** A value with every object key in camelCase, as a Node caller writes it. */
function camelKeys(value) {
  if (Array.isArray(value)) return value.map(camelKeys)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), camelKeys(v)]))
  }
  return value
}

/** The parameter names of a generated method, e.g. ['admin', 'unitId', ..., 'options']. */
function parameters(fn) {
  const source = fn.toString()
  return source.slice(source.indexOf('(') + 1, source.indexOf(')')).split(',').map((p) => p.trim()).filter(Boolean)
}

/** Calls `op` as a Node program would: the admin first when it acts for one, positional values in order, then the options. */
function call(concierge, op, positional, options) {
  const sandboxOp = op.startsWith('sandbox.')
  const target = sandboxOp ? concierge.sandboxControls : concierge
  const name = camel(sandboxOp ? op.slice('sandbox.'.length) : op)
  const method = (sandboxOp ? SandboxControls : Concierge).prototype[name]
  assert.equal(typeof method, 'function', `${name} is a method`)
  const args = parameters(method).map((p) => {
    if (p === 'admin') return Admin.fullAccess('desk-1', 'Front desk')
    if (p === 'options') return camelKeys(options)
    const key = Object.keys(positional).find((k) => camel(k) === p)
    assert.ok(key !== undefined, `${op}: positional ${p} is in the case`)
    return camelKeys(positional[key])
  })
  assert.deepEqual(
    parameters(method).filter((p) => p !== 'admin' && p !== 'options'),
    Object.keys(positional).map(camel),
    `${op}: the case's positional values are in the method's order`,
  )
  return target[name](...args)
}

const rejection = async (promise) => {
  try {
    await promise
  } catch (err) {
    return err
  }
  assert.fail('resolved; expected a rejection')
}

test('the table has cases of operations and of settings', () => {
  assert.ok(cases.some((c) => c.op))
  assert.ok(cases.some((c) => c.open))
})

for (const c of cases) {
  // R-SDK-5
  test(`bad input: ${c.name}`, async (t) => {
    let err
    if (c.open) {
      err = await rejection(Concierge.open(camelKeys(c.open)))
    } else {
      const concierge = await Concierge.open({ sandbox: { seed: 7 } })
      t.after(() => concierge.close())
      let result = call(concierge, c.op, c.positional ?? {}, c.options ?? {})
      if (typeof result?.toArray === 'function') result = result.toArray()
      err = await rejection(result)
    }
    assert.ok(err instanceof Error, String(err))
    assert.equal(err.code, c.code, err.message)
    assert.equal(err.issues[0].field, c.field, err.message)
    assert.equal(err.retryable, false)
  })
}
