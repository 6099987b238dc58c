// Strata import (R-STRATA-1..7, R-PERM-1..2) on the sandbox strata system, the scenarios of
// crates/concierge/tests/strata.rs: link a building, import a selection or one, Go Live with
// its preview and plan, the nightly sync with automatic import, bulk invitation, typed errors.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import util from 'node:util'
import { Admin, Concierge, rejectsWith, fieldsOf, shown, closedPort } from './world.mjs'

const BUILDING = 'strata-bldg-1'
const ALL_TYPES = ['owner_occupier', 'tenant', 'owner_investor', 'committee']
// The property's own subject, so the welcome email is seen to use the property's settings.
const SUBJECT = '{{ first_name }}, welcome to {{ property_name }}'

/** A sandbox (seed 7) with "Harbour View" registered with its own welcome subject. */
async function strataWorld() {
  const concierge = await Concierge.open({ sandbox: { seed: 7 } })
  const sandbox = concierge.sandboxControls
  const admin = Admin.fullAccess('desk-1', 'Front desk')
  const property = await concierge.registerProperty(admin, 'Harbour View', 'harbour-view', {
    settings: { invitationEmail: { subject: SUBJECT } },
  })
  const w = {
    concierge,
    sandbox,
    admin,
    property,
    link: (building = BUILDING) => concierge.linkStrataBuilding(admin, property.id, building),
    members: (roll, state) => concierge.listStrataUsers(admin, roll.id, { state }).toArray(),
    reload: (roll) => concierge.getStrataBuilding(admin, roll.id),
    residents: () => concierge.listResidents(admin, { propertyId: property.id, source: 'strata' }).toArray(),
    async emailsTo(address) {
      return (await sandbox.sentEmails()).filter((m) => m.to === address).map((m) => m.subject)
    },
    preview: (roll, types) => concierge.previewGoLive(admin, [roll.id], types),
    async goLive(roll, types) {
      const preview = await w.preview(roll, types)
      return concierge.confirmGoLive(admin, [roll.id], types, preview.plan)
    },
    /** What a refused or read-only call must leave unchanged. */
    async state() {
      return {
        residents: (await concierge.listResidents(admin).toArray()).map((r) => [r.id, r.status]),
        rolls: (await concierge.listStrataBuildings(admin)).map((r) => [r.id, r.pending, r.imported, r.autoImport]),
        sent: (await sandbox.sentEmails()).length,
        sendCalls: await sandbox.calls('send'),
      }
    },
  }
  return w
}

// R-STRATA-2
test('the strata provider shares the sandbox buildings', async () => {
  const w = await strataWorld()
  const buildings = await w.concierge.strataProviderBuildings(w.admin)
  assert.deepEqual(buildings, await w.sandbox.strataBuildings())
  assert.deepEqual(buildings.map((b) => b.external.id), ['strata-bldg-1', 'strata-bldg-2', 'strata-bldg-3'])
  assert.ok(buildings.every((b) => b.status === 'active'))
  for (const b of buildings) assert.ok((await w.sandbox.strataUsers(b.external.id)).length >= 8)
})

// R-STRATA-2
test('a linked building lists the sandbox users of the building as pending import', async () => {
  const w = await strataWorld()
  const listed = await w.sandbox.strataUsers(BUILDING)
  const provider = (await w.concierge.strataProviderBuildings(w.admin)).find((b) => b.external.id === BUILDING)

  const roll = await w.link()

  assert.equal(roll.propertyId, w.property.id)
  assert.deepEqual(roll.external, provider.external)
  assert.deepEqual([roll.name, roll.planNumber], [provider.name, provider.planNumber])
  assert.deepEqual([roll.status, roll.autoImport, roll.pending, roll.imported], ['active', false, listed.length, 0])
  assert.ok(roll.createdAt instanceof Date)
  const pending = await w.members(roll)
  assert.deepEqual(pending, await w.members(roll, 'pending'))
  assert.deepEqual(pending.map((m) => m.user.external.id).sort(), listed.map((u) => u.external.id).sort())
  assert.deepEqual(
    pending.map((m) => `${m.user.displayName} ${m.user.email}`).sort(),
    listed.map((u) => `${u.displayName} ${u.email}`).sort(),
  )
  for (const m of pending) {
    assert.deepEqual(
      [m.state, m.rollId, m.propertyId, m.residentId, m.listed, m.problem],
      ['pending', roll.id, w.property.id, null, true, null],
    )
  }
  assert.deepEqual(await w.members(roll, 'imported'), [])
  // Page by page: the same users, three at a time.
  const pages = []
  for await (const page of w.concierge.listStrataUsers(w.admin, roll.id, { limit: 3 }).pages()) pages.push(page)
  assert.ok(pages.length > 1)
  assert.ok(pages.slice(0, -1).every((p) => p.items.length === 3))
  assert.deepEqual(pages.flatMap((p) => p.items.map((m) => m.id)), pending.map((m) => m.id))
  // Nothing imported, nothing sent; the roll is listed with its counts.
  assert.deepEqual(await w.residents(), [])
  assert.deepEqual(await w.sandbox.sentEmails(), [])
  assert.deepEqual(await w.concierge.listStrataBuildings(w.admin), [roll])
  assert.deepEqual(await w.concierge.listStrataBuildings(w.admin, { propertyId: w.property.id }), [roll])
  assert.deepEqual(await w.reload(roll), roll)
  await rejectsWith(w.link(), 'CONFLICT', { conflict: 'already_exists', existingId: roll.id })
})

