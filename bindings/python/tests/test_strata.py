"""Strata import (R-STRATA-1..7, R-PERM-1..2) on the sandbox strata system, mirroring
crates/concierge/tests/strata.rs: link a building, import a selection or one, Go Live with its
preview and plan, the nightly sync with automatic import, bulk invitation, typed errors."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterator, List, Optional

import pytest
from conftest import closed_port, fields, sandbox, shown, staff

from concierge import (
    Admin,
    AsyncConcierge,
    BulkInviteReport,
    Concierge,
    ConflictError,
    ExternalRef,
    GoLivePreview,
    GoLiveReport,
    MemberState,
    NotFoundError,
    PermissionDeniedError,
    Property,
    ProviderError,
    Resident,
    SandboxControls,
    StrataBuilding,
    StrataImportReport,
    StrataMember,
    StrataRoll,
    StrataSyncReport,
    StrataUserType,
    SyncError,
    ValidationError,
)

SEED = 7
BUILDING = "strata-bldg-1"
ALL_TYPES: List[StrataUserType] = ["owner_occupier", "tenant", "owner_investor", "committee"]
# The property's own subject, so the welcome email is seen to use the property's settings.
SUBJECT = "{{ first_name }}, welcome to {{ property_name }}"


@dataclass
class World:
    concierge: Concierge
    controls: SandboxControls
    admin: Admin
    property: Property

    def link(self, building: str = BUILDING) -> StrataRoll:
        return self.concierge.link_strata_building(self.admin, self.property.id, building)

    def members(self, roll: StrataRoll, state: Optional[MemberState] = None) -> List[StrataMember]:
        return list(self.concierge.list_strata_users(self.admin, roll.id, state=state))

    def reload(self, roll: StrataRoll) -> StrataRoll:
        return self.concierge.get_strata_building(self.admin, roll.id)

    def residents(self) -> List[Resident]:
        return list(self.concierge.list_residents(self.admin, property_id=self.property.id, source="strata"))

    def emails_to(self, address: Optional[str]) -> List[str]:
        return [m.subject for m in self.controls.sent_emails() if m.to == address]

    def preview(self, roll: StrataRoll, types: List[StrataUserType]) -> GoLivePreview:
        return self.concierge.preview_go_live(self.admin, [roll.id], types)

    def go_live(self, roll: StrataRoll, types: List[StrataUserType]) -> GoLiveReport:
        preview = self.preview(roll, types)
        return self.concierge.confirm_go_live(self.admin, [roll.id], types, preview.plan)

    def state(self) -> tuple[object, ...]:
        """What a refused or read-only call must leave unchanged."""
        residents = [(r.id, r.status) for r in self.concierge.list_residents(self.admin)]
        rolls = [(r.id, r.pending, r.imported, r.auto_import) for r in self.concierge.list_strata_buildings(self.admin)]
        return residents, rolls, len(self.controls.sent_emails()), self.controls.calls("send")


@pytest.fixture
def w() -> Iterator[World]:
    with sandbox(SEED) as concierge:
        controls = concierge.sandbox_controls
        assert controls is not None
        admin = Admin.full_access("desk-1", "Front desk")
        prop = concierge.register_property(
            admin, "Harbour View", "harbour-view", settings={"invitation_email": {"subject": SUBJECT}}
        )
        yield World(concierge, controls, admin, prop)


def test_the_strata_provider_shares_the_sandbox_buildings(w: World) -> None:
    # R-STRATA-2
    buildings = w.concierge.strata_provider_buildings(w.admin)

    assert buildings == w.controls.strata_buildings()
    assert [b.external.id for b in buildings] == ["strata-bldg-1", "strata-bldg-2", "strata-bldg-3"]
    assert all(isinstance(b, StrataBuilding) and b.status == "active" for b in buildings)
    assert all(len(w.controls.strata_users(b.external.id)) >= 8 for b in buildings)


def test_a_linked_building_lists_the_sandbox_users_of_the_building_as_pending(w: World) -> None:
    # R-STRATA-2
    listed = w.controls.strata_users(BUILDING)
    [provider] = [b for b in w.concierge.strata_provider_buildings(w.admin) if b.external.id == BUILDING]

    roll = w.link()

    assert isinstance(roll, StrataRoll)
    assert (roll.property_id, roll.external, roll.name, roll.plan_number) == (
        w.property.id,
        provider.external,
        provider.name,
        provider.plan_number,
    )
    assert (roll.status, roll.auto_import, roll.pending, roll.imported) == ("active", False, len(listed), 0)
    pending = w.members(roll)
    assert pending == w.members(roll, "pending")
    assert sorted(m.user.external.id for m in pending) == sorted(u.external.id for u in listed)
    assert sorted((m.user.display_name, m.user.email) for m in pending) == sorted(
        (u.display_name, u.email) for u in listed
    )
    assert all(
        (m.state, m.roll_id, m.property_id, m.resident_id, m.listed, m.problem)
        == ("pending", roll.id, w.property.id, None, True, None)
        for m in pending
    )
    assert w.members(roll, "imported") == [] and w.members(roll, "departed") == []
    # Page by page: the same users, three at a time.
    pages = list(w.concierge.list_strata_users(w.admin, roll.id, limit=3).pages())
    assert [len(p.items) for p in pages[:-1]] == [3] * (len(pages) - 1)
    assert [m.id for p in pages for m in p.items] == [m.id for m in pending]
    # Nothing imported, nothing sent; the roll is listed with its counts.
    assert w.residents() == [] and w.controls.sent_emails() == []
    assert w.concierge.list_strata_buildings(w.admin) == [roll]
    assert w.concierge.list_strata_buildings(w.admin, property_id=w.property.id) == [roll]
    assert w.reload(roll) == roll
    assert roll.building_id in [b.id for b in w.concierge.list_buildings(w.admin, w.property.id)]
    with pytest.raises(ConflictError) as twice:
        w.link()
    assert (twice.value.code, twice.value.conflict, twice.value.existing_id) == ("CONFLICT", "already_exists", roll.id)


def test_a_selection_of_two_then_one_from_the_row_and_a_retry_imports_and_sends_nothing_twice(w: World) -> None:
    # R-STRATA-2
    roll = w.link()
    pending = w.members(roll)
    chosen = [pending[0].id, pending[1].id]

    report = w.concierge.import_strata_users(w.admin, roll.id, chosen)

    assert isinstance(report, StrataImportReport)
    assert (len(report.residents), report.already_imported, report.failed, report.auto_import_enabled) == (
        2,
        0,
        [],
        False,
    )
    assert sorted(r.id for r in w.residents()) == sorted(report.residents)
    imported = w.members(roll, "imported")
    assert sorted(m.id for m in imported) == sorted(chosen), "the Imported tab shows exactly the selection"
    assert sorted(m.resident_id or "" for m in imported) == sorted(report.residents)
    assert all(m.imported_at is not None for m in imported)
    after = w.reload(roll)
    assert (after.pending, after.imported) == (roll.pending - 2, 2)
    assert len(w.controls.sent_emails()) == 2

    # One user from the row, then the same call retried.
    first = w.concierge.import_strata_users(w.admin, roll.id, [pending[2].id])
    again = w.concierge.import_strata_users(w.admin, roll.id, [pending[2].id])
    selection_again = w.concierge.import_strata_users(w.admin, roll.id, chosen)

    assert (len(first.residents), first.already_imported) == (1, 0)
    assert (again.residents, again.already_imported, again.failed) == ([], 1, [])
    assert (selection_again.residents, selection_again.already_imported) == ([], 2)
    assert len(w.residents()) == 3
    assert len(w.controls.sent_emails()) == 3, "no email is sent twice"
    assert sorted(m.to for m in w.controls.sent_emails()) == sorted(
        m.user.email or "" for m in pending[:3]
    )
    assert (w.reload(roll).pending, w.reload(roll).imported) == (roll.pending - 3, 3)


def test_an_import_naming_an_unknown_user_imports_no_one(w: World) -> None:
    # R-STRATA-2
    roll = w.link()
    [first, *_] = w.members(roll)
    before = w.state()

    with pytest.raises(NotFoundError) as refused:
        w.concierge.import_strata_users(w.admin, roll.id, [first.id, "smem_nope"])
    with pytest.raises(ValidationError) as empty:
        w.concierge.import_strata_users(w.admin, roll.id, [])

    assert (refused.value.code, refused.value.entity) == ("NOT_FOUND", "strata_member")
    assert fields(empty.value) == ["member_ids"]
    assert w.state() == before


def test_imported_residents_are_pending_activation_with_one_welcome_email_of_the_property_each(w: World) -> None:
    # R-STRATA-3
    roll = w.link()
    chosen = w.members(roll)[:3]

    report = w.concierge.import_strata_users(w.admin, roll.id, [m.id for m in chosen])

    residents = {r.id: r for r in w.residents()}
    assert sorted(residents) == sorted(report.residents)
    for member in w.members(roll, "imported"):
        assert member.resident_id is not None
        resident = residents[member.resident_id]
        assert (resident.status, resident.source, resident.invitations_sent) == ("pending_activation", "strata", 1)
        assert w.concierge.account_status(w.admin, resident.id) == "pending_activation"
        assert resident.external == member.user.external
        assert resident.email == member.user.email and resident.email is not None
        assert (resident.first_name, resident.last_name) == (member.user.first_name, member.user.last_name)
        assert resident.invited_at is not None and resident.activation_expires_at is not None
        assert w.emails_to(resident.email) == [f"{resident.first_name}, welcome to Harbour View"]
        assert w.controls.last_activation_token(resident.email) is not None
    assert len(w.controls.sent_emails()) == 3


def test_users_without_email_or_sharing_one_are_typed_errors_and_stay_pending(w: World) -> None:
    # R-STRATA-3
    original = w.controls.strata_users(BUILDING)[0]
    shared = original.email
    assert shared is not None
    assert w.controls.strata_add_user(
        BUILDING, "strata-user-noemail", "Acme Investments Pty Ltd", lots=["1", "2"], user_types=["owner_investor"]
    )
    assert w.controls.strata_add_user(
        BUILDING, "strata-user-shared", "Sam Shared", lots=["2"], user_types=["tenant"], email=shared
    )

    roll = w.link()

    errors = list(w.concierge.strata_errors(w.admin, roll.id))
    assert all(isinstance(e, SyncError) for e in errors)
    by_kind = {e.kind: e for e in errors}
    assert sorted(by_kind) == ["duplicate_email", "invalid_email"], errors
    no_email, duplicate = by_kind["invalid_email"], by_kind["duplicate_email"]
    assert no_email.external is not None and no_email.external.id == "strata-user-noemail"
    # The first holder of the address keeps it; the one who shares it is the error.
    assert duplicate.external is not None and duplicate.external.id == "strata-user-shared"
    assert (no_email.field, duplicate.field) == ("email", "email")
    assert all(shared not in e.message for e in errors), "no personal data in an error"
    assert roll.last_sync is not None and roll.last_sync.errors == errors
    # Both are listed pending, each with its problem; the company stays whole with two lots.
    pending = {m.user.external.id: m for m in w.members(roll)}
    company = pending["strata-user-noemail"]
    assert (company.user.display_name, company.user.email, [lot.lot_number for lot in company.user.lots]) == (
        "Acme Investments Pty Ltd",
        None,
        ["1", "2"],
    )
    assert company.problem is not None and company.problem.kind == "invalid_email"
    assert pending[duplicate.external.id].problem == duplicate
    assert w.preview(roll, ALL_TYPES).buildings[0].not_importable == 2

    report = w.concierge.import_strata_users(
        w.admin, roll.id, [company.id, pending[duplicate.external.id].id]
    )

    assert report.residents == []
    assert sorted((f.member_id, f.error.kind) for f in report.failed) == sorted(
        [(company.id, "invalid_email"), (pending[duplicate.external.id].id, "duplicate_email")]
    )
    assert w.residents() == [] and w.controls.sent_emails() == []
    still = {m.user.external.id for m in w.members(roll)}
    assert {"strata-user-noemail", duplicate.external.id} <= still


def test_go_live_with_tenant_imports_only_the_tenants(w: World) -> None:
    # R-STRATA-4
    roll = w.link()
    tenants = {u.external.id for u in w.controls.strata_users(BUILDING) if "tenant" in u.user_types}
    assert tenants

    preview = w.preview(roll, ["tenant"])
    assert preview.welcome_emails == len(tenants)
    [building] = preview.buildings
    assert (building.roll_id, building.name, building.welcome_emails, building.not_importable) == (
        roll.id,
        roll.name,
        len(tenants),
        0,
    )
    assert building.other_types == roll.pending - len(tenants)
    report = w.concierge.confirm_go_live(w.admin, [roll.id], ["tenant"], preview.plan)
    w.concierge.dispatch_outbox()

    assert report.welcome_emails == len(tenants)
    [result] = report.buildings
    assert (result.roll_id, len(result.report.residents), result.report.auto_import_enabled) == (
        roll.id,
        len(tenants),
        False,
    )
    imported = w.members(roll, "imported")
    assert {m.user.external.id for m in imported} == tenants
    assert sorted(r.id for r in w.residents()) == sorted(m.resident_id or "" for m in imported)
    assert all("tenant" not in m.user.user_types for m in w.members(roll))
    assert len(w.controls.sent_emails()) == len(tenants)
    # Committee members are owners too: choosing Committee selects them whatever else they are.
    committee = [u for u in w.controls.strata_users(BUILDING) if "committee" in u.user_types]
    assert 1 <= len(committee) <= 2
    assert w.preview(roll, ["committee"]).welcome_emails == len(committee)


@pytest.mark.parametrize("refused", ["property_manager", "other"])
def test_property_manager_and_other_cannot_be_chosen(w: World, refused: str) -> None:
    # R-STRATA-4
    roll = w.link()
    plan = w.preview(roll, ["tenant"]).plan
    before = w.state()

    with pytest.raises(ValidationError) as preview:
        w.concierge.preview_go_live(w.admin, [roll.id], ["tenant", refused])  # type: ignore[list-item]
    with pytest.raises(ValidationError) as confirm:
        w.concierge.confirm_go_live(w.admin, [roll.id], ["tenant", refused], plan)  # type: ignore[list-item]

    for err in (preview.value, confirm.value):
        assert err.code == "VALIDATION"
        assert fields(err) == ["user_types[1]"]
        assert "can't be chosen" in err.issues[0].message
    with pytest.raises(ValidationError) as none:
        w.concierge.preview_go_live(w.admin, [roll.id], [])
    assert fields(none.value) == ["user_types"]
    assert w.state() == before


@pytest.mark.parametrize("refused", ["property_manager", "other"])
async def test_property_manager_and_other_cannot_be_chosen_with_asyncio(refused: str) -> None:
    # R-STRATA-4
    concierge = await AsyncConcierge.open(sandbox={"seed": SEED})
    admin = Admin.full_access("desk-1", "Front desk")
    prop = await concierge.register_property(admin, "Harbour View", "harbour-view")
    roll = await concierge.link_strata_building(admin, prop.id, BUILDING)
    assert [m.id async for m in concierge.list_strata_users(admin, roll.id)] != []
    plan = (await concierge.preview_go_live(admin, [roll.id], ["tenant"])).plan

    with pytest.raises(ValidationError) as preview:
        await concierge.preview_go_live(admin, [roll.id], ["tenant", refused])  # type: ignore[list-item]
    with pytest.raises(ValidationError) as confirm:
        await concierge.confirm_go_live(admin, [roll.id], ["tenant", refused], plan)  # type: ignore[list-item]

    for err in (preview.value, confirm.value):
        assert (err.code, fields(err)) == ("VALIDATION", ["user_types[1]"])
    assert [r async for r in concierge.list_residents(admin)] == []
    report = await concierge.confirm_go_live(admin, [roll.id], ["tenant"], plan)
    assert report.welcome_emails == len(report.buildings[0].report.residents) > 0
    await concierge.close()


def test_the_preview_changes_nothing_and_the_confirmation_performs_exactly_the_plan(w: World) -> None:
    # R-STRATA-5
    roll = w.link()
    before = w.state()

    preview = w.preview(roll, ALL_TYPES)

    assert isinstance(preview, GoLivePreview) and preview.plan
    assert preview.welcome_emails == preview.buildings[0].welcome_emails == roll.pending
    assert w.state() == before, "a preview imports no one and sends nothing"
    assert w.residents() == [] and w.controls.sent_emails() == [] and w.controls.calls("send") == 0
    assert w.reload(roll).pending == roll.pending

    report = w.concierge.confirm_go_live(w.admin, [roll.id], ALL_TYPES, preview.plan)
    dispatched = w.concierge.dispatch_outbox()

    assert report.welcome_emails == preview.welcome_emails
    assert sum(len(b.report.residents) for b in report.buildings) == preview.welcome_emails
    assert dispatched.delivered == preview.welcome_emails
    assert len(w.residents()) == preview.welcome_emails
    assert len(w.controls.sent_emails()) == preview.welcome_emails
    assert all(r.status == "pending_activation" for r in w.residents())


def test_a_roll_changed_since_the_preview_refuses_the_confirmation_with_plan_changed(w: World) -> None:
    # R-STRATA-5
    roll = w.link()
    preview = w.preview(roll, ALL_TYPES)
    assert w.controls.strata_add_user(
        BUILDING, "strata-user-late", "Lee Late", lots=["3"], user_types=["tenant"], email="lee.late@example.net"
    )
    sync = w.concierge.sync_strata_building(w.admin, roll.id)
    assert isinstance(sync, StrataSyncReport)
    assert (sync.roll_id, sync.run.added_pending, sync.run.added_not_invited) == (roll.id, 1, 0)
    before = w.state()

    with pytest.raises(ConflictError) as refused:
        w.concierge.confirm_go_live(w.admin, [roll.id], ALL_TYPES, preview.plan)

    assert (refused.value.code, refused.value.conflict) == ("CONFLICT", "plan_changed")
    assert w.state() == before, "a refused confirmation does nothing"
    assert w.residents() == [] and w.controls.sent_emails() == []
    # Preview again: the confirmation performs what it showed, the newcomer included.
    again = w.preview(roll, ALL_TYPES)
    assert again.plan != preview.plan
    assert again.welcome_emails == preview.welcome_emails + 1
    report = w.concierge.confirm_go_live(w.admin, [roll.id], ALL_TYPES, again.plan)
    w.concierge.dispatch_outbox()
    assert report.welcome_emails == len(w.residents()) == len(w.controls.sent_emails()) == again.welcome_emails
    assert len(w.emails_to("lee.late@example.net")) == 1


def test_after_go_live_of_every_type_newcomers_arrive_nightly_as_not_invited_without_email(w: World) -> None:
    # R-STRATA-6
    roll = w.link()
    assert roll.auto_import is False and roll.auto_import_since is None

    report = w.go_live(roll, ALL_TYPES)
    w.concierge.dispatch_outbox()

    assert report.buildings[0].report.auto_import_enabled is True
    after = w.reload(roll)
    assert (after.auto_import, after.pending, after.imported) == (True, 0, roll.pending)
    assert after.auto_import_since is not None
    emails, sends = len(w.controls.sent_emails()), w.controls.calls("send")
    assert w.controls.strata_add_user(
        BUILDING, "strata-user-new", "Nia Newcomer", lots=["4"], user_types=["owner_occupier"], email="nia@example.net"
    )
    # Not due before a day has passed since the last sync.
    assert w.concierge.run_due_strata_syncs() == []
    w.controls.advance(days=1)

    [nightly] = w.concierge.run_due_strata_syncs()

    assert (nightly.roll_id, nightly.run.added_not_invited, nightly.run.added_pending) == (roll.id, 1, 0)
    assert nightly.run.skipped_inactive is False and nightly.run.aborted is None
    [nia] = [r for r in w.residents() if r.email == "nia@example.net"]
    assert (nia.status, nia.invitations_sent, nia.source) == ("not_invited", 0, "strata")
    assert nia.external == ExternalRef(provider=roll.external.provider, id="strata-user-new")
    assert (len(w.controls.sent_emails()), w.controls.calls("send")) == (emails, sends), "no email is sent"
    assert w.reload(roll).pending == 0
    assert w.concierge.run_due_strata_syncs() == []


def test_an_inactive_building_is_skipped_and_nothing_is_deleted(w: World) -> None:
    # R-STRATA-6
    roll = w.link()
    pending = w.members(roll)
    [resident_id] = w.concierge.import_strata_users(w.admin, roll.id, [pending[0].id]).residents
    # The imported user and a pending one leave the strata roll.
    assert w.controls.strata_remove_user(pending[0].user.external.id)
    assert w.controls.strata_remove_user(pending[1].user.external.id)

    left = w.concierge.sync_strata_building(w.admin, roll.id)

    assert left.run.departed == 2
    assert [r.id for r in w.residents()] == [resident_id], "a departed user's resident is never deleted"
    assert w.concierge.get_resident(w.admin, resident_id).move_out is None
    # The pending one departs; the imported one stays imported, no longer listed.
    [departed] = w.members(roll, "departed")
    assert (departed.id, departed.listed) == (pending[1].id, False)
    [kept] = w.members(roll, "imported")
    assert (kept.id, kept.listed, kept.resident_id) == (pending[0].id, False, resident_id)
    assert w.reload(roll).pending == roll.pending - 2

    assert w.controls.strata_set_status(BUILDING, "inactive")
    assert w.controls.strata_add_user(
        BUILDING, "strata-user-x", "Xavier Later", lots=["5"], user_types=["tenant"], email="x@example.net"
    )
    before = w.state()
    members = w.members(roll)

    skipped = w.concierge.sync_strata_building(w.admin, roll.id)

    assert skipped.run.skipped_inactive is True
    assert (skipped.run.listed, skipped.run.added_pending, skipped.run.departed) == (0, 0, 0)
    assert w.reload(roll).status == "inactive"
    w.controls.advance(days=1)
    nightly = [r for r in w.concierge.run_due_strata_syncs() if r.roll_id == roll.id]
    assert all(r.run.skipped_inactive and r.run.listed == 0 for r in nightly)
    assert w.state() == before, "an inactive building keeps everything"
    assert w.members(roll) == members
    with pytest.raises(ConflictError) as refused:
        w.preview(roll, ALL_TYPES)
    assert refused.value.conflict == "wrong_state"


def test_not_invited_residents_are_invited_in_bulk_and_each_is_sent_one_email(w: World) -> None:
    # R-STRATA-7
    roll = w.link()
    w.go_live(roll, ALL_TYPES)
    w.concierge.dispatch_outbox()
    newcomers = [f"bo{i}@example.net" for i in range(3)]
    for i, (lot, email) in enumerate(zip(["6", "7", "8"], newcomers)):
        assert w.controls.strata_add_user(
            BUILDING, f"strata-user-bulk-{i}", f"Bo Bulk{i}", lots=[lot], user_types=["tenant"], email=email
        )
    assert w.concierge.sync_strata_building(w.admin, roll.id).run.added_not_invited == 3
    waiting = [r for r in w.residents() if r.status == "not_invited"]
    assert sorted(r.email or "" for r in waiting) == newcomers
    before = len(w.controls.sent_emails())

    report = w.concierge.invite_all(w.admin, "not_invited", property_id=w.property.id, source="strata")

    assert isinstance(report, BulkInviteReport)
    assert (report.invited, report.failed) == (3, [])
    for r in waiting:
        assert w.concierge.account_status(w.admin, r.id) == "pending_activation"
    w.concierge.dispatch_outbox()
    assert len(w.controls.sent_emails()) == before + 3
    for email in newcomers:
        assert len(w.emails_to(email)) == 1
    assert [r for r in w.residents() if r.status == "not_invited"] == []
    assert w.concierge.invite_all(w.admin, "not_invited").invited == 0
    # Only Not Invited and Activation Expired can be invited in bulk.
    with pytest.raises(ValidationError) as live:
        w.concierge.invite_all(w.admin, "live")
    assert fields(live.value) == ["status"]


@pytest.mark.parametrize(
    ("who", "missing"),
    [
        (staff("Integrations only", integrations="full", residence="read"), "residence"),
        (staff("Residence only", integrations="read", residence="full"), "integrations"),
    ],
)
def test_import_and_go_live_need_full_integrations_and_residence_access(w: World, who: Admin, missing: str) -> None:
    # R-PERM-1, R-PERM-2
    roll = w.link()
    [first, *_] = w.members(roll)
    plan = w.preview(roll, ALL_TYPES).plan
    before = w.state()
    reads = w.controls.calls("list_users")

    with pytest.raises(PermissionDeniedError) as imported:
        w.concierge.import_strata_users(who, roll.id, [first.id])
    with pytest.raises(PermissionDeniedError) as previewed:
        w.concierge.preview_go_live(who, [roll.id], ALL_TYPES)
    with pytest.raises(PermissionDeniedError) as confirmed:
        w.concierge.confirm_go_live(who, [roll.id], ALL_TYPES, plan)

    for err in (imported.value, previewed.value, confirmed.value):
        assert (err.code, err.permission, err.required, err.held) == ("PERMISSION_DENIED", missing, "full", "read")
        assert (err.admin, err.admin_name) == (who.id, who.name)
    assert imported.value.action == "import_strata_users"
    assert w.state() == before
    assert w.controls.calls("list_users") == reads
    assert w.residents() == [] and w.controls.sent_emails() == []


def test_linking_and_syncing_need_full_integrations_access(w: World) -> None:
    # R-PERM-1
    reader = staff("Reader", integrations="read", residence="full")
    reads = w.controls.calls("list_users")

    with pytest.raises(PermissionDeniedError) as link:
        w.concierge.link_strata_building(reader, w.property.id, BUILDING)
    assert (link.value.action, link.value.permission, link.value.required) == (
        "link_strata_building",
        "integrations",
        "full",
    )
    assert w.concierge.list_strata_buildings(reader) == []
    roll = w.link()
    reads = w.controls.calls("list_users")
    with pytest.raises(PermissionDeniedError):
        w.concierge.sync_strata_building(reader, roll.id)
    assert w.controls.calls("list_users") == reads
    assert [m.id for m in w.concierge.list_strata_users(reader, roll.id)] == [m.id for m in w.members(roll)]


def test_a_listed_members_email_and_phone_are_not_shown_in_its_repr(w: World) -> None:
    # R-SDK-2: StrataUser's email, alt_emails, mobile and phone are personal data (x-sensitive).
    roll = w.link()
    member = w.members(roll)[0]
    email = member.user.email
    assert email is not None

    assert email not in repr(member) and email not in str(member)
    assert email not in repr(member.user)
    assert "display_name=" in repr(member.user) and member.user.display_name in repr(member)
    # The sandbox strata system gives no user a phone: put one on a copy of the record.
    user = dataclasses.replace(
        member.user, phone="+61 2 9999 0000", mobile="+61 400 123 456", alt_emails=["alt@example.net"]
    )
    shown = repr(dataclasses.replace(member, user=user))
    for personal in (email, "9999 0000", "400 123 456", "alt@example.net"):
        assert personal not in shown
    hidden = {f.name for f in dataclasses.fields(user) if not f.repr}
    assert hidden == {"email", "alt_emails", "mobile", "phone"}
    # Carried all the same.
    assert (user.email, user.phone) == (email, "+61 2 9999 0000")


# R-STRATA-1
@pytest.mark.parametrize("vendor", ["stratamax", "propertyiq"])
def test_both_strata_systems_stand_behind_the_same_operations_and_errors(vendor: str) -> None:
    admin = Admin.full_access("desk-1", "Front desk")
    # StrataMax and PropertyIQ are one model behind one trait: either is a setting, the
    # operations are the same, and an unreachable one fails with the same typed error naming it.
    canary = "canary-STRATA-s3cret-7c2e"
    base_url = f"http://127.0.0.1:{closed_port()}"
    retry = {"max_attempts": 1, "initial_backoff_ms": 10, "max_backoff_ms": 10}
    settings: dict[str, object] = (
        {"api_key": canary, "base_url": base_url, "timeout_seconds": 0.5, "retry": retry}
        if vendor == "stratamax"
        else {
            "base_url": base_url,
            "client_id": "client-1",
            "client_secret": canary,
            "timeout_seconds": 0.5,
            "retry": retry,
        }
    )
    concierge = Concierge.open(hold_email=True, **{vendor: settings})
    assert f"strata={vendor}" in repr(concierge)
    with pytest.raises(ProviderError) as err:
        concierge.strata_provider_buildings(admin)
    assert (err.value.code, err.value.provider, err.value.retryable) == ("PROVIDER", vendor, True)
    assert canary not in shown(err.value) and canary not in shown(concierge)
    concierge.close()


# R-STRATA-1
def test_one_strata_system_per_handle() -> None:
    with pytest.raises(ValidationError) as err:
        Concierge.open(
            hold_email=True,
            stratamax={"api_key": "k"},
            propertyiq={"base_url": "https://piq.example", "client_id": "c", "client_secret": "s"},
        )
    assert [i.field for i in err.value.issues] == ["propertyiq"]
