// A PMS adapter of one's own, written in JavaScript (R-SDK-1): residents kept in a CSV file (here
// inline), served to the engine page by page. The provider conformance kit checks it, then a
// sync moves its residents in. Build the binding first (see bindings/node/README.md), then:
//   node examples/node/csv_pms_adapter.mjs
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)
// In an application: require('@concierge/sdk').
const { Concierge, Admin, providerError } = require('../../bindings/node/index.js')

const CSV = `property,unit,resident,first_name,last_name,email,move_in
harbour,101,r-1,Ada,Lovelace,ada@example.org,2026-01-04
harbour,102,r-2,Grace,Hopper,grace@example.org,2026-01-04
harbour,103,r-3,,Turing,alan@example.org,2026-01-04
`

// --8<-- [start:adapter]
/** A PMS over CSV rows: one property per distinct `property`, one unit per `unit`. */
class CsvPms {
  name = 'csv-pms'

  constructor(text, pageSize = 2) {
    const [header, ...lines] = text.trim().split('\n')
    const keys = header.split(',')
    this.rows = lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [keys[i], v])))
    this.pageSize = pageSize
  }

  ref(id) {
    return { provider: this.name, id }
  }

  /** One page of `items` from `cursor` (an offset this adapter issued; anything else is refused). */
  page(items, cursor) {
    if (cursor !== null && !/^\d+$/.test(cursor)) {
      throw providerError('rejected', 'the cursor is not one this adapter issued')
    }
    const start = Number(cursor ?? 0)
    const end = start + this.pageSize
    return { items: items.slice(start, end), next: end < items.length ? String(end) : null }
  }

  listProperties({ cursor }) {
    const ids = [...new Set(this.rows.map((r) => r.property))]
    return this.page(ids.map((id) => ({ external: this.ref(id), name: id })), cursor)
  }

  listUnits({ properties, cursor }) {
    const wanted = new Set(properties.map((p) => p.id))
    const units = [...new Map(this.rows.filter((r) => wanted.has(r.property)).map((r) => [r.unit, r])).values()]
    return this.page(
      units.map((r) => ({ external: this.ref(r.unit), property: this.ref(r.property), number: r.unit })),
      cursor,
    )
  }

  async listResidents({ properties, cursor }) {
    const wanted = new Set(properties.map((p) => p.id))
    const residents = this.rows
      .filter((r) => wanted.has(r.property))
      .map((r) => ({
        external: this.ref(r.resident),
        property: this.ref(r.property),
        unit: this.ref(r.unit),
        firstName: r.first_name,
        lastName: r.last_name,
        email: r.email,
        role: 'primary',
        moveIn: r.move_in,
      }))
    return this.page(residents, cursor)
  }
}
// --8<-- [end:adapter]

export async function main() {
  // --8<-- [start:use]
  const concierge = await Concierge.open({ sandbox: {} }, { pms: new CsvPms(CSV) })
  const admin = Admin.fullAccess('lead-1', 'Integrations lead')

  const report = await concierge.checkPmsAdapter(admin)
  console.log(`kit: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`)

  const [listed] = await concierge.listPmsProperties(admin)
  const property = await concierge.registerProperty(admin, 'Harbour View', 'harbour-view')
  await concierge.linkPmsProperty(admin, property.id, listed.external.id)
  const { run } = await concierge.syncNow(admin, property.id)
  console.log(`created ${run.counts.created}, failed ${run.counts.failed}`)
  for (const error of run.errors) console.log(`${error.kind} ${error.external.id}`)
  // --8<-- [end:use]
  return { concierge, admin, report }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { concierge } = await main()
  await concierge.close()
}
