//! StrataMax records to neutral ones, through the simulator: every scripted scenario, the type
//! mapping (R-STRATA-4), the vendor's oddities, and the same world read through both adapters
//! giving the same records (R-STRATA-1).

mod common;

use common::*;
use concierge_core::{
    ExternalRef, StrataBuildingStatus, StrataProvider, StrataUser, StrataUserType,
};
use concierge_http::SecretString;
use concierge_propertyiq::{PropertyIq, PropertyIqConfig};
use concierge_strata_sim::{
    BuildingStatus, NewContact, Role, StrataSimConfig, StrataSimulator, Vendor,
};
use concierge_stratamax::OCCUPANCY_UNKNOWN;
use std::collections::BTreeSet;

fn types(list: &[StrataUserType]) -> BTreeSet<StrataUserType> {
    list.iter().copied().collect()
}

fn is_owner(u: &StrataUser) -> bool {
    !u.user_types.contains(&StrataUserType::Tenant)
}

#[tokio::test]
async fn every_scenario_maps_to_the_expected_users() {
    let sim = sim(3, 12, false).await;
    let read = read_all(&adapter(&sim)).await;
    let first = read.0[0].external.id.clone();
    let users = ok_users(&read, &first);
    assert!(read.1[&first].iter().all(Result::is_ok));

    // An owner of two lots is one user with both lots.
    let two = on_lot(&users, "1", is_owner);
    let lots: Vec<&str> = two.lots.iter().map(|l| l.lot_number.as_str()).collect();
    assert_eq!(lots, ["1", "2"]);
    assert_eq!(
        users.iter().filter(|u| u.external == two.external).count(),
        1
    );

    // A company stays whole.
    let company = on_lot(&users, "3", is_owner);
    assert_eq!(company.display_name, "John S Investments Pty Ltd");
    assert_eq!(
        (company.first_name.as_deref(), company.last_name.as_deref()),
        (None, None)
    );

    // No email: no login, still a user.
    assert_eq!(on_lot(&users, "4", is_owner).email, None);

    // One email on two contacts: two users, same login.
    let (five, six) = (on_lot(&users, "5", is_owner), on_lot(&users, "6", is_owner));
    assert_ne!(five.external, six.external);
    assert_eq!(five.email, six.email);
    assert!(five.email.is_some());

    // A tenant moving in next month.
    let tenant = on_lot(&users, "7", |u| {
        u.user_types.contains(&StrataUserType::Tenant)
    });
    let move_in = tenant.tenancy.as_ref().and_then(|t| t.move_in).unwrap();
    assert!(move_in > chrono::Utc::now().date_naive());
    assert_eq!(
        on_lot(&users, "7", is_owner).user_types,
        types(&[StrataUserType::OwnerInvestor])
    );

    // Several addresses in one field: the first is the login, the others alternates.
    let jane = on_lot(&users, "8", is_owner);
    assert_eq!(jane.first_name.as_deref(), Some("Jane"));
    assert!(jane.email.as_deref().unwrap().starts_with("jane."));
    assert_eq!(jane.alt_emails.len(), 1);
    assert!(jane.alt_emails[0].starts_with("jane.work."));

    // The last building is Lost: inactive; the others active.
    assert_eq!(read.0[2].status, StrataBuildingStatus::Inactive);
    assert_eq!(read.0[0].status, StrataBuildingStatus::Active);
    assert!(
        read.0
            .iter()
            .all(|b| !b.name.is_empty() && b.plan_number.starts_with("SP "))
    );
}

#[tokio::test]
async fn a_building_set_inactive_maps_to_inactive() {
    let sim = sim(2, 8, false).await;
    let strata = adapter(&sim);
    let id = sim.world().buildings[0].id.clone();
    sim.set_building_status(&id, BuildingStatus::Inactive)
        .unwrap();
    let b = strata
        .get_building(concierge_core::GetStrataBuildingRequest {
            building: Some(ExternalRef::new("stratamax", format!("b-{id}"))),
        })
        .await
        .unwrap();
    assert_eq!(b.status, StrataBuildingStatus::Inactive);
    sim.set_building_status(&id, BuildingStatus::Active)
        .unwrap();
    let page = strata.list_buildings(Default::default()).await.unwrap();
    assert_eq!(
        page.items[0].as_ref().unwrap().status,
        StrataBuildingStatus::Active
    );
}

