//! The API's resources and wire format: the seeded world, paging and filters, the creates
//! with their wrapping and 422 codes, 201 and 204, and buildings hidden from our application.

use crate::*;
use concierge_butterflymx_sim::{ButterflyMxSim, NewTenant, Preference, SimConfig};
use serde_json::{Value, json};

#[tokio::test]
async fn the_seeded_world_has_zoned_buildings_doors_and_tenants_mostly_on_phone_calls() {
    let (sim, bearer) = start(SimConfig::default()).await;
    let world = sim.world();
    assert_eq!(world.buildings[0].time_zone, "Australia/Sydney");
    assert_eq!(world.buildings[1].time_zone, "America/New_York");
    let page = get(&sim, &bearer, "/v4/buildings").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.json["data"][1]["time_zone"], "America/New_York");
    for b in &world.buildings {
        assert_eq!(sim.access_points(b.id).len(), 2);
        let tenants = sim.tenants(b.id);
        assert_eq!(tenants.len(), 8);
        let mobile = tenants
            .iter()
            .filter(|t| t.contact_preference == Preference::MobileApp)
            .count();
        assert!(
            mobile > 0 && mobile < tenants.len() / 2,
            "{mobile} on the app"
        );
        for t in &tenants {
            let unit = world.unit(t.unit_id).unwrap();
            assert_eq!(
                unit.building_id, b.id,
                "a tenant lives in a real unit of its building"
            );
        }
    }
    let again = ButterflyMxSim::start(SimConfig::default()).await.unwrap();
    let (a, b) = (sim.world(), again.world());
    assert_eq!(
        a.tenants.iter().map(|t| &t.email).collect::<Vec<_>>(),
        b.tenants.iter().map(|t| &t.email).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn listings_page_from_one_with_page_info_and_filter_case_insensitively() {
    let (sim, bearer) = start(SimConfig {
        tenants_per_building: 120,
        ..SimConfig::default()
    })
    .await;
    let b = sim.world().buildings[0].id;
    let page = get(
        &sim,
        &bearer,
        &format!("/v4/tenants?q%5Bbuilding_id_eq%5D={b}"),
    )
    .await;
    let info = &page.json["page_info"];
    assert_eq!(info["page_size"], 50, "the default per page");
    assert_eq!(
        (
            info["current_page"].as_u64(),
            info["total_item_count"].as_u64()
        ),
        (Some(1), Some(120))
    );
    assert_eq!(
        (info["next_page"].as_u64(), info["total_pages"].as_u64()),
        (Some(2), Some(3))
    );
    let last = get(
        &sim,
        &bearer,
        &format!("/v4/tenants?q[building_id_eq]={b}&page=2&per=500"),
    )
    .await;
    assert_eq!(
        last.json["page_info"]["page_size"], 100,
        "per is capped at 100"
    );
    assert_eq!(last.json["data"].as_array().unwrap().len(), 20);
    assert_eq!(last.json["page_info"]["next_page"], Value::Null);
    assert_eq!(last.json["page_info"]["last_page"], true);

    let unit = &sim.units(b)[0];
    let lower = unit.label.to_lowercase() + "x";
    sim.add_unit(b, &lower, "9").unwrap();
    let found = get(
        &sim,
        &bearer,
        &format!(
            "/v4/units?q[building_id_eq]={b}&q[label_eq]={}",
            lower.to_uppercase()
        ),
    )
    .await;
    assert_eq!(found.json["data"].as_array().unwrap().len(), 1);
    assert_eq!(found.json["data"][0]["label"], lower.as_str());
    let unknown = get(&sim, &bearer, "/v4/tenants?q[email_eq]=a@b.c").await;
    assert_eq!(
        unknown.status, 422,
        "the spec has no email filter on tenants"
    );
}

#[tokio::test]
async fn a_unit_is_created_once_per_label_and_blank_fields_are_named() {
    let (sim, bearer) = start(SimConfig::default()).await;
    let b = sim.world().buildings[1].id;
    let path = format!("/v4/buildings/{b}/units");
    let created = post(
        &sim,
        &bearer,
        &path,
        json!({"unit": {"label": "STRATIS", "floor": "G"}}),
    )
    .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.json["data"]["building_id"], b);
    let taken = post(
        &sim,
        &bearer,
        &path,
        json!({"unit": {"label": "stratis", "floor": "G"}}),
    )
    .await;
    assert_eq!(taken.status, 422);
    assert_eq!(
        taken.json["errors"][0],
        json!({"field": "label", "code": "taken", "message": "has already been taken"})
    );
    let blank = post(&sim, &bearer, &path, json!({"unit": {"label": ""}})).await;
    let fields: Vec<&str> = blank.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["label", "floor_id"]);
    assert_eq!(
        post(
            &sim,
            &bearer,
            "/v4/buildings/1/units",
            json!({"unit": {"label": "X", "floor": "1"}})
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn a_tenant_is_created_once_per_email_and_unknown_user_attributes_are_refused() {
    let (sim, bearer) = start(SimConfig::default()).await;
    let b = sim.world().buildings[0].id;
    let unit = sim.add_unit(b, "STRATIS", "G").unwrap();
    let body = |email: &str| {
        json!({"tenant": {"unit_id": unit, "active_at": "2026-01-01T00:00:00Z",
        "user_attributes": {"first_name": "STRATIS", "last_name": "User", "email": email}}})
    };
    let created = post(&sim, &bearer, "/v4/tenants", body("bmx+site@example.com")).await;
    assert_eq!(created.status, 201, "{}", created.raw);
    assert_eq!(created.json["data"]["unit"]["id"], unit);
    assert_eq!(created.json["data"]["contact_preference"], "phone_call");
    assert_eq!(created.json["data"]["registration_status"], "invited");
    let taken = post(&sim, &bearer, "/v4/tenants", body("BMX+site@example.com")).await;
    assert_eq!(
        (taken.status, taken.json["errors"][0]["code"].as_str()),
        (422, Some("taken"))
    );
    let blank = post(&sim, &bearer, "/v4/tenants", body("")).await;
    assert_eq!(
        blank.json["errors"][0],
        json!({"field": "user", "code": "blank", "message": "can't be blank"})
    );
    let mut extra = body("other@example.com");
    extra["tenant"]["user_attributes"]["nickname"] = json!("x");
    let refused = post(&sim, &bearer, "/v4/tenants", extra).await;
    assert_eq!(
        (refused.status, refused.json["errors"][0]["code"].as_str()),
        (422, Some("unknown_attribute"))
    );
    let found = get(&sim, &bearer, &format!("/v4/tenants?q[unit_id_eq]={unit}")).await;
    assert_eq!(found.json["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_custom_keychain_keeps_its_utc_window_and_a_flat_body_adds_a_key_with_qr_and_pin() {
    let (sim, bearer) = start(SimConfig::default()).await;
    let b = sim.world().buildings[1].id;
    let tenant = sim.tenants(b)[0].id;
    let doors: Vec<i64> = sim.access_points(b).iter().map(|a| a.id).collect();
    let keychain = json!({"keychain": {"name": "Visitor [k-1]", "tenant_id": tenant,
        "starts_at": "2026-03-10T22:00:00+10:00", "ends_at": "2026-03-11T02:00:00Z", "access_point_ids": doors}});
    let created = post(&sim, &bearer, "/v4/keychains/custom", keychain.clone()).await;
    assert_eq!(created.status, 201, "{}", created.raw);
    let k = &created.json["data"];
    assert_eq!(
        (k["starts_at"].as_str(), k["ends_at"].as_str()),
        (Some("2026-03-10T12:00:00Z"), Some("2026-03-11T02:00:00Z"))
    );
    assert_eq!(k["type"], "custom_keychain");
    assert_eq!(k["virtual_key_ids"], json!([]), "no recipients, no keys");
    let id = k["id"].as_i64().unwrap();

    let key = post(
        &sim,
        &bearer,
        "/v4/virtual_keys",
        json!({"keychain_id": id, "name": "Visitor"}),
    )
    .await;
    assert_eq!(key.status, 201);
    let v = &key.json["data"];
    assert!(v["qr_code_url"].as_str().unwrap().starts_with("https://"));
    assert!(
        v["instructions_url"]
            .as_str()
            .unwrap()
            .contains("/public/virtual_keys/")
    );
    assert_eq!(v["pin_code"].as_str().unwrap().len(), 6);
    assert_eq!(
        sim.keychains(b)[0].virtual_key_ids,
        [v["id"].as_i64().unwrap()]
    );
    let listed = get(
        &sim,
        &bearer,
        &format!("/v4/keychains?q[name_eq]=visitor%20%5Bk-1%5D&q[tenant_id_eq]={tenant}"),
    )
    .await;
    assert_eq!(listed.json["data"][0]["id"], id);

    let mut backwards = keychain.clone();
    backwards["keychain"]["ends_at"] = json!("2026-03-10T11:00:00Z");
    let refused = post(&sim, &bearer, "/v4/keychains/custom", backwards).await;
    let codes: Vec<&str> = refused.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "start_time_must_be_before_the_end_time",
            "end_time_must_be_after_the_start_time"
        ]
    );
    let mut ownerless = keychain.clone();
    ownerless["keychain"]
        .as_object_mut()
        .unwrap()
        .remove("tenant_id");
    let refused = post(&sim, &bearer, "/v4/keychains/custom", ownerless).await;
    assert_eq!(
        refused.json["errors"][0]["code"],
        "must_have_an_associated_unit_or_tenant"
    );
    let mut extra = keychain;
    extra["keychain"]["pin_code"] = json!("468931");
    assert_eq!(
        post(&sim, &bearer, "/v4/keychains/custom", extra)
            .await
            .status,
        422
    );
    let weak = post(
        &sim,
        &bearer,
        "/v4/virtual_keys",
        json!({"keychain_id": id, "pin_code": "1234"}),
    )
    .await;
    assert_eq!(weak.json["errors"][0]["code"], "low_entropy");

    let target = format!("/v4/keychains/{id}");
    let deleted = call(&sim, "DELETE", &target, &[("authorization", &bearer)], "").await;
    assert_eq!((deleted.status, deleted.raw.as_str()), (204, ""));
    assert_eq!(sim.virtual_keys(b).len(), 0, "its keys go with it");
    let again = call(&sim, "DELETE", &target, &[("authorization", &bearer)], "").await;
    assert_eq!(
        (again.status, again.json["errors"][0]["code"].as_str()),
        (404, Some("not_found"))
    );
}

#[tokio::test]
async fn a_building_not_enabled_for_the_app_answers_404_and_leaves_the_listings() {
    let (sim, bearer) = start(SimConfig::default()).await;
    let b = sim.world().buildings[2].id;
    sim.set_enabled(b, false).unwrap();
    assert_eq!(
        get(&sim, &bearer, &format!("/v4/buildings/{b}"))
            .await
            .status,
        404
    );
    let list = get(&sim, &bearer, "/v4/buildings").await;
    assert_eq!(list.json["page_info"]["total_item_count"], 2);
    let tenants = get(&sim, &bearer, &format!("/v4/tenants?q[building_id_eq]={b}")).await;
    assert_eq!(tenants.json["data"], json!([]));
    let t = sim
        .add_tenant(b, NewTenant::new("9Z", "A", "B", "a@b.example"))
        .unwrap();
    sim.set_contact_preference(t, Preference::MobileApp)
        .unwrap();
    sim.set_enabled(b, true).unwrap();
    let tenant = get(&sim, &bearer, &format!("/v4/tenants/{t}")).await;
    assert_eq!(tenant.json["data"]["contact_preference"], "mobile_app");
}
