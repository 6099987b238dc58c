// Smart keys with the Node binding: preview a key, write it on the sandbox encoder, replace a
// lost card and see a typed encoder failure (R-KEY-1, R-KEY-2). Build the binding first (see
// bindings/node/README.md), then:
//   node examples/node/smart_keys.mjs
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)
// In an application: require('@concierge/sdk').
const { Concierge, Admin } = require('../../bindings/node/index.js')

export async function main() {
  // --8<-- [start:keys]
  // The sandbox encoder takes 3 s per key by default; 10 ms here.
  const concierge = await Concierge.open({ sandbox: { seed: 7, keyWriteTimeMs: 10 } })
  const sandbox = concierge.sandboxControls
  const admin = Admin.fullAccess('desk-1', 'Front desk')
  const property = await concierge.registerProperty(admin, 'Harbour View', 'harbour-view')
  const tower = await concierge.registerBuilding(admin, property.id, 'Tower A')
  const unit = await concierge.registerUnit(admin, tower.id, '1204', { floor: '12' })
  const ada = await concierge.moveIn(admin, unit.id, 'Ada', 'Lovelace')
  const holder = { kind: 'resident', id: ada.id }

  // Pick an encoder, show the admin what will be written, then write it.
  const [lobby] = (await concierge.listEncoders(admin)).filter((e) => e.online && e.initialized)
  const encoder = lobby.external.id
  const preview = await concierge.previewKey(admin, holder, encoder)
  console.log(`${preview.holderName}, unit ${preview.unit.number}, on ${preview.encoder.name}`)
  const key = await concierge.makeKey(admin, holder, encoder)
  console.log(key.state) // "active"

  // Ada lost her card: one live key per resident and unit, so replace it.
  const replacement = await concierge.makeKey(admin, holder, encoder, { replace: true })
  const keys = await concierge.listKeys(admin, { holder }).toArray()
  const old = keys.find((k) => k.id === key.id)
  console.log(old.state, replacement.state) // "replaced active"

  // No card on the encoder: a typed provider error, and no key.
  const grace = await concierge.moveIn(admin, unit.id, 'Grace', 'Hopper', { role: 'secondary' })
  await sandbox.setEncoder(encoder, { cardPresent: false })
  try {
    await concierge.makeKey(admin, { kind: 'resident', id: grace.id }, encoder)
  } catch (err) {
    if (err.code === 'PROVIDER') console.log(`refused: ${err.kind}`) // "refused: no_card"
    else throw err
  }
  // --8<-- [end:keys]
  return { concierge, admin, ada, replacement }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { concierge } = await main()
  await concierge.close()
}
