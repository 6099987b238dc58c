// The Node classes offer exactly the operations of the Rust facade's table (R-SDK-5):
// tests/fixtures/operations.json, the same list the Python and Rust tests check.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Concierge, SandboxControls, OPERATIONS } from './world.mjs'

const operations = JSON.parse(readFileSync(new URL('../../../tests/fixtures/operations.json', import.meta.url), 'utf8'))
const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
const LIFECYCLE = operations.lifecycle.map(camel)

/** The public methods a class defines itself and inherits from the runtime, in definition order. */
function methods(cls) {
  const names = []
  for (let proto = cls.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, name)
      if (typeof d.value !== 'function' || name === 'constructor' || name.startsWith('_')) continue
      if (LIFECYCLE.includes(name) || names.includes(name)) continue
      names.push(name)
    }
  }
  return names
}

// R-SDK-5
test('Concierge.prototype has one method per operation of the facade, and nothing else', () => {
  assert.deepEqual(methods(Concierge), operations.concierge.map(camel))
  assert.deepEqual(OPERATIONS.concierge, operations.concierge.map(camel))
})

// R-SDK-5
test('SandboxControls.prototype has one method per sandbox operation, and nothing else', () => {
  assert.deepEqual(methods(SandboxControls), operations.sandbox.map(camel))
  assert.deepEqual(OPERATIONS.sandbox, operations.sandbox.map(camel))
})

// R-SDK-5
test('the lifecycle is open (static), close and the sandboxControls getter', () => {
  assert.deepEqual(LIFECYCLE, ['open', 'close', 'sandboxControls'])
  assert.equal(typeof Concierge.open, 'function')
  assert.equal(typeof Concierge.prototype.close, 'function')
  const getter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Concierge.prototype), 'sandboxControls')
  assert.equal(typeof getter?.get, 'function')
})
