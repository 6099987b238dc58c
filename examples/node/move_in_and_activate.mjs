// Quick start of the Node binding: a sandbox, one resident, the activation email, a live
// account. Build the binding first (see bindings/node/README.md), then:
//   node examples/node/move_in_and_activate.mjs
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)
// In an application: require('@concierge/sdk').
const { Concierge, Admin } = require('../../bindings/node/index.js')

export async function main() {
  // --8<-- [start:quickstart]
  const concierge = await Concierge.open({ sandbox: { seed: 7 } })
  const admin = Admin.fullAccess('desk-1', 'Front desk') // your staff member's id and name
  const property = await concierge.registerProperty(admin, 'Harbour View', 'harbour-view')
  const tower = await concierge.registerBuilding(admin, property.id, 'Tower A')
  const unit = await concierge.registerUnit(admin, tower.id, '1204', { floor: '12' })
  const ada = await concierge.moveIn(admin, unit.id, 'Ada', 'Lovelace', {
    email: 'ada@example.org',
    sendMobileActivation: true,
  })
  const token = await concierge.sandboxControls.lastActivationToken('ada@example.org')
  await concierge.activate(token, { acceptTerms: true, password: 'correct horse battery staple' })
  console.log(await concierge.accountStatus(admin, ada.id)) // "live"
  // --8<-- [end:quickstart]

  // --8<-- [start:errors]
  try {
    await concierge.activate(token, { acceptTerms: true, password: 'correct horse battery staple' })
  } catch (err) {
    if (err.code === 'TOKEN_REJECTED') console.log(`refused: ${err.reason}`) // "refused: already_used"
    else throw err
  }
  // --8<-- [end:errors]
  return { concierge, admin, ada }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { concierge } = await main()
  await concierge.close()
}