// R-STRATA-4
#[tokio::test]
async fn owner_occupancy_tenancy_and_committee_map_to_user_types() {
    let sim = sim(1, 8, false).await;
    let b = sim.world().buildings[0].id.clone();
    let add = |name: &str, role: Role, committee: Option<&str>, lot: u32| {
        let mut c = NewContact::owner(name, &format!("{}@example.com", lot), vec![lot]);
        c.role = role;
        c.committee = committee.map(str::to_owned);
        sim.add_contact(&b, c).unwrap()
    };
    let occupier = add(
        "Ann Occ",
        Role::Owner {
            occupier: Some(true),
        },
        None,
        1,
    );
    let investor = add(
        "Ian Inv",
        Role::Owner {
            occupier: Some(false),
        },
        None,
        2,
    );
    let unknown = add("Una Known", Role::Owner { occupier: None }, None, 3);
    let chair = add(
        "Cal Chair",
        Role::Owner {
            occupier: Some(true),
        },
        Some("Chairperson"),
        4,
    );
    let tenant = add(
        "Tia Tenant",
        Role::Tenant {
            move_in: chrono::NaiveDate::from_ymd_opt(2026, 2, 1),
            move_out: None,
        },
        Some("Secretary"),
        5,
    );
    let agent = add("Al Agent", Role::Other("Agent".into()), None, 6);

    let read = read_all(&adapter(&sim)).await;
    let users = ok_users(&read, &format!("b-{b}"));
    let user = |id: &str| users.iter().find(|u| u.external.id == format!("c-{id}"));
    let of = |id: &str| user(id).unwrap().user_types.clone();
    assert_eq!(of(&occupier), types(&[StrataUserType::OwnerOccupier]));
    assert_eq!(of(&investor), types(&[StrataUserType::OwnerInvestor]));
    assert_eq!(of(&unknown), types(&[StrataUserType::OwnerInvestor]));
    assert_eq!(user(&unknown).unwrap().warnings, [OCCUPANCY_UNKNOWN]);
    assert!(user(&investor).unwrap().warnings.is_empty());
    assert_eq!(
        of(&chair),
        types(&[StrataUserType::OwnerOccupier, StrataUserType::Committee])
    );
    assert_eq!(
        of(&tenant),
        types(&[StrataUserType::Tenant, StrataUserType::Committee])
    );
    let tenancy = user(&tenant).unwrap().tenancy.clone().unwrap();
    assert_eq!(tenancy.move_in, chrono::NaiveDate::from_ymd_opt(2026, 2, 1));
    assert!(user(&agent).is_none(), "an agent-only contact is skipped");
}

#[tokio::test]
async fn quirks_give_a_skipped_agent_an_error_for_a_lotless_contact_and_a_warning() {
    let sim = sim(1, 12, true).await;
    let read = read_all(&adapter(&sim)).await;
    let items = &read.1[&read.0[0].external.id];
    let errors: Vec<_> = items.iter().filter_map(|i| i.as_ref().err()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("no lots"));
    assert!(errors[0].external.as_ref().unwrap().id.starts_with("c-"));
    let world = sim.world();
    let agent = world.buildings[0]
        .contacts
        .iter()
        .find(|c| matches!(c.role, Role::Other(_)))
        .unwrap();
    let users = ok_users(&read, &read.0[0].external.id);
    assert!(
        !users
            .iter()
            .any(|u| u.external.id == format!("c-{}", agent.id))
    );
    assert_eq!(on_lot(&users, "9", is_owner).warnings, [OCCUPANCY_UNKNOWN]);
}

#[tokio::test]
async fn a_sold_lot_drops_the_seller_and_adds_the_buyer() {
    let sim = sim(1, 8, false).await;
    let b = sim.world().buildings[0].id.clone();
    let before = read_all(&adapter(&sim)).await;
    let seller = on_lot(&ok_users(&before, &format!("b-{b}")), "6", is_owner).clone();
    let buyer = sim
        .sell_lot(
            &b,
            6,
            NewContact::owner("Bea Buyer", "bea@example.com", vec![]),
        )
        .unwrap();
    let after = read_all(&adapter(&sim)).await;
    let users = ok_users(&after, &format!("b-{b}"));
    assert!(!users.iter().any(|u| u.external == seller.external));
    let new = on_lot(&users, "6", is_owner);
    assert_eq!(new.external.id, format!("c-{buyer}"));
    assert_eq!(new.email.as_deref(), Some("bea@example.com"));
}

/// A neutral record: provider names and vendor id prefixes (`b-`, `s-`, `c-`, `o-`, `t-`)
/// taken off.
fn neutral(mut u: StrataUser) -> StrataUser {
    for r in [&mut u.external, &mut u.building] {
        r.provider.clear();
        r.id = r.id[2..].to_owned();
    }
    u
}

// R-STRATA-1
#[tokio::test]
async fn the_same_world_through_both_adapters_gives_the_same_neutral_records() {
    let world = |vendor| StrataSimConfig {
        seed: 11,
        buildings: 3,
        lots_per_building: 14,
        rate_limit_per_sec: None,
        ..StrataSimConfig::new(vendor)
    };
    let sm_sim = StrataSimulator::start(world(Vendor::StrataMax))
        .await
        .unwrap();
    let piq_sim = StrataSimulator::start(world(Vendor::PropertyIq))
        .await
        .unwrap();
    let mut piq_config = PropertyIqConfig::new(
        piq_sim.base_url(),
        piq_sim.client_id(),
        SecretString::from(piq_sim.client_secret()),
    );
    piq_config.rate_limit_per_second = None;
    let piq = PropertyIq::new(piq_config).unwrap();
    let sm = adapter(&sm_sim);
    assert_eq!((sm.name(), piq.name()), ("stratamax", "propertyiq"));

    let (a, b) = (read_all(&sm).await, read_all(&piq).await);
    assert_eq!(a.0.len(), 3);
    for (x, y) in a.0.iter().zip(&b.0) {
        assert_eq!(
            (&x.plan_number, &x.name, &x.address, x.status),
            (&y.plan_number, &y.name, &y.address, y.status)
        );
        assert_eq!(x.external.id[2..], y.external.id[2..]);
    }
    let mut total = 0;
    for ((_, xs), (_, ys)) in a.1.into_iter().zip(b.1) {
        let sorted = |items: Vec<Result<StrataUser, _>>| {
            let mut users: Vec<StrataUser> = items
                .into_iter()
                .map(|u| neutral(u.expect("no record error in the shared scenarios")))
                .collect();
            users.sort_by(|p, q| p.external.id.cmp(&q.external.id));
            users
        };
        let (xs, ys) = (sorted(xs), sorted(ys));
        total += xs.len();
        assert_eq!(xs, ys);
    }
    assert!(
        total > 3 * 14,
        "owners and tenants of every building: {total}"
    );
}