// R-STRATA-2
test('a selection of two, then one from the row, and a retry: imported once, no email twice', async () => {
  const w = await strataWorld()
  const roll = await w.link()
  const pending = await w.members(roll)
  const chosen = [pending[0].id, pending[1].id]

  const report = await w.concierge.importStrataUsers(w.admin, roll.id, chosen)

  assert.equal(report.residents.length, 2)
  assert.deepEqual([report.alreadyImported, report.failed, report.autoImportEnabled], [0, [], false])
  assert.deepEqual((await w.residents()).map((r) => r.id).sort(), [...report.residents].sort())
  const imported = await w.members(roll, 'imported')
  assert.deepEqual(imported.map((m) => m.id).sort(), [...chosen].sort(), 'the Imported tab shows exactly the selection')
  assert.deepEqual(imported.map((m) => m.residentId).sort(), [...report.residents].sort())
  assert.ok(imported.every((m) => m.importedAt instanceof Date))
  const after = await w.reload(roll)
  assert.deepEqual([after.pending, after.imported], [roll.pending - 2, 2])
  assert.equal((await w.sandbox.sentEmails()).length, 2)

  // One user from the row, then the same call retried.
  const first = await w.concierge.importStrataUsers(w.admin, roll.id, [pending[2].id])
  const again = await w.concierge.importStrataUsers(w.admin, roll.id, [pending[2].id])
  const selectionAgain = await w.concierge.importStrataUsers(w.admin, roll.id, chosen)

  assert.deepEqual([first.residents.length, first.alreadyImported], [1, 0])
  assert.deepEqual([again.residents, again.alreadyImported, again.failed], [[], 1, []])
  assert.deepEqual([selectionAgain.residents, selectionAgain.alreadyImported], [[], 2])
  assert.equal((await w.residents()).length, 3)
  const sent = await w.sandbox.sentEmails()
  assert.equal(sent.length, 3, 'no email is sent twice')
  assert.deepEqual(sent.map((m) => m.to).sort(), pending.slice(0, 3).map((m) => m.user.email).sort())
})

// R-STRATA-2
test('an import naming an unknown user imports no one', async () => {
  const w = await strataWorld()
  const roll = await w.link()
  const [first] = await w.members(roll)
  const before = await w.state()
  await rejectsWith(w.concierge.importStrataUsers(w.admin, roll.id, [first.id, 'smem_nope']), 'NOT_FOUND', {
    entity: 'strata_member',
  })
  const empty = await rejectsWith(w.concierge.importStrataUsers(w.admin, roll.id, []), 'VALIDATION')
  assert.deepEqual(fieldsOf(empty), ['member_ids'])
  assert.deepEqual(await w.state(), before)
})

