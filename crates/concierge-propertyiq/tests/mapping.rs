//! PropertyIQ lots to neutral users, through the simulator: owners merged across lots, every
//! scripted scenario, the type mapping (R-STRATA-4) and the vendor's oddities.

mod common;

use common::*;
use concierge_core::{StrataBuildingStatus, StrataUser, StrataUserType};
use concierge_strata_sim::{BuildingStatus, NewContact, Role};
use std::collections::BTreeSet;

fn types(list: &[StrataUserType]) -> BTreeSet<StrataUserType> {
    list.iter().copied().collect()
}

fn is_owner(u: &StrataUser) -> bool {
    !u.user_types.contains(&StrataUserType::Tenant)
}

fn is_tenant(u: &StrataUser) -> bool {
    u.user_types.contains(&StrataUserType::Tenant)
}

#[tokio::test]
async fn an_owner_of_two_lots_is_one_user_and_every_scenario_maps() {
    let sim = sim(3, 12, false).await;
    let read = read_all(&adapter(&sim)).await;
    let first = read.0[0].external.id.clone();
    assert!(read.1[&first].iter().all(Result::is_ok));
    let users = ok_users(&read, &first);

    let two = on_lot(&users, "1", is_owner);
    let lots: Vec<&str> = two.lots.iter().map(|l| l.lot_number.as_str()).collect();
    assert_eq!(lots, ["1", "2"]);
    assert!(two.external.id.starts_with("o-"));
    assert_eq!(
        users.iter().filter(|u| u.external == two.external).count(),
        1
    );
    assert!(two.user_types.contains(&StrataUserType::Committee));

    let company = on_lot(&users, "3", is_owner);
    assert_eq!(company.display_name, "John S Investments Pty Ltd");
    assert_eq!(company.first_name, None);

    assert_eq!(on_lot(&users, "4", is_owner).email, None);

    let (five, six) = (on_lot(&users, "5", is_owner), on_lot(&users, "6", is_owner));
    assert_ne!(five.external, six.external);
    assert_eq!(five.email, six.email);

    let tenant = on_lot(&users, "7", is_tenant);
    assert!(tenant.external.id.starts_with("t-"));
    assert!(tenant.tenancy.as_ref().unwrap().move_in.unwrap() > chrono::Utc::now().date_naive());

    // Several emails on one lot's owner: the first valid one is the login.
    let jane = on_lot(&users, "8", is_owner);
    assert!(jane.email.as_deref().unwrap().starts_with("jane."));
    assert_eq!(jane.alt_emails.len(), 1);

    // Every lot has its owner among the users.
    for lot in 1..=12 {
        on_lot(&users, &lot.to_string(), is_owner);
    }
    assert_eq!(read.0[2].status, StrataBuildingStatus::Inactive);
}

// R-STRATA-4
#[tokio::test]
async fn owner_occupier_investor_committee_and_tenant_map_to_user_types() {
    let sim = sim(1, 8, false).await;
    let b = sim.world().buildings[0].id.clone();
    // Lot 1..4 get new owners; the generated ones leave by selling.
    let sell = |lot: u32, occupier: bool, committee: bool| {
        let mut buyer = NewContact::owner(
            &format!("Owner {lot}"),
            &format!("o{lot}@example.com"),
            vec![],
        );
        buyer.role = Role::Owner {
            occupier: Some(occupier),
        };
        buyer.committee = committee.then(|| "Treasurer".to_owned());
        sim.sell_lot(&b, lot, buyer).unwrap()
    };
    let occupier = sell(1, true, false);
    let investor = sell(2, false, false);
    let chair = sell(3, true, true);
    let tenant = sim
        .add_contact(
            &b,
            NewContact {
                role: Role::Tenant {
                    move_in: chrono::NaiveDate::from_ymd_opt(2026, 2, 1),
                    move_out: chrono::NaiveDate::from_ymd_opt(2027, 1, 31),
                },
                ..NewContact::owner("Tia Tenant", "tia@example.com", vec![2, 4])
            },
        )
        .unwrap();
    let read = read_all(&adapter(&sim)).await;
    let users = ok_users(&read, &format!("s-{b}"));
    let user = |id: String| users.iter().find(|u| u.external.id == id).unwrap().clone();
    assert_eq!(
        user(format!("o-{occupier}")).user_types,
        types(&[StrataUserType::OwnerOccupier])
    );
    assert_eq!(
        user(format!("o-{investor}")).user_types,
        types(&[StrataUserType::OwnerInvestor])
    );
    assert_eq!(
        user(format!("o-{chair}")).user_types,
        types(&[StrataUserType::OwnerOccupier, StrataUserType::Committee])
    );
    let t = user(format!("t-{tenant}"));
    assert_eq!(t.user_types, types(&[StrataUserType::Tenant]));
    assert_eq!(t.lots.len(), 2, "one user per tenantId, across lots");
    let tenancy = t.tenancy.unwrap();
    assert_eq!(tenancy.move_in, chrono::NaiveDate::from_ymd_opt(2026, 2, 1));
    assert_eq!(
        tenancy.move_out,
        chrono::NaiveDate::from_ymd_opt(2027, 1, 31)
    );
}

#[tokio::test]
async fn a_lot_without_owner_is_an_error_and_an_occupier_with_a_tenant_is_kept_with_a_warning() {
    let sim = sim(1, 12, true).await;
    let read = read_all(&adapter(&sim)).await;
    let id = read.0[0].external.id.clone();
    let errors: Vec<_> = read.1[&id]
        .iter()
        .filter_map(|i| i.as_ref().err())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("no owner"));
    assert_eq!(
        errors[0].external.as_ref().unwrap().id,
        format!("l-{}-99", &id[2..])
    );
    let users = ok_users(&read, &id);
    let occupier = on_lot(&users, "10", is_owner);
    assert!(occupier.user_types.contains(&StrataUserType::OwnerOccupier));
    assert_eq!(occupier.warnings.len(), 1, "{:?}", occupier.warnings);
    assert!(occupier.warnings[0].contains("current tenant"));
    on_lot(&users, "10", is_tenant);
}

#[tokio::test]
async fn a_scheme_set_inactive_maps_to_inactive_and_a_nameless_one_is_named_by_its_number() {
    let sim = sim(2, 4, false).await;
    let world = sim.world();
    sim.set_building_status(&world.buildings[0].id, BuildingStatus::Inactive)
        .unwrap();
    let read = read_all(&adapter(&sim)).await;
    assert_eq!(read.0[0].status, StrataBuildingStatus::Inactive);
    for (b, w) in read.0.iter().zip(&world.buildings) {
        let expected = w.name.clone().unwrap_or_else(|| w.plan_number.clone());
        assert_eq!(b.name, expected);
    }
}
