// Durable quick start of the Node binding: the state lives in a SQLite file and survives
// closing the handle and opening the file again (R-SDK-4). Build the binding first (see
// bindings/node/README.md), then:
//   node examples/node/durable.mjs [path/to/concierge.db]
// (without a path it uses a new file in a fresh temporary folder).
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const require = createRequire(import.meta.url)
// In an application: require('@concierge/sdk').
const { Concierge, Admin } = require('../../bindings/node/index.js')

export async function main(file) {
  // --8<-- [start:durable]
  const settings = { store: file, smtp: { host: 'smtp.example.org', port: 587 } }
  const admin = Admin.fullAccess('desk-1', 'Front desk')

  const concierge = await Concierge.open(settings)
  const property = await concierge.registerProperty(admin, 'Harbour View', 'harbour-view')
  const tower = await concierge.registerBuilding(admin, property.id, 'Tower A')
  const unit = await concierge.registerUnit(admin, tower.id, '1204', { floor: '12' })
  const ada = await concierge.moveIn(admin, unit.id, 'Ada', 'Lovelace', { email: 'ada@example.org' })
  await concierge.close() // later calls on this handle reject with code CLOSED

  // Later, or in another process: the same file, a new handle.
  const reopened = await Concierge.open(settings)
  for await (const r of reopened.listResidents(admin, { propertyId: property.id })) {
    console.log(r.firstName, r.status) // "Ada not_invited"
  }
  await reopened.close()
  // --8<-- [end:durable]
  return { property, ada }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file =
    process.argv[2] ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'concierge-')), 'concierge.db')
  await main(file)
  console.log(`state kept in ${file}`)
}
