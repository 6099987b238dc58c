// PMS sync with the Node binding: link a property to its PMS record, sync it, and watch the
// sandbox PMS's changes arrive (R-PMS-1, R-PMS-5). Build the binding first (see
// bindings/node/README.md), then:
//   node examples/node/pms_sync.mjs
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)
// In an application: require('@concierge/sdk').
const { Concierge, Admin } = require('../../bindings/node/index.js')

export async function main() {
  // --8<-- [start:sync]
  const concierge = await Concierge.open({ sandbox: { seed: 21 } })
  const admin = Admin.fullAccess('lead-1', 'Integrations lead')

  // Link one of our properties to its record in the PMS.
  const [pms] = await concierge.listPmsProperties(admin)
  const registered = await concierge.registerProperty(admin, pms.name, 'harbour-view', {
    settings: { futureResidentSync: true },
  })
  const property = await concierge.linkPmsProperty(admin, registered.id, pms.external.id)

  const { run } = await concierge.syncNow(admin, property.id)
  console.log(`created ${run.counts.created} of ${run.counts.seen}`) // "created 6 of 6"

  // The PMS renames one resident, drops another, and sends a record without a first name.
  const sandbox = concierge.sandboxControls
  const [renamed, dropped, blank] = await sandbox.pmsResidents(pms.external.id)
  await sandbox.pmsUpdateResident(renamed.external.id, { lastName: 'Okafor-Smith' })
  await sandbox.pmsRemoveResident(dropped.external.id)
  await sandbox.pmsUpdateResident(blank.external.id, { firstName: ' ' })

  const next = await concierge.syncNow(admin, property.id)
  const { updated, movedOut, failed } = next.run.counts
  console.log(`updated ${updated}, moved out ${movedOut}, failed ${failed}`) // "updated 1, moved out 1, failed 1"
  for await (const e of concierge.syncErrors(admin, property.id)) {
    console.log(e.kind, e.external.id) // "invalid_name pms-res-1-3-1"
  }
  // --8<-- [end:sync]
  return { concierge, admin, property }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { concierge } = await main()
  await concierge.close()
}
