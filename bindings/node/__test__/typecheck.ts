// A typical program against the public types (index.d.ts); __test__/types.test.mjs runs
// `tsc -p tsconfig.json` (strict, noEmit) on it. The `@ts-expect-error` lines prove that
// mistakes a caller can make are type errors: if one stops being an error, tsc fails.
import {
  Admin,
  Concierge,
  Paginator,
  type AccountStatus,
  type ConciergeError,
  type DispatchReport,
  type KeyPreview,
  type OutboxEntry,
  type Page,
  type Resident,
  type Settings,
  type SmartKey,
  type SyncReport,
} from '../index.js'

declare function log(...values: unknown[]): void

/** Narrows an unknown rejection to a Concierge error. */
function isConciergeError(e: unknown): e is ConciergeError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string'
}

export async function main(): Promise<void> {
  const settings: Settings = { sandbox: { seed: 7 }, keyWriteDeadlineSeconds: 90 }
  const concierge: Concierge = await Concierge.open(settings)
  const owner: Admin = Admin.fullAccess('owner-1', 'Owner')
  const desk = Admin.of('desk-1', 'Front desk', { residence: 'full', integrations: 'read' })

  const property = await concierge.registerProperty(owner, 'Harbour View', 'harbour-view', {
    settings: { syncInterval: 3600, amenities: [{ id: 'amen_pool', name: 'Pool' }] },
  })
  const tower = await concierge.registerBuilding(owner, property.id, 'Tower A')
  const unit = await concierge.registerUnit(owner, tower.id, '1204', { floor: '12' })
  const ada: Resident = await concierge.moveIn(desk, unit.id, 'Ada', 'Lovelace', {
    email: 'ada@example.org',
    role: 'primary',
    moveIn: '2026-01-05',
    sendMobileActivation: true,
  })
  const expires: Date | null = ada.activationExpiresAt
  const movedIn: string | null = ada.moveIn

  const controls = concierge.sandboxControls
  if (controls !== null) {
    const token: string | null = await controls.lastActivationToken('ada@example.org')
    if (token !== null) {
      const live: Resident = await concierge.activate(token, { acceptTerms: true, password: 'correct horse battery staple' })
      log(live.status === 'live', live.activatedAt?.toISOString())
    }
    await controls.failNext('send', 'unavailable')
    const now: Date = await controls.advance({ days: 8 })
    const calls: number = await controls.calls('send')
    const written: boolean = await controls.setEncoder('ncoder-1', { cardPresent: true, online: true })
    log(now, calls, written, (await controls.sentEmails())[0]?.subject)
  }
  const status: AccountStatus = await concierge.accountStatus(desk, ada.id)

  // Listings: every item with for await, or page by page.
  const residents: Paginator<Resident> = concierge.listResidents(desk, { status: 'pending_activation', limit: 50 })
  for await (const r of residents) log(r.firstName, r.status)
  for await (const page of concierge.listOutbox(owner, 'parked').pages()) {
    const p: Page<OutboxEntry> = page
    log(p.items.length, p.nextCursor)
  }
  const keys: SmartKey[] = await concierge.listKeys(owner, { holder: { kind: 'resident', id: ada.id } }).toArray()
  const preview: KeyPreview = await concierge.previewKey(owner, { kind: 'resident', id: ada.id }, 'ncoder-1')
  const report: DispatchReport = await concierge.dispatchOutbox()
  const due: SyncReport[] = await concierge.runDueSyncs()

  // Errors: narrowed by `code`, each code with its own fields.
  try {
    await concierge.activate('not-a-token', { acceptTerms: true, password: 'correct horse battery staple' })
  } catch (e) {
    if (!isConciergeError(e)) throw e
    switch (e.code) {
      case 'TOKEN_REJECTED':
        log(e.reason, e.retryable)
        break
      case 'VALIDATION':
        log(e.issues.map((i) => `${i.field}: ${i.message}`))
        break
      case 'PERMISSION_DENIED':
        log(e.adminName, e.permission, e.required, e.held)
        break
      case 'INVALID_TRANSITION':
        log(e.fromStatus, e.action)
        break
      case 'NOT_FOUND':
        log(e.entity, e.id)
        break
      case 'PROVIDER':
        log(e.provider, e.operation, e.kind, e.requestId)
        break
      case 'STORE':
        log(e.location, e.found, e.supported)
        break
      default:
        log(e.code, e.message)
    }
  }

  // Mistakes that must not type-check.
  // @ts-expect-error: acceptTerms is an option, not a positional boolean
  await concierge.activate('token', true)
  // @ts-expect-error: `unit` is not an option of moveIn
  await concierge.moveIn(desk, unit.id, 'Grace', 'Hopper', { unit: unit.id })
  // @ts-expect-error: 'landlord' is not an OccupancyRole
  await concierge.moveIn(desk, unit.id, 'Grace', 'Hopper', { role: 'landlord' })
  // @ts-expect-error: 'active' is not an AccountStatus
  concierge.listResidents(desk, { status: 'active' })
  // @ts-expect-error: an unknown setting
  await Concierge.open({ sandbox: { seed: 7 }, smtpHost: 'mail.example.org' })

  log(status, expires, movedIn, keys.length, preview.holderName, report.delivered, due.length)
  await concierge.close()
}
