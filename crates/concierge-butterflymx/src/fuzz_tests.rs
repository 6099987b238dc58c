//! The ButterflyMX adapter's parsers, fuzzed (`concierge_contract::fuzz`): listings of
//! buildings, tenants, units, access points, keychains and virtual keys as API v4 sends them
//! (`{"data": […], "page_info": {…}}`), single records (`{"data": {…}}`), the created keychain
//! and key a visitor pass is read from, error bodies and token replies, mutated; no input makes
//! a parser panic, and a record that cannot be read is a typed per-record error. The quick mode
//! runs in the test suite; the long mode is
//! `CONCIERGE_FUZZ_ITERATIONS=10000000 cargo test --release -p concierge-butterflymx fuzz`.

use crate::auth::expires_at;
use crate::map;
use crate::passes;
use crate::wire::{self, AccessPoint, Keychain, List, One, TokenReply, Unit, VirtualKey};
use chrono::{DateTime, Utc};
use concierge_contract::fuzz;
use concierge_core::{ExternalRef, TimeWindow};
use serde::de::DeserializeOwned;
use serde_json::Value;

const BUILDINGS: &str = r#"{"page_info":{"current_page":1,"total_pages":2,"total_item_count":3,"page_item_count":2,"page_size":2,"next_page":2,"prev_page":null,"first_page":true,"last_page":false},"data":[{"created_at":"2026-01-05T09:00:00Z","id":7,"name":"Crimson Tower","updated_at":"2026-01-05T09:00:00Z","time_zone":"America/New_York","address":{"city":"New York","country":"us","county":null,"state":null,"zip_code":"10001","address":"1 Crimson Way"}},{"id":8,"name":" ","time_zone":null}]}"#;
const TENANTS: &str = r#"{"page_info":{"current_page":1,"total_pages":1,"total_item_count":2,"page_item_count":2,"page_size":50,"next_page":null,"prev_page":null,"first_page":true,"last_page":true},"data":[{"created_at":"2026-01-05T09:00:00Z","full_name":null,"id":101,"updated_at":"2026-01-05T09:00:00Z","first_name":"Alia","last_name":"Atreides","building_id":7,"building_name":"Crimson Tower","inactive_after":null,"building_timezone":"America/New_York","email":"alia@example.com","contact_preference":"mobile_app","registration_status":"invited","invitation":{"confirmation_url":"https://accounts.sim.butterflymx.invalid/confirmations/101","invited_at":"2026-01-05T09:00:00Z"},"unit":{"created_at":"2026-01-05T09:00:00Z","id":31,"label":"A003","updated_at":"2026-01-05T09:00:00Z","floor":3},"notification_preference":null},{"full_name":"Duncan Idaho","id":102,"first_name":"Duncan","last_name":"Idaho","building_id":7,"email":null,"contact_preference":"phone_call","registration_status":"registered","invitation":null,"unit":null}]}"#;
const UNITS: &str = r#"{"page_info":{"current_page":1,"next_page":null},"data":[{"created_at":"2026-01-05T09:00:00Z","id":31,"label":"A003","updated_at":"2026-01-05T09:00:00Z","floor":3,"building_id":7},{"id":99,"label":"Concierge","floor":null,"building_id":7}]}"#;
const ACCESS_POINTS: &str = r#"{"page_info":{"current_page":1,"next_page":null},"data":[{"created_at":"2026-01-05T09:00:00Z","id":501,"name":"Front door","updated_at":"2026-01-05T09:00:00Z","building_id":7,"device_ids":[9001],"open_hours":[]},{"id":502,"name":"Garage","building_id":7,"device_ids":[],"open_hours":[]}]}"#;
const KEYCHAINS: &str = r#"{"page_info":{"current_page":1,"next_page":null},"data":[{"id":701,"created_at":"2026-03-10T08:00:00Z","updated_at":"2026-03-10T08:00:00Z","name":"Paul [vp_123]","starts_at":"2026-03-10T12:00:00Z","ends_at":"2026-03-10T18:00:00Z","type":"custom_keychain","building_id":7,"tenant_id":199,"unit_id":99,"virtual_key_ids":[801],"access_point_ids":[501,502],"device_ids":[9001]}]}"#;
const VIRTUAL_KEYS: &str = r#"{"page_info":{"current_page":1,"next_page":null},"data":[{"created_at":"2026-03-10T08:00:00Z","email":null,"first_used_at":null,"id":801,"keychain_id":701,"last_used_at":null,"name":"Paul","sent_at":null,"sms_number":null,"updated_at":"2026-03-10T08:00:00Z","usage_count":0,"qr_code_url":"https://api.sim.butterflymx.invalid/qr/801.png","pin_code":"123456","building_id":7,"instructions_url":"https://api.sim.butterflymx.invalid/keys/801"}]}"#;
const BUILDING: &str = r#"{"data":{"created_at":"2026-01-05T09:00:00Z","id":7,"name":"Crimson Tower","updated_at":"2026-01-05T09:00:00Z","time_zone":"America/New_York","address":{"city":"New York","country":"us","county":null,"state":null,"zip_code":"10001","address":"1 Crimson Way"}}}"#;
const KEYCHAIN_CREATED: &str = r#"{"data":{"id":701,"created_at":"2026-03-10T08:00:00Z","updated_at":"2026-03-10T08:00:00Z","name":"Paul [vp_123]","starts_at":"2026-03-10T12:00:00Z","ends_at":"2026-03-10T18:00:00Z","type":"custom_keychain","building_id":7,"tenant_id":199,"unit_id":99,"virtual_key_ids":[],"access_point_ids":[501,502],"device_ids":[9001]}}"#;
const KEY_CREATED: &str = r#"{"data":{"created_at":"2026-03-10T08:00:01Z","email":null,"id":801,"keychain_id":701,"name":"Paul","qr_code_url":"https://api.sim.butterflymx.invalid/qr/801.png","pin_code":"123456","building_id":7,"instructions_url":"https://api.sim.butterflymx.invalid/keys/801"}}"#;
const ERROR: &str = r#"{"errors":[{"field":"starts_at","message":"Start time must be before the end time","code":"start_time_must_be_before_the_end_time"},{"field":"ends_at","message":"End time must be after the start time","code":"end_time_must_be_after_the_start_time"}]}"#;
const UNAUTHORIZED: &str =
    r#"{"errors":[{"field":"base","code":"unauthorized","messages":"Unauthorized"}]}"#;
