//! Strata import through the facade (R-STRATA-1..7, R-PERM-1..2), on the sandbox strata system:
//! linking a building, pending import, importing a selection or one, Go Live with its preview,
//! automatic import and the nightly sync, bulk invitation, and the typed errors of records that
//! cannot be applied.

#![cfg(feature = "sandbox")]

mod common;

use chrono::Duration;
use common::world;
use concierge::sandbox::SandboxStrata;
use concierge::*;
use futures_util::TryStreamExt;

const BUILDING: &str = "strata-bldg-1";

async fn linked(w: &common::World) -> StrataRoll {
    w.concierge
        .link_strata_building(
            &w.admin,
            LinkStrataBuilding {
                property_id: w.property.id.clone(),
                strata_building_id: BUILDING.into(),
            },
        )
        .await
        .unwrap()
}

async fn members(w: &common::World, roll: &StrataRoll, state: MemberState) -> Vec<StrataMember> {
    paginate(PageRequest::default(), |page| {
        w.concierge.list_strata_users(
            &w.admin,
            StrataUserFilter {
                roll_id: roll.id.clone(),
                state,
            },
            page,
        )
    })
    .try_collect()
    .await
    .unwrap()
}

async fn reload(w: &common::World, roll: &StrataRoll) -> StrataRoll {
    w.concierge
        .get_strata_building(&w.admin, &roll.id)
        .await
        .unwrap()
}

async fn strata_residents(w: &common::World) -> Vec<Resident> {
    w.residents()
        .await
        .into_iter()
        .filter(|r| r.source == ResidentSource::Strata)
        .collect()
}

fn go_live(roll: &StrataRoll, types: &[StrataUserType]) -> GoLive {
    GoLive {
        roll_ids: vec![roll.id.clone()],
        user_types: types.to_vec(),
    }
}

fn confirm(preview: &GoLivePreview, req: GoLive) -> ConfirmGoLive {
    ConfirmGoLive {
        roll_ids: req.roll_ids,
        user_types: req.user_types,
        plan: preview.plan.clone(),
    }
}

// R-STRATA-2
#[tokio::test]
async fn a_linked_building_lists_every_strata_user_as_pending_import() {
    let w = world().await;
    let roll = linked(&w).await;
    let listed = w.sandbox.strata().users(BUILDING);
    assert_eq!(roll.pending as usize, listed.len());
    assert_eq!(roll.imported, 0);
    let pending = members(&w, &roll, MemberState::Pending).await;
    assert_eq!(pending.len(), listed.len());
    assert!(
        strata_residents(&w).await.is_empty(),
        "nothing imported yet"
    );
    assert!(w.sandbox.mailer().sent().is_empty(), "no email yet");
    let buildings = w
        .concierge
        .list_strata_buildings(&w.admin, StrataBuildingFilter::default())
        .await
        .unwrap();
    assert_eq!(buildings.len(), 1);
    assert_eq!(buildings[0].pending, roll.pending);
}