// R-STRATA-3
test('imported residents are Pending Activation with one welcome email each, of the property', async () => {
  const w = await strataWorld()
  const roll = await w.link()
  const chosen = (await w.members(roll)).slice(0, 3)

  const report = await w.concierge.importStrataUsers(w.admin, roll.id, chosen.map((m) => m.id))

  const residents = new Map((await w.residents()).map((r) => [r.id, r]))
  assert.deepEqual([...residents.keys()].sort(), [...report.residents].sort())
  for (const member of await w.members(roll, 'imported')) {
    const resident = residents.get(member.residentId)
    assert.deepEqual([resident.status, resident.source, resident.invitationsSent], ['pending_activation', 'strata', 1])
    assert.equal(await w.concierge.accountStatus(w.admin, resident.id), 'pending_activation')
    assert.deepEqual(resident.external, member.user.external)
    assert.equal(resident.email, member.user.email)
    assert.deepEqual([resident.firstName, resident.lastName], [member.user.firstName, member.user.lastName])
    assert.ok(resident.invitedAt instanceof Date && resident.activationExpiresAt instanceof Date)
    assert.deepEqual(await w.emailsTo(resident.email), [`${resident.firstName}, welcome to Harbour View`])
    assert.ok(await w.sandbox.lastActivationToken(resident.email))
  }
  assert.equal((await w.sandbox.sentEmails()).length, 3)
})

// R-STRATA-3
test('users without an email or sharing one are typed errors and stay pending', async () => {
  const w = await strataWorld()
  const [original] = await w.sandbox.strataUsers(BUILDING)
  const shared = original.email
  assert.ok(shared)
  assert.equal(
    await w.sandbox.strataAddUser(BUILDING, 'strata-user-noemail', 'Acme Investments Pty Ltd', ['1', '2'], ['owner_investor']),
    true,
  )
  assert.equal(
    await w.sandbox.strataAddUser(BUILDING, 'strata-user-shared', 'Sam Shared', ['2'], ['tenant'], { email: shared }),
    true,
  )

  const roll = await w.link()

  const errors = await w.concierge.strataErrors(w.admin, roll.id).toArray()
  assert.deepEqual(errors.map((e) => e.kind).sort(), ['duplicate_email', 'invalid_email'])
  const noEmail = errors.find((e) => e.kind === 'invalid_email')
  const duplicate = errors.find((e) => e.kind === 'duplicate_email')
  assert.equal(noEmail.external.id, 'strata-user-noemail')
  // The first holder of the address keeps it; the one who shares it is the error.
  assert.equal(duplicate.external.id, 'strata-user-shared')
  assert.deepEqual([noEmail.field, duplicate.field], ['email', 'email'])
  assert.ok(errors.every((e) => !e.message.includes(shared)), 'no personal data in an error')
  assert.deepEqual(roll.lastSync.errors, errors)
  // Both are listed pending, each with its problem; the company stays whole with two lots.
  const pending = new Map((await w.members(roll)).map((m) => [m.user.external.id, m]))
  const company = pending.get('strata-user-noemail')
  assert.equal(company.user.displayName, 'Acme Investments Pty Ltd')
  assert.equal(company.user.email, null)
  assert.deepEqual(company.user.lots.map((l) => l.lotNumber), ['1', '2'])
  assert.equal(company.problem.kind, 'invalid_email')
  const sharing = pending.get(duplicate.external.id)
  assert.deepEqual(sharing.problem, duplicate)
  assert.equal((await w.preview(roll, ALL_TYPES)).buildings[0].notImportable, 2)

  const report = await w.concierge.importStrataUsers(w.admin, roll.id, [company.id, sharing.id])

  assert.deepEqual(report.residents, [])
  assert.deepEqual(
    report.failed.map((f) => [f.memberId, f.error.kind]).sort(),
    [[company.id, 'invalid_email'], [sharing.id, 'duplicate_email']].sort(),
  )
  assert.deepEqual(await w.residents(), [])
  assert.deepEqual(await w.sandbox.sentEmails(), [])
  const still = (await w.members(roll)).map((m) => m.user.external.id)
  assert.ok(still.includes('strata-user-noemail') && still.includes(duplicate.external.id))
})

