// A typical program against index.d.ts; __test__/types.test.mjs type-checks it with tsc --strict.
import {
  Admin,
  BuildiumConfig,
  Concierge,
  SaltoConfig,
  SmtpConfig,
  type BuildiumConfigJson,
  type SaltoConfigJson,
  type AccountStatus,
  type ConciergeErrorFields,
  type DispatchReport,
  type Encoder,
  type KeyHolderKind,
  type KeyPreview,
  type KeyState,
  type OutboxEntry,
  type PmsProperty,
  type PmsResidentRecord,
  type ProviderErrorKind,
  type Resident,
  type SmartKey,
  type SpareHolder,
  type SyncCounts,
  type SyncError,
  type SyncErrorKind,
  type SyncMode,
  type SyncReport,
  type SyncRun,
} from '../index.js'

async function main(): Promise<void> {
  const concierge = Concierge.sandbox(7)
  const owner = Admin.fullAccess('Owner')
  const desk = new Admin('Desk', { residence: 'full', integrations: 'read' })

  const property = await concierge.registerProperty(owner, 'Harbour View', 'harbour-view', {
    syncIntervalSeconds: 3600,
    amenities: [{ name: 'Pool' }],
  })
  await concierge.updatePropertySettings(owner, property.id, property.settings)
  const tower = await concierge.registerBuilding(desk, property.id, 'Tower A')
  const unit = await concierge.registerUnit(desk, tower.id, '1204', { floor: '12' })
  const ada: Resident = await concierge.moveIn(desk, unit.id, 'Ada', 'Lovelace', {
    email: 'ada@example.org',
    role: 'primary',
    moveIn: '2026-01-05',
    sendMobileActivation: true,
  })
  const status: AccountStatus = await concierge.accountStatus(desk, ada.id)
  const expires: Date | null = ada.activationExpiresAt
  const residents: Resident[] = await concierge.listResidents(desk, { status: 'pending_activation' })

  const controls = concierge.sandboxControls
  if (controls !== null) {
    controls.failNext('send', 'unavailable')
    controls.advance({ days: 8 })
    const now: Date = controls.now()
    const calls: number = controls.calls('send')
    const token: string | null = controls.lastActivationToken('ada@example.org')
    console.log(now, calls, token, controls.sentEmails()[0]?.subject)
  }

  const report: DispatchReport = await concierge.dispatchOutbox()
  const parked: OutboxEntry[] = await concierge.listOutbox(owner, 'parked')
  const lastError: string | null = parked[0]?.lastError ?? null

  try {
    await concierge.activate('not-a-token', true)
  } catch (e) {
    const err = e as Error & ConciergeErrorFields
    if (err.code === 'TOKEN_REJECTED') console.log(err.reason)
    if (err.code === 'VALIDATION') console.log(err.issues?.map((i) => i.field))
  }

  const smtp = new SmtpConfig('smtp.example.org', 587, { username: 'desk', password: 'secret', tls: 'starttls' })
  const production = new Concierge({ smtp, activationValidityDays: 7 })
  console.log(status, expires, residents.length, report.delivered, lastError, production.sandboxControls)
}

async function durable(): Promise<void> {
  const smtp = new SmtpConfig('smtp.example.org', 587)
  const onFile: Concierge = await Concierge.open('concierge.db', { smtp, activationValidityDays: 7 })
  const shared: Concierge = await Concierge.connect('postgres://concierge@db.example.org/concierge', { smtp })
  const sandbox: Concierge = await Concierge.openSandbox('sandbox.db', 7)
  const closed: void = await sandbox.close()
  try {
    await Concierge.openSandbox('damaged.db')
  } catch (e) {
    const err = e as Error & ConciergeErrorFields
    if (err.code === 'STORE') {
      const retryable: boolean | undefined = err.retryable
      const location: string | undefined = err.location
      const found: number | null | undefined = err.found
      const supported: number | undefined = err.supported
      console.log(retryable, location, found, supported)
    }
    if (err.code === 'CLOSED') console.log(err.message)
  }
  await onFile.close()
  await shared.close()
  console.log(closed)
}

