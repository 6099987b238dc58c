// The README's snippets come from examples/node/move_in_and_activate.mjs; this runs it.
import { test } from 'node:test'
import assert from 'node:assert/strict'

// R-STATUS-3, R-MOVE-2
test('the quick start example moves a resident in, activates her and shows a refused token', async (t) => {
  const logged = []
  t.mock.method(console, 'log', (...args) => logged.push(args.join(' ')))
  const { main } = await import('../../../examples/node/move_in_and_activate.mjs')
  const { concierge, admin, ada } = await main()
  assert.deepEqual(logged, ['live', 'refused: already_used'])
  assert.equal(await concierge.accountStatus(admin, ada.id), 'live')
})