// R-STRATA-4
test('Go Live with tenant imports only the tenants', async () => {
  const w = await strataWorld()
  const roll = await w.link()
  const users = await w.sandbox.strataUsers(BUILDING)
  const tenants = users.filter((u) => u.userTypes.includes('tenant')).map((u) => u.external.id).sort()
  assert.ok(tenants.length > 0)

  const preview = await w.preview(roll, ['tenant'])
  assert.equal(preview.welcomeEmails, tenants.length)
  assert.deepEqual(preview.buildings, [
    {
      rollId: roll.id,
      name: roll.name,
      welcomeEmails: tenants.length,
      notImportable: 0,
      otherTypes: roll.pending - tenants.length,
    },
  ])
  const report = await w.concierge.confirmGoLive(w.admin, [roll.id], ['tenant'], preview.plan)
  await w.concierge.dispatchOutbox()

  assert.equal(report.welcomeEmails, tenants.length)
  assert.equal(report.buildings[0].rollId, roll.id)
  assert.equal(report.buildings[0].report.residents.length, tenants.length)
  const imported = await w.members(roll, 'imported')
  assert.deepEqual(imported.map((m) => m.user.external.id).sort(), tenants)
  assert.deepEqual((await w.residents()).map((r) => r.id).sort(), imported.map((m) => m.residentId).sort())
  assert.ok((await w.members(roll)).every((m) => !m.user.userTypes.includes('tenant')))
  assert.equal((await w.sandbox.sentEmails()).length, tenants.length)
  // Committee members are owners too: choosing Committee selects them whatever else they are.
  const committee = users.filter((u) => u.userTypes.includes('committee'))
  assert.ok(committee.length >= 1 && committee.length <= 2)
  assert.equal((await w.preview(roll, ['committee'])).welcomeEmails, committee.length)
})

