// A PMS adapter written in JavaScript against the Rust sandbox PMS serving the same residents
// (R-SDK-1): the time of a full sync of every property through each, and their ratio, which is
// what the binding costs. Both sync into a SQLite file of their own.
//
// Run: node bindings/node/benches/foreign_pms.mjs (after building the binding; BENCH_RESIDENTS
// sets the number of residents, default 10000, over 10 properties).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Concierge, Admin } = require('../index.js')

const RESIDENTS = Number(process.env.BENCH_RESIDENTS ?? 10000)
const PROPERTIES = 10
const PAGE = 1000

/** The sandbox's residents, served from memory a page of 1,000 at a time. */
class MemoryPms {
  name = 'sandbox-pms'
  calls = 0

  constructor(properties, residents) {
    this.properties = properties
    this.residents = residents
    this.units = new Map()
    for (const [id, rs] of residents) {
      const units = new Map(rs.map((r) => [r.unit.id, { external: r.unit, property: r.property, number: r.unit.id.split('-').pop() }]))
      this.units.set(id, [...units.values()])
    }
  }

  page(items, cursor) {
    this.calls += 1
    const start = Number(cursor ?? 0)
    const end = start + PAGE
    return { items: items.slice(start, end), next: end < items.length ? String(end) : null }
  }

  listProperties({ cursor }) {
    return this.page(this.properties, cursor)
  }

  listUnits({ properties: [p], cursor }) {
    return this.page(this.units.get(p.id), cursor)
  }

  listResidents({ properties: [p], cursor }) {
    return this.page(this.residents.get(p.id), cursor)
  }
}

/** Registers and links every PMS property, then times one sync of them all. */
async function syncAll(concierge, admin) {
  for (const listed of await concierge.listPmsProperties(admin)) {
    const property = await concierge.registerProperty(admin, listed.name, listed.external.id)
    await concierge.linkPmsProperty(admin, property.id, listed.external.id)
  }
  const started = performance.now()
  const reports = await concierge.syncAll(admin)
  const seconds = (performance.now() - started) / 1000
  const created = reports.reduce((n, r) => n + r.run.counts.created, 0)
  if (created !== RESIDENTS) throw new Error(`${created} of ${RESIDENTS} residents created`)
  return seconds
}

const admin = Admin.fullAccess('bench-1', 'bench')
const portfolio = { properties: PROPERTIES, unitsPerProperty: RESIDENTS / PROPERTIES, residentsPerUnit: 1, futureSharePercent: 0, pageSize: PAGE }
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concierge-bench-'))
try {
  const rust = await Concierge.open({ store: path.join(dir, 'rust.db'), sandbox: { portfolio } })
  const rustSeconds = await syncAll(rust, admin)
  const controls = rust.sandboxControls
  const properties = await controls.pmsProperties()
  const residents = new Map()
  for (const p of properties) residents.set(p.external.id, await controls.pmsResidents(p.external.id))
  await rust.close()

  const adapter = new MemoryPms(properties, residents)
  const js = await Concierge.open({ store: path.join(dir, 'node.db'), sandbox: {} }, { pms: adapter })
  const jsSeconds = await syncAll(js, admin)
  await js.close()

  console.log(`full sync of ${RESIDENTS} residents over ${PROPERTIES} properties, pages of ${PAGE}`)
  console.log(`  Rust sandbox PMS      ${rustSeconds.toFixed(2).padStart(8)} s`)
  console.log(`  JavaScript adapter    ${jsSeconds.toFixed(2).padStart(8)} s   ${(jsSeconds / rustSeconds).toFixed(2)}x the Rust adapter's time, ${adapter.calls} calls into JavaScript`)
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