async function pmsSync(): Promise<void> {
  const concierge = Concierge.sandbox(21)
  const owner = Admin.fullAccess('Owner')
  const [pms]: PmsProperty[] = await concierge.listPmsProperties(owner)
  const registered = await concierge.registerProperty(owner, pms.name, 'synced', { futureResidentSync: true })
  const property = await concierge.linkPmsProperty(owner, registered.id, pms.externalRef.id)
  const mode: SyncMode = 'incremental'
  const report: SyncReport = await concierge.syncNow(owner, property.id, { mode })
  const joined: boolean = report.joined
  const counts: SyncCounts = report.run.counts
  const finished: Date | null = report.run.finishedAt
  const last: SyncRun | null = await concierge.lastSync(owner, property.id)
  const aborted: string | null = last?.aborted ?? null
  const errors: SyncError[] = await concierge.syncErrors(owner, property.id)
  const kind: SyncErrorKind | undefined = errors[0]?.kind
  const ref: string | null = errors[0]?.externalRef?.id ?? null
  const due: SyncReport[] = await concierge.runDueSyncs()

  const [unit] = await concierge.listUnits(owner, property.id)
  const spare: SpareHolder = await concierge.addSpareHolder(owner, unit.id, 'Spare: cleaner')
  const spares: SpareHolder[] = await concierge.listSpareHolders(owner, unit.id)
  const [resident] = await concierge.listResidents(owner, { propertyId: property.id, source: 'pms' })
  const out: Resident = await concierge.moveOut(owner, resident.id, { on: '2026-02-01' })

  const controls = concierge.sandboxControls
  if (controls !== null) {
    const pmsResidents: PmsResidentRecord[] = controls.pmsResidents(controls.pmsProperties()[0].externalRef.id)
    const moveIn: string | null = pmsResidents[0].moveIn
    const found: boolean = controls.pmsUpdateResident(pmsResidents[0].externalId, { firstName: ' ', moveOut: '2026-03-01' })
    controls.pmsRemoveResident(pmsResidents[1].externalId)
    controls.pmsAddUnreadable(pms.externalRef.id, 'not JSON')
    controls.setLatency('list_residents', 150)
    console.log(moveIn, found)
  }
  console.log(joined, counts.movedOut, finished, aborted, kind, ref, due.length, spare.label, spares, out.moveOut)
}

async function buildium(): Promise<void> {
  const smtp = new SmtpConfig('smtp.example.org', 587)
  const config = new BuildiumConfig('client-id', 'client-secret', {
    baseUrl: 'https://apisandbox.buildium.com',
    pageSize: 500,
    rateLimitPerSec: null,
    timeoutSeconds: 10,
  })
  const defaults = new BuildiumConfig('client-id', 'client-secret')
  const shown: BuildiumConfigJson = config.toJSON()
  const hasSecret: boolean = shown.hasClientSecret
  const rate: number | null = config.rateLimitPerSec
  const inMemory = new Concierge({ smtp, buildium: config })
  const onFile: Concierge = await Concierge.open('concierge.db', { smtp, buildium: defaults })
  const shared: Concierge = await Concierge.connect('postgres://concierge@db.example.org/concierge', {
    smtp,
    buildium: config,
    activationValidityDays: 7,
  })
  const owner = Admin.fullAccess('Owner')
  try {
    const [pms]: PmsProperty[] = await inMemory.listPmsProperties(owner)
    console.log(pms.externalRef.provider)
  } catch (e) {
    const err = e as Error & ConciergeErrorFields
    if (err.code === 'PROVIDER') console.log(err.provider, err.operation, err.kind, err.retryable, err.requestId)
  }
  console.log(hasSecret, rate, config.clientId, config.baseUrl, config.pageSize, config.timeoutSeconds)
  await onFile.close()
  await shared.close()
}