const TOKEN: &str = r#"{"access_token":"at-3f9a","token_type":"Bearer","expires_in":7200,"refresh_token":"rt-81c2","scope":"public","created_at":1773136800}"#;
const TOKEN_STRING_LIFETIME: &str =
    r#"{"access_token":"at-3f9a","token_type":"Bearer","expires_in":"7200"}"#;
const OAUTH_ERROR: &str = r#"{"error":"invalid_grant","error_description":"The provided authorization grant is invalid"}"#;

/// A reply decoded as the transport decodes it (`send_json`): a blank body is `null`.
fn decode<T: DeserializeOwned>(input: &[u8]) -> Option<T> {
    let body: &[u8] = if input.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        input
    };
    serde_json::from_slice(body).ok()
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The window a pass asked for.
fn asked() -> TimeWindow {
    TimeWindow {
        starts_at: instant("2026-03-10T12:00:00Z"),
        ends_at: instant("2026-03-10T18:00:00Z"),
    }
}

/// Everything the adapter does with one reply of any listing or record.
fn read_reply(input: &[u8]) {
    // A listing page (`Api::page`): buildings and tenants mapped record by record, the other
    // records read as the placeholder and pass lookups read them.
    if let Some(list) = decode::<List>(input) {
        let _ = list.next_page();
        for item in &list.data {
            if let Err(e) = map::building(item.clone()) {
                assert!(!e.message.is_empty(), "an error says why");
            }
            if let Err(e) = map::tenant(item.clone()) {
                assert!(!e.message.is_empty(), "an error says why");
            }
            let _ = serde_json::from_value::<Unit>(item.clone());
            let _ = serde_json::from_value::<wire::Tenant>(item.clone());
            let _ = serde_json::from_value::<AccessPoint>(item.clone());
            let _ = serde_json::from_value::<Keychain>(item.clone());
            let _ = serde_json::from_value::<VirtualKey>(item.clone());
        }
    }
    // A single record (`get_building`, the preflight's lookups).
    if let Some(one) = decode::<One<Value>>(input) {
        let _ = map::building(one.data.clone());
        let _ = map::tenant(one.data);
    }
    let _ = decode::<One<Unit>>(input);
    let _ = decode::<One<wire::Tenant>>(input);
    // A created keychain, and a minted key, as a visitor pass is read from them.
    if let Some(keychain) = decode::<One<Keychain>>(input)
        && let Some(key) = decode::<One<VirtualKey>>(KEY_CREATED.as_bytes())
    {
        let pass = passes::response(keychain.data, key.data, asked());
        assert_eq!(pass.external.provider, map::PROVIDER);
    }
    if let Some(key) = decode::<One<VirtualKey>>(input)
        && let Some(keychain) = decode::<One<Keychain>>(KEYCHAIN_CREATED.as_bytes())
    {
        let pass = passes::response(keychain.data, key.data, asked());
        assert_eq!(
            pass.key.as_ref().map(|k| k.provider.as_str()),
            Some(map::PROVIDER)
        );
    }
    let _ = wire::error_body(input);
}

