// Smart keys with the Node binding: preview a key, write it on an encoder, replace a lost card
// and see a typed encoder failure (R-KEY-1, R-KEY-2). Build the binding first (`npm run build`
// in bindings/node), then:
//   node examples/node/smart_keys.mjs
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)
// In an application: require('@concierge/sdk').
const { Concierge, Admin } = require('../../bindings/node/index.js')

export async function main() {
  // --8<-- [start:keys]
  const concierge = Concierge.sandbox(7)
  const sandbox = concierge.sandboxControls
  sandbox.encoderSetWriteTime(10) // the sandbox encoder takes 3 s per key by default
  const admin = Admin.fullAccess('Front desk')
  const property = await concierge.registerProperty(admin, 'Harbour View', 'harbour-view')
  const tower = await concierge.registerBuilding(admin, property.id, 'Tower A')
  const unit = await concierge.registerUnit(admin, tower.id, '1204', { floor: '12' })
  const ada = await concierge.moveIn(admin, unit.id, 'Ada', 'Lovelace')

  // Pick an encoder, show the admin what will be written, then write it.
  const [lobby] = (await concierge.listEncoders(admin)).filter((e) => e.online && e.initialized)
  const preview = await concierge.previewKey(admin, { residentId: ada.id, encoder: lobby.id })
  console.log(`${preview.holderName}, unit ${preview.unit.number}, on ${preview.encoder.name}`)
  const key = await concierge.makeKey(admin, { residentId: ada.id, encoder: lobby.id })
  console.log(key.state) // "active"

  // Ada lost her card: one live key per resident and unit, so replace it.
  const replacement = await concierge.makeKey(admin, { residentId: ada.id, encoder: lobby.id, replace: true })
  const keys = await concierge.listKeys(admin, { residentId: ada.id })
  const old = keys.find((k) => k.id === key.id)
  console.log(old.state, replacement.state) // "replaced active"

  // No card on the encoder: a typed provider error, and no key.
  const grace = await concierge.moveIn(admin, unit.id, 'Grace', 'Hopper', { role: 'secondary' })
  sandbox.encoderSetCardPresent(lobby.id, false)
  try {
    await concierge.makeKey(admin, { residentId: grace.id, encoder: lobby.id })
  } catch (err) {
    if (err.code === 'PROVIDER') console.log(`refused: ${err.kind}`) // "refused: no_card"
    else throw err
  }
  // --8<-- [end:keys]
  return { concierge, admin, ada, replacement }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