async function salto(): Promise<void> {
  const smtp = new SmtpConfig('smtp.example.org', 587)
  const config = new SaltoConfig('inst-1', 'client-id', 'client-secret', {
    baseUrl: 'https://nebula.saltoapis.com/v1',
    tokenUrl: 'https://account.saltosystems.com/oauth2/token',
    timeoutSeconds: 10,
  })
  const defaults = new SaltoConfig('inst-1', 'client-id', 'client-secret')
  const shown: SaltoConfigJson = config.toJSON()
  const hasSecret: boolean = shown.hasClientSecret
  const inMemory = new Concierge({ smtp, salto: config, buildium: new BuildiumConfig('id', 'secret') })
  const onFile: Concierge = await Concierge.open('concierge.db', { smtp, salto: defaults })
  const shared: Concierge = await Concierge.connect('postgres://concierge@db.example.org/concierge', {
    smtp,
    salto: config,
  })
  try {
    const encoders: Encoder[] = await inMemory.listEncoders(Admin.fullAccess('Owner'))
    console.log(encoders.length)
  } catch (e) {
    const err = e as Error & ConciergeErrorFields
    if (err.code === 'PROVIDER') console.log(err.provider, err.retryable)
  }
  console.log(hasSecret, config.installation, config.clientId, config.baseUrl, config.tokenUrl, config.timeoutSeconds)
  await onFile.close()
  await shared.close()
}

async function keys(): Promise<void> {
  const concierge = Concierge.sandbox(5, { keyWriteDeadlineSeconds: 0.2 })
  const reopened: Concierge = await Concierge.openSandbox('sandbox.db', 5, { keyWriteDeadlineSeconds: 90 })
  const owner = Admin.fullAccess('Owner')
  const property = await concierge.registerProperty(owner, 'Keys', 'keys')
  const tower = await concierge.registerBuilding(owner, property.id, 'A')
  const unit = await concierge.registerUnit(owner, tower.id, '101')
  const ada = await concierge.moveIn(owner, unit.id, 'Ada', 'Key')
  const spare: SpareHolder = await concierge.addSpareHolder(owner, unit.id, 'Spare: cleaner')

  const encoders: Encoder[] = await concierge.listEncoders(owner)
  const ready: boolean = encoders[0].online && encoders[0].initialized
  const preview: KeyPreview = await concierge.previewKey(owner, { residentId: ada.id, encoder: encoders[0].id })
  const replaces: string | null = preview.replaces
  const who: KeyHolderKind = preview.holderKind
  const key: SmartKey = await concierge.makeKey(owner, { residentId: ada.id, encoder: 'ncoder-1', replace: true })
  const state: KeyState = key.state
  const lockRef: string | null = key.externalRef?.id ?? null
  const created: Date = key.createdAt
  const spareKey: SmartKey = await concierge.makeKey(owner, { spareHolderId: spare.id, encoder: 'ncoder-1' })
  const cancelled: SmartKey = await concierge.cancelKey(owner, spareKey.id)
  const mine: SmartKey[] = await concierge.listKeys(owner, { residentId: ada.id, unitId: unit.id })
  const all: SmartKey[] = await concierge.listKeys(owner)
  const settled: number = await concierge.reconcileKeys()

  const controls = concierge.sandboxControls
  if (controls !== null) {
    const found: boolean = controls.encoderSetCardPresent('ncoder-1', false)
    controls.encoderSetOnline('NCoder Lobby', true)
    controls.encoderSetWriteTime(400)
    const written: number = controls.encoderKeysWritten()
    console.log(found, written)
  }
  try {
    await concierge.makeKey(owner, { residentId: ada.id, encoder: 'ncoder-1' })
  } catch (e) {
    const err = e as Error & ConciergeErrorFields
    const noCard: ProviderErrorKind = 'no_card'
    if (err.code === 'PROVIDER' && err.kind === noCard) console.log(err.retryable)
    if (err.code === 'CONFLICT') console.log(err.message)
  }
  console.log(ready, replaces, who, state, lockRef, created, cancelled.state, mine.length, all.length, settled)
  await reopened.close()
}

void main()
void durable()
void pmsSync()
void buildium()
void salto()
void keys()