#[test]
fn no_reply_of_any_listing_or_record_makes_the_adapter_panic() {
    let n = fuzz::iterations(20_000);
    let tried = fuzz::run(
        &[
            BUILDINGS,
            TENANTS,
            UNITS,
            ACCESS_POINTS,
            KEYCHAINS,
            VIRTUAL_KEYS,
            BUILDING,
            KEYCHAIN_CREATED,
            KEY_CREATED,
            ERROR,
            UNAUTHORIZED,
        ],
        n,
        0xB0_77E5,
        read_reply,
    );
    eprintln!("butterflymx replies: {tried} inputs, no panic");
}

#[test]
fn no_token_reply_makes_the_adapter_panic() {
    let now = Utc::now();
    let n = fuzz::iterations(20_000);
    let tried = fuzz::run(
        &[TOKEN, TOKEN_STRING_LIFETIME, OAUTH_ERROR],
        n,
        0x70CE,
        |input| {
            // As `Keeper::grant` reads the token endpoint's reply.
            if let Some(reply) = decode::<TokenReply>(input) {
                let _ = reply.access_token.trim().is_empty();
                let _ = reply.lifetime_seconds();
                assert!(
                    expires_at(&reply, now) >= now,
                    "a token never expired before it came"
                );
            }
        },
    );
    eprintln!("butterflymx token replies: {tried} inputs, no panic");
}

#[test]
fn a_lifetime_too_large_for_a_date_is_read_as_the_documented_one() {
    // The fuzzer found `expires_in` of i64::MAX panicking (`TimeDelta::seconds out of bounds`).
    let now = Utc::now();
    for huge in ["9223372036854775807", "\"99999999999999\""] {
        let reply: TokenReply =
            serde_json::from_str(&format!(r#"{{"access_token":"a","expires_in":{huge}}}"#))
                .unwrap();
        assert_eq!(expires_at(&reply, now), now + chrono::Duration::hours(24));
    }
    let reply: TokenReply = serde_json::from_str(TOKEN).unwrap();
    assert_eq!(expires_at(&reply, now), now + chrono::Duration::hours(2));
}

#[test]
fn an_unreadable_record_is_a_typed_error_naming_it_and_the_others_are_read() {
    let page = TENANTS.replacen(
        r#"{"full_name":"Duncan Idaho","id":102,"first_name":"Duncan""#,
        r#"{"full_name":"Duncan Idaho","id":102,"first_name":7"#,
        1,
    );
    assert_ne!(page, TENANTS, "the seed holds the record made unreadable");
    let reply = decode::<List>(page.as_bytes()).unwrap();
    // As `list_tenants` maps a page.
    let tenants: Vec<_> = reply.data.into_iter().map(map::tenant).collect();
    assert_eq!(tenants.len(), 2);
    let bad = tenants[1].as_ref().unwrap_err();
    assert_eq!(bad.external, Some(ExternalRef::new(map::PROVIDER, "102")));
    assert!(!bad.message.contains("Duncan"), "{}", bad.message);
    let alia = tenants[0].as_ref().unwrap();
    assert_eq!(alia.name, "Alia Atreides");
}