// R-STRATA-4
test('property_manager and other cannot be chosen: VALIDATION on user_types[1]', async () => {
  const w = await strataWorld()
  const roll = await w.link()
  const { plan } = await w.preview(roll, ['tenant'])
  const before = await w.state()
  for (const refused of ['property_manager', 'other']) {
    const preview = await rejectsWith(w.concierge.previewGoLive(w.admin, [roll.id], ['tenant', refused]), 'VALIDATION')
    const confirm = await rejectsWith(
      w.concierge.confirmGoLive(w.admin, [roll.id], ['tenant', refused], plan),
      'VALIDATION',
    )
    for (const err of [preview, confirm]) {
      assert.deepEqual(fieldsOf(err), ['user_types[1]'])
      assert.match(err.issues[0].message, /can't be chosen/)
    }
  }
  const none = await rejectsWith(w.concierge.previewGoLive(w.admin, [roll.id], []), 'VALIDATION')
  assert.deepEqual(fieldsOf(none), ['user_types'])
  assert.deepEqual(await w.state(), before)
})

// R-STRATA-5
test('the preview changes nothing and the confirmation performs exactly the plan', async () => {
  const w = await strataWorld()
  const roll = await w.link()
  const before = await w.state()

  const preview = await w.preview(roll, ALL_TYPES)

  assert.equal(typeof preview.plan, 'string')
  assert.ok(preview.plan.length > 0)
  assert.equal(preview.welcomeEmails, roll.pending)
  assert.equal(preview.buildings[0].welcomeEmails, roll.pending)
  assert.deepEqual(await w.state(), before, 'a preview imports no one and sends nothing')
  assert.deepEqual(await w.residents(), [])
  assert.equal(await w.sandbox.calls('send'), 0)
  assert.equal((await w.reload(roll)).pending, roll.pending)

  const report = await w.concierge.confirmGoLive(w.admin, [roll.id], ALL_TYPES, preview.plan)
  const dispatched = await w.concierge.dispatchOutbox()

  assert.equal(report.welcomeEmails, preview.welcomeEmails)
  assert.equal(report.buildings.reduce((n, b) => n + b.report.residents.length, 0), preview.welcomeEmails)
  assert.equal(dispatched.delivered, preview.welcomeEmails)
  const residents = await w.residents()
  assert.equal(residents.length, preview.welcomeEmails)
  assert.ok(residents.every((r) => r.status === 'pending_activation'))
  assert.equal((await w.sandbox.sentEmails()).length, preview.welcomeEmails)
})

// R-STRATA-5
test('a roll changed since the preview refuses the confirmation with CONFLICT plan_changed', async () => {
  const w = await strataWorld()
  const roll = await w.link()
  const preview = await w.preview(roll, ALL_TYPES)
  assert.equal(
    await w.sandbox.strataAddUser(BUILDING, 'strata-user-late', 'Lee Late', ['3'], ['tenant'], { email: 'lee.late@example.net' }),
    true,
  )
  const sync = await w.concierge.syncStrataBuilding(w.admin, roll.id)
  assert.deepEqual([sync.rollId, sync.run.addedPending, sync.run.addedNotInvited], [roll.id, 1, 0])
  const before = await w.state()

  await rejectsWith(w.concierge.confirmGoLive(w.admin, [roll.id], ALL_TYPES, preview.plan), 'CONFLICT', {
    conflict: 'plan_changed',
  })

  assert.deepEqual(await w.state(), before, 'a refused confirmation does nothing')
  assert.deepEqual(await w.residents(), [])
  // Preview again: the confirmation performs what it showed, the newcomer included.
  const again = await w.preview(roll, ALL_TYPES)
  assert.notEqual(again.plan, preview.plan)
  assert.equal(again.welcomeEmails, preview.welcomeEmails + 1)
  const report = await w.concierge.confirmGoLive(w.admin, [roll.id], ALL_TYPES, again.plan)
  await w.concierge.dispatchOutbox()
  assert.equal(report.welcomeEmails, again.welcomeEmails)
  assert.equal((await w.residents()).length, again.welcomeEmails)
  assert.equal((await w.sandbox.sentEmails()).length, again.welcomeEmails)
  assert.equal((await w.emailsTo('lee.late@example.net')).length, 1)
})

// R-STRATA-6
test('after Go Live of every type, newcomers arrive nightly as Not Invited with no email', async () => {
  const w = await strataWorld()
  const roll = await w.link()
  assert.deepEqual([roll.autoImport, roll.autoImportSince], [false, null])

  const report = await w.goLive(roll, ALL_TYPES)
  await w.concierge.dispatchOutbox()

  assert.equal(report.buildings[0].report.autoImportEnabled, true)
  const after = await w.reload(roll)
  assert.deepEqual([after.autoImport, after.pending, after.imported], [true, 0, roll.pending])
  assert.ok(after.autoImportSince instanceof Date)
  const emails = (await w.sandbox.sentEmails()).length
  const sends = await w.sandbox.calls('send')
  assert.equal(
    await w.sandbox.strataAddUser(BUILDING, 'strata-user-new', 'Nia Newcomer', ['4'], ['owner_occupier'], { email: 'nia@example.net' }),
    true,
  )
  // Not due before a day has passed since the last sync.
  assert.deepEqual(await w.concierge.runDueStrataSyncs(), [])
  await w.sandbox.advance({ days: 1 })

  const [nightly, ...others] = await w.concierge.runDueStrataSyncs()

  assert.deepEqual(others, [])
  assert.deepEqual([nightly.rollId, nightly.run.addedNotInvited, nightly.run.addedPending], [roll.id, 1, 0])
  assert.deepEqual([nightly.run.skippedInactive, nightly.run.aborted], [false, null])
  const nia = (await w.residents()).find((r) => r.email === 'nia@example.net')
  assert.ok(nia, 'the newcomer is a resident')
  assert.deepEqual([nia.status, nia.invitationsSent, nia.source], ['not_invited', 0, 'strata'])
  assert.deepEqual(nia.external, { provider: roll.external.provider, id: 'strata-user-new' })
  assert.equal((await w.sandbox.sentEmails()).length, emails, 'no email is sent')
  assert.equal(await w.sandbox.calls('send'), sends)
  assert.equal((await w.reload(roll)).pending, 0)
})

// R-STRATA-6
test('an inactive building is skipped and nothing is deleted', async () => {
  const w = await strataWorld()
  const roll = await w.link()
  const pending = await w.members(roll)
  const { residents: [residentId] } = await w.concierge.importStrataUsers(w.admin, roll.id, [pending[0].id])
  // The imported user and a pending one leave the strata roll.
  assert.equal(await w.sandbox.strataRemoveUser(pending[0].user.external.id), true)
  assert.equal(await w.sandbox.strataRemoveUser(pending[1].user.external.id), true)

  const left = await w.concierge.syncStrataBuilding(w.admin, roll.id)

  assert.equal(left.run.departed, 2)
  assert.deepEqual((await w.residents()).map((r) => r.id), [residentId], "a departed user's resident is never deleted")
  assert.equal((await w.concierge.getResident(w.admin, residentId)).moveOut, null)
  // The pending one departs; the imported one stays imported, no longer listed.
  const departed = await w.members(roll, 'departed')
  assert.deepEqual(departed.map((m) => [m.id, m.listed]), [[pending[1].id, false]])
  const kept = await w.members(roll, 'imported')
  assert.deepEqual(kept.map((m) => [m.id, m.listed, m.residentId]), [[pending[0].id, false, residentId]])
  assert.equal((await w.reload(roll)).pending, roll.pending - 2)

  assert.equal(await w.sandbox.strataSetStatus(BUILDING, 'inactive'), true)
  await w.sandbox.strataAddUser(BUILDING, 'strata-user-x', 'Xavier Later', ['5'], ['tenant'], { email: 'x@example.net' })
  const before = await w.state()
  const members = await w.members(roll)

  const skipped = await w.concierge.syncStrataBuilding(w.admin, roll.id)

  assert.equal(skipped.run.skippedInactive, true)
  assert.deepEqual([skipped.run.listed, skipped.run.addedPending, skipped.run.departed], [0, 0, 0])
  assert.equal((await w.reload(roll)).status, 'inactive')
  await w.sandbox.advance({ days: 1 })
  const nightly = (await w.concierge.runDueStrataSyncs()).filter((r) => r.rollId === roll.id)
  assert.ok(nightly.every((r) => r.run.skippedInactive && r.run.listed === 0))
  assert.deepEqual(await w.state(), before, 'an inactive building keeps everything')
  assert.deepEqual(await w.members(roll), members)
  await rejectsWith(w.preview(roll, ALL_TYPES), 'CONFLICT', { conflict: 'wrong_state' })
})

// R-STRATA-7
test('Not Invited residents are invited in bulk and each is sent one email', async () => {
  const w = await strataWorld()
  const roll = await w.link()
  await w.goLive(roll, ALL_TYPES)
  await w.concierge.dispatchOutbox()
  const newcomers = [0, 1, 2].map((i) => `bo${i}@example.net`)
  for (const [i, email] of newcomers.entries()) {
    await w.sandbox.strataAddUser(BUILDING, `strata-user-bulk-${i}`, `Bo Bulk${i}`, [String(6 + i)], ['tenant'], {
      email,
    })
  }
  assert.equal((await w.concierge.syncStrataBuilding(w.admin, roll.id)).run.addedNotInvited, 3)
  const waiting = (await w.residents()).filter((r) => r.status === 'not_invited')
  assert.deepEqual(waiting.map((r) => r.email).sort(), newcomers)
  const before = (await w.sandbox.sentEmails()).length

  const report = await w.concierge.inviteAll(w.admin, 'not_invited', { propertyId: w.property.id, source: 'strata' })

  assert.deepEqual(report, { invited: 3, failed: [] })
  for (const r of waiting) assert.equal(await w.concierge.accountStatus(w.admin, r.id), 'pending_activation')
  await w.concierge.dispatchOutbox()
  assert.equal((await w.sandbox.sentEmails()).length, before + 3)
  for (const email of newcomers) assert.equal((await w.emailsTo(email)).length, 1)
  assert.deepEqual((await w.residents()).filter((r) => r.status === 'not_invited'), [])
  assert.equal((await w.concierge.inviteAll(w.admin, 'not_invited')).invited, 0)
  // Only Not Invited and Activation Expired can be invited in bulk.
  const live = await rejectsWith(w.concierge.inviteAll(w.admin, 'live'), 'VALIDATION')
  assert.deepEqual(fieldsOf(live), ['status'])
})

// R-PERM-1, R-PERM-2
test('import and Go Live need full Integrations and full Residence access, and do nothing without', async () => {
  const w = await strataWorld()
  const roll = await w.link()
  const [first] = await w.members(roll)
  const { plan } = await w.preview(roll, ALL_TYPES)
  const before = await w.state()
  const reads = await w.sandbox.calls('list_users')
  const admins = [
    [Admin.of('a-1', 'Integrations only', { integrations: 'full', residence: 'read' }), 'residence'],
    [Admin.of('a-2', 'Residence only', { integrations: 'read', residence: 'full' }), 'integrations'],
  ]
  for (const [who, missing] of admins) {
    const expected = { permission: missing, required: 'full', held: 'read', admin: who.id, adminName: who.name }
    await rejectsWith(w.concierge.importStrataUsers(who, roll.id, [first.id]), 'PERMISSION_DENIED', {
      ...expected,
      action: 'import_strata_users',
    })
    await rejectsWith(w.concierge.previewGoLive(who, [roll.id], ALL_TYPES), 'PERMISSION_DENIED', expected)
    await rejectsWith(w.concierge.confirmGoLive(who, [roll.id], ALL_TYPES, plan), 'PERMISSION_DENIED', expected)
  }
  assert.deepEqual(await w.state(), before)
  assert.equal(await w.sandbox.calls('list_users'), reads)
  assert.deepEqual(await w.residents(), [])
  assert.deepEqual(await w.sandbox.sentEmails(), [])
})

// R-PERM-1
test('linking and syncing a strata building need full Integrations access', async () => {
  const w = await strataWorld()
  const reader = Admin.of('reader-1', 'Reader', { integrations: 'read', residence: 'full' })
  await rejectsWith(w.concierge.linkStrataBuilding(reader, w.property.id, BUILDING), 'PERMISSION_DENIED', {
    action: 'link_strata_building',
    permission: 'integrations',
    required: 'full',
  })
  assert.deepEqual(await w.concierge.listStrataBuildings(reader), [])
  const roll = await w.link()
  const reads = await w.sandbox.calls('list_users')
  await rejectsWith(w.concierge.syncStrataBuilding(reader, roll.id), 'PERMISSION_DENIED', { permission: 'integrations' })
  assert.equal(await w.sandbox.calls('list_users'), reads)
  assert.deepEqual(
    (await w.concierge.listStrataUsers(reader, roll.id).toArray()).map((m) => m.id),
    (await w.members(roll)).map((m) => m.id),
  )
})

// R-SDK-2: StrataUser's email, altEmails, mobile and phone are personal data (x-sensitive).
test("a listed member's email and phone are not shown by util.inspect, yet carried", async () => {
  const w = await strataWorld()
  const roll = await w.link()
  const [member] = await w.members(roll)
  const { email } = member.user
  assert.ok(email)

  for (const shown of [util.inspect(member, { depth: 10 }), util.inspect(member.user), util.inspect([member], { depth: 10 })]) {
    assert.ok(!shown.includes(email), shown)
    assert.match(shown, /email: '\[redacted\]'/)
    assert.ok(shown.includes(member.user.displayName))
  }
  // The sandbox strata system gives no user a phone: put one on a copy that keeps the record's
  // inspection.
  const custom = member.user[util.inspect.custom]
  assert.equal(typeof custom, 'function')
  const withPhone = Object.defineProperty(
    { ...member.user, phone: '+61 2 9999 0000', mobile: '+61 400 123 456', altEmails: ['alt@example.net'] },
    util.inspect.custom,
    { value: custom, enumerable: false },
  )
  const shown = util.inspect(withPhone)
  for (const personal of [email, '9999 0000', '400 123 456', 'alt@example.net']) assert.ok(!shown.includes(personal), shown)
  assert.match(shown, /phone: '\[redacted\]'/)
  assert.match(shown, /mobile: '\[redacted\]'/)
  assert.match(shown, /altEmails: '\[redacted\]'/)
  assert.equal(withPhone.phone, '+61 2 9999 0000')
})

// R-STRATA-1
for (const vendor of ['stratamax', 'propertyiq']) {
  test(`${vendor}: both strata systems stand behind the same operations and errors`, async () => {
    // One model behind one trait: either is a setting, the operations are the same, and an
    // unreachable one fails with the same typed error naming it.
    const canary = 'canary-STRATA-s3cret-node-3f1a'
    const baseUrl = `http://127.0.0.1:${await closedPort()}`
    const retry = { maxAttempts: 1, initialBackoffMs: 10, maxBackoffMs: 10 }
    const settings =
      vendor === 'stratamax'
        ? { apiKey: canary, baseUrl, timeoutSeconds: 0.5, retry }
        : { baseUrl, clientId: 'client-1', clientSecret: canary, timeoutSeconds: 0.5, retry }
    const concierge = await Concierge.open({ holdEmail: true, [vendor]: settings })
    assert.match(util.inspect(concierge), new RegExp(`strata=${vendor}`))
    const admin = Admin.fullAccess('desk-1', 'Front desk')
    const error = await rejectsWith(concierge.strataProviderBuildings(admin), 'PROVIDER', {
      provider: vendor,
      retryable: true,
    })
    assert.ok(!shown(error).includes(canary) && !shown(concierge).includes(canary))
    await concierge.close()
  })
}

// R-STRATA-1
test('one strata system per handle', async () => {
  await rejectsWith(
    Concierge.open({
      holdEmail: true,
      stratamax: { apiKey: 'k' },
      propertyiq: { baseUrl: 'https://piq.example', clientId: 'c', clientSecret: 's' },
    }),
    'VALIDATION',
  )
})