// R-STRATA-2, R-STRATA-3
#[tokio::test]
async fn importing_a_selection_makes_each_pending_activation_with_one_welcome_email() {
    let w = world().await;
    let roll = linked(&w).await;
    let pending = members(&w, &roll, MemberState::Pending).await;
    let chosen: Vec<StrataMemberId> = pending.iter().take(2).map(|m| m.id.clone()).collect();
    let report = w
        .concierge
        .import_strata_users(
            &w.admin,
            ImportStrataUsers {
                roll_id: roll.id.clone(),
                member_ids: chosen.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(report.residents.len(), 2);
    assert!(report.failed.is_empty());
    let residents = strata_residents(&w).await;
    assert_eq!(residents.len(), 2);
    for r in &residents {
        assert_eq!(
            r.status(w.concierge.now()),
            AccountStatus::PendingActivation
        );
        let sent = w.sandbox.mailer().sent_to(r.email.as_deref().unwrap());
        assert_eq!(sent.len(), 1, "one welcome email each");
        assert_eq!(
            sent[0].subject,
            "Welcome to Harbour View: activate your account"
        );
    }
    let after = reload(&w, &roll).await;
    assert_eq!(after.pending, roll.pending - 2);
    assert_eq!(after.imported, 2);
    let imported = members(&w, &roll, MemberState::Imported).await;
    let mut ids: Vec<_> = imported.iter().map(|m| m.id.clone()).collect();
    ids.sort();
    let mut expected = chosen.clone();
    expected.sort();
    assert_eq!(
        ids, expected,
        "the Imported tab shows exactly the selection"
    );

    // One user from the row; then the same call retried: nothing happens twice.
    let one = pending[2].id.clone();
    let req = ImportStrataUsers {
        roll_id: roll.id.clone(),
        member_ids: vec![one],
    };
    let first = w
        .concierge
        .import_strata_users(&w.admin, req.clone())
        .await
        .unwrap();
    assert_eq!(first.residents.len(), 1);
    let again = w
        .concierge
        .import_strata_users(&w.admin, req)
        .await
        .unwrap();
    assert!(again.residents.is_empty());
    assert_eq!(again.already_imported, 1);
    assert_eq!(w.sandbox.mailer().sent().len(), 3);
    assert_eq!(strata_residents(&w).await.len(), 3);
}

// R-STRATA-2
#[tokio::test]
async fn an_import_naming_a_user_of_another_building_does_nothing() {
    let w = world().await;
    let roll = linked(&w).await;
    let mut pending = members(&w, &roll, MemberState::Pending).await;
    let err = w
        .concierge
        .import_strata_users(
            &w.admin,
            ImportStrataUsers {
                roll_id: roll.id.clone(),
                member_ids: vec![pending.remove(0).id, StrataMemberId::from("smem_nope")],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(strata_residents(&w).await.is_empty());
    assert!(w.sandbox.mailer().sent().is_empty());
}

// R-STRATA-4
#[tokio::test]
async fn go_live_imports_only_the_chosen_types_and_committee_counts_in_addition() {
    let w = world().await;
    let roll = linked(&w).await;
    let users = w.sandbox.strata().users(BUILDING);
    let tenants = users
        .iter()
        .filter(|u| u.user_types.contains(&StrataUserType::Tenant))
        .count();
    let req = go_live(&roll, &[StrataUserType::Tenant]);
    let preview = w
        .concierge
        .preview_go_live(&w.admin, req.clone())
        .await
        .unwrap();
    assert_eq!(preview.welcome_emails as usize, tenants);
    let report = w
        .concierge
        .confirm_go_live(&w.admin, confirm(&preview, req))
        .await
        .unwrap();
    assert_eq!(report.welcome_emails as usize, tenants);
    let residents = strata_residents(&w).await;
    assert_eq!(residents.len(), tenants);
    assert!(
        residents
            .iter()
            .all(|r| r.user_types.contains(&StrataUserType::Tenant))
    );

    // Committee members are owners too: choosing Committee selects them whatever their
    // ownership type.
    let committee = users
        .iter()
        .filter(|u| u.user_types.contains(&StrataUserType::Committee))
        .count();
    assert!(committee >= 1);
    let preview = w
        .concierge
        .preview_go_live(&w.admin, go_live(&roll, &[StrataUserType::Committee]))
        .await
        .unwrap();
    assert_eq!(preview.welcome_emails as usize, committee);
}

// R-STRATA-4
#[tokio::test]
async fn property_manager_and_other_cannot_be_chosen_in_any_language() {
    let w = world().await;
    let roll = linked(&w).await;
    for bad in ["property_manager", "other"] {
        let err = w
            .concierge
            .call(
                "preview_go_live",
                Some(serde_json::to_value(&w.admin).unwrap()),
                serde_json::json!({"roll_ids": [roll.id], "user_types": ["tenant", bad]}),
                serde_json::Value::Null,
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
        let Error::Validation(v) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(v.issues[0].field, "user_types[1]");
        assert!(v.issues[0].message.contains("can't be chosen"), "{err}");
    }
    let err = w
        .concierge
        .preview_go_live(&w.admin, go_live(&roll, &[]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
}

// R-STRATA-5
#[tokio::test]
async fn the_preview_changes_nothing_and_a_changed_roll_refuses_the_confirmation() {
    let w = world().await;
    let roll = linked(&w).await;
    let req = go_live(&roll, StrataUserType::ALL);
    let preview = w
        .concierge
        .preview_go_live(&w.admin, req.clone())
        .await
        .unwrap();
    assert_eq!(preview.welcome_emails, roll.pending);
    assert_eq!(preview.buildings[0].welcome_emails, roll.pending);
    assert!(
        strata_residents(&w).await.is_empty(),
        "a preview imports no one"
    );
    assert!(
        w.sandbox.mailer().sent().is_empty(),
        "a preview sends nothing"
    );
    assert_eq!(reload(&w, &roll).await.pending, roll.pending);

    // The roll changes between preview and confirmation: a newcomer arrives.
    w.sandbox.strata().add_user(
        BUILDING,
        SandboxStrata::new_user(
            BUILDING,
            "strata-user-late",
            "Lee Late",
            Some("lee.late@example.net"),
            &["3"],
            &[StrataUserType::Tenant],
        ),
    );
    w.concierge
        .sync_strata_building(&w.admin, &roll.id)
        .await
        .unwrap();
    let err = w
        .concierge
        .confirm_go_live(&w.admin, confirm(&preview, req.clone()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Conflict {
                kind: ConflictKind::PlanChanged,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        strata_residents(&w).await.is_empty(),
        "a refused confirmation does nothing"
    );

    // Preview again: the confirmation performs exactly what it showed.
    let preview = w
        .concierge
        .preview_go_live(&w.admin, req.clone())
        .await
        .unwrap();
    assert_eq!(preview.welcome_emails, roll.pending + 1);
    let report = w
        .concierge
        .confirm_go_live(&w.admin, confirm(&preview, req))
        .await
        .unwrap();
    assert_eq!(report.welcome_emails, preview.welcome_emails);
    // Go Live queues the welcome emails; the outbox dispatcher sends them.
    w.concierge.dispatch_outbox().await.unwrap();
    assert_eq!(
        strata_residents(&w).await.len() as u32,
        preview.welcome_emails
    );
    assert_eq!(
        w.sandbox.mailer().sent().len() as u32,
        preview.welcome_emails
    );
}

// R-STRATA-6
#[tokio::test]
async fn once_no_one_is_pending_newcomers_arrive_nightly_as_not_invited_without_email() {
    let w = world().await;
    let roll = linked(&w).await;
    assert!(!roll.auto_import);
    let req = go_live(&roll, StrataUserType::ALL);
    let preview = w
        .concierge
        .preview_go_live(&w.admin, req.clone())
        .await
        .unwrap();
    let report = w
        .concierge
        .confirm_go_live(&w.admin, confirm(&preview, req))
        .await
        .unwrap();
    assert!(report.buildings[0].report.auto_import_enabled);
    let after = reload(&w, &roll).await;
    assert!(after.auto_import);
    assert_eq!(after.pending, 0);
    let emails = w.sandbox.mailer().sent().len();

    w.sandbox.strata().add_user(
        BUILDING,
        SandboxStrata::new_user(
            BUILDING,
            "strata-user-new",
            "Nia Newcomer",
            Some("nia@example.net"),
            &["4"],
            &[StrataUserType::OwnerOccupier],
        ),
    );
    // Not due before a day has passed since the last sync.
    assert!(w.concierge.run_due_strata_syncs().await.unwrap().is_empty());
    w.sandbox.clock().advance(Duration::days(1));
    let reports = w.concierge.run_due_strata_syncs().await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].run.added_not_invited, 1);
    let nia = strata_residents(&w)
        .await
        .into_iter()
        .find(|r| r.email.as_deref() == Some("nia@example.net"))
        .expect("the newcomer is a resident");
    assert_eq!(nia.status(w.concierge.now()), AccountStatus::NotInvited);
    assert_eq!(w.sandbox.mailer().sent().len(), emails, "no email is sent");
}

// R-STRATA-6
#[tokio::test]
async fn an_inactive_building_stops_syncing_and_a_departed_owner_keeps_their_resident() {
    let w = world().await;
    let roll = linked(&w).await;
    let pending = members(&w, &roll, MemberState::Pending).await;
    w.concierge
        .import_strata_users(
            &w.admin,
            ImportStrataUsers {
                roll_id: roll.id.clone(),
                member_ids: vec![pending[0].id.clone()],
            },
        )
        .await
        .unwrap();
    // The imported user and a pending one leave the strata roll.
    assert!(w.sandbox.strata().remove_user(&pending[0].user.external.id));
    assert!(w.sandbox.strata().remove_user(&pending[1].user.external.id));
    let report = w
        .concierge
        .sync_strata_building(&w.admin, &roll.id)
        .await
        .unwrap();
    assert_eq!(report.run.departed, 2);
    assert_eq!(strata_residents(&w).await.len(), 1, "never deleted");
    let departed = members(&w, &roll, MemberState::Departed).await;
    assert_eq!(departed.len(), 1);
    assert_eq!(reload(&w, &roll).await.pending, roll.pending - 2);

    w.sandbox
        .strata()
        .set_status(BUILDING, StrataBuildingStatus::Inactive);
    w.sandbox.strata().add_user(
        BUILDING,
        SandboxStrata::new_user(
            BUILDING,
            "strata-user-x",
            "Xavier Later",
            Some("x@example.net"),
            &["5"],
            &[StrataUserType::Tenant],
        ),
    );
    let report = w
        .concierge
        .sync_strata_building(&w.admin, &roll.id)
        .await
        .unwrap();
    assert!(report.run.skipped_inactive);
    assert_eq!(report.run.listed, 0, "an inactive building is not read");
    let now = reload(&w, &roll).await;
    assert_eq!(now.status, StrataBuildingStatus::Inactive);
    assert_eq!(strata_residents(&w).await.len(), 1);
    let err = w
        .concierge
        .preview_go_live(&w.admin, go_live(&roll, StrataUserType::ALL))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
}

// R-STRATA-7
#[tokio::test]
async fn not_invited_residents_are_invited_in_bulk_and_become_pending_activation() {
    let w = world().await;
    let roll = linked(&w).await;
    let req = go_live(&roll, StrataUserType::ALL);
    let preview = w
        .concierge
        .preview_go_live(&w.admin, req.clone())
        .await
        .unwrap();
    w.concierge
        .confirm_go_live(&w.admin, confirm(&preview, req))
        .await
        .unwrap();
    for (i, lot) in ["6", "7", "8"].iter().enumerate() {
        w.sandbox.strata().add_user(
            BUILDING,
            SandboxStrata::new_user(
                BUILDING,
                &format!("strata-user-bulk-{i}"),
                &format!("Bo Bulk{i}"),
                Some(&format!("bo{i}@example.net")),
                &[lot],
                &[StrataUserType::Tenant],
            ),
        );
    }
    w.concierge
        .sync_strata_building(&w.admin, &roll.id)
        .await
        .unwrap();
    w.concierge.dispatch_outbox().await.unwrap();
    let before = w.sandbox.mailer().sent().len();
    let report = w
        .concierge
        .invite_all(
            &w.admin,
            InviteAll {
                status: AccountStatus::NotInvited,
                property_id: Some(w.property.id.clone()),
                source: Some(ResidentSource::Strata),
            },
        )
        .await
        .unwrap();
    assert_eq!(report.invited, 3);
    assert!(report.failed.is_empty());
    w.concierge.dispatch_outbox().await.unwrap();
    assert_eq!(w.sandbox.mailer().sent().len(), before + 3);
    let not_invited = strata_residents(&w)
        .await
        .into_iter()
        .filter(|r| r.status(w.concierge.now()) == AccountStatus::NotInvited)
        .count();
    assert_eq!(not_invited, 0);
    // Only those two statuses can be invited in bulk.
    let err = w
        .concierge
        .invite_all(
            &w.admin,
            InviteAll {
                status: AccountStatus::Live,
                property_id: None,
                source: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
}

// R-STRATA-3
#[tokio::test]
async fn users_without_email_or_sharing_one_are_typed_errors_and_stay_pending() {
    let w = world().await;
    let strata = w.sandbox.strata();
    strata.add_user(
        BUILDING,
        SandboxStrata::new_user(
            BUILDING,
            "strata-user-noemail",
            "Acme Investments Pty Ltd",
            None,
            &["1", "2"],
            &[StrataUserType::OwnerInvestor],
        ),
    );
    let shared = strata.users(BUILDING)[0].email.clone().unwrap();
    strata.add_user(
        BUILDING,
        SandboxStrata::new_user(
            BUILDING,
            "strata-user-shared",
            "Sam Shared",
            Some(&shared),
            &["2"],
            &[StrataUserType::Tenant],
        ),
    );
    let roll = linked(&w).await;
    let errors = paginate(PageRequest::default(), |page| {
        w.concierge.strata_errors(&w.admin, &roll.id, page)
    })
    .try_collect::<Vec<_>>()
    .await
    .unwrap();
    let kinds: Vec<SyncErrorKind> = errors.iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&SyncErrorKind::InvalidEmail), "{errors:?}");
    assert!(kinds.contains(&SyncErrorKind::DuplicateEmail), "{errors:?}");
    for e in &errors {
        assert!(!e.message.contains(&shared), "no personal data in errors");
    }
    let pending = members(&w, &roll, MemberState::Pending).await;
    let company = pending
        .iter()
        .find(|m| m.user.external.id == "strata-user-noemail")
        .unwrap();
    assert_eq!(company.user.display_name, "Acme Investments Pty Ltd");
    assert_eq!(company.user.lots.len(), 2, "one contact, two lots");
    let preview = w
        .concierge
        .preview_go_live(&w.admin, go_live(&roll, StrataUserType::ALL))
        .await
        .unwrap();
    assert_eq!(preview.buildings[0].not_importable, 2);
    let report = w
        .concierge
        .import_strata_users(
            &w.admin,
            ImportStrataUsers {
                roll_id: roll.id.clone(),
                member_ids: vec![company.id.clone()],
            },
        )
        .await
        .unwrap();
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].error.kind, SyncErrorKind::InvalidEmail);
    assert!(strata_residents(&w).await.is_empty());
}

// R-PERM-1, R-PERM-2
#[tokio::test]
async fn import_and_go_live_need_integrations_and_residence_before_anything_happens() {
    let w = world().await;
    let roll = linked(&w).await;
    let pending = members(&w, &roll, MemberState::Pending).await;
    let calls = w.sandbox.faults().calls("list_users");
    let no_residence = Admin::new("a-1", "Integrations only").with_integrations(AccessLevel::Full);
    let no_integrations = Admin::new("a-2", "Residence only").with_residence(AccessLevel::Full);
    for admin in [&no_residence, &no_integrations] {
        let err = w
            .concierge
            .import_strata_users(
                admin,
                ImportStrataUsers {
                    roll_id: roll.id.clone(),
                    member_ids: vec![pending[0].id.clone()],
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::PermissionDenied);
        let err = w
            .concierge
            .preview_go_live(admin, go_live(&roll, StrataUserType::ALL))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::PermissionDenied);
    }
    let err = w
        .concierge
        .sync_strata_building(&no_integrations, &roll.id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    assert_eq!(w.sandbox.faults().calls("list_users"), calls);
    assert!(strata_residents(&w).await.is_empty());
}

// R-STRATA-2
#[tokio::test]
async fn a_link_whose_first_read_fails_stands_and_the_next_sync_reads_the_users() {
    let w = world().await;
    w.sandbox
        .faults()
        .fail_next("list_users", ProviderErrorKind::Unauthorized);
    let roll = linked(&w).await;
    let run = roll.last_sync.clone().expect("the first read is recorded");
    assert!(run.aborted.is_some(), "{run:?}");
    assert_eq!(roll.pending, 0);
    let report = w
        .concierge
        .sync_strata_building(&w.admin, &roll.id)
        .await
        .unwrap();
    assert_eq!(report.run.aborted, None);
    assert_eq!(
        reload(&w, &roll).await.pending as usize,
        w.sandbox.strata().users(BUILDING).len()
    );
}
