//! The Buildium adapter's parsers and the webhook parser, fuzzed (`concierge_contract::fuzz`):
//! pages of rentals, units, leases and tenants as Buildium sends them, error bodies and webhook
//! deliveries, mutated, and pages generated from Buildium's own schemas (`spec/`), as generated
//! and mutated; no input makes a parser panic, and a record that cannot be read is a typed
//! per-record error. The quick mode runs in the test suite; the long mode is
//! `CONCIERGE_FUZZ_ITERATIONS=10000000 cargo test --release -p concierge-buildium fuzz`.

use crate::config::BuildiumConfig;
use crate::map::{self, FirstLease, PageContext};
use crate::webhook::{sign, verify};
use crate::wire::api_error;
use concierge_contract::fuzz;
use concierge_http::SecretString;
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};

const RENTALS: &str = r#"[{"Id":1001,"Name":"Harbour View","Address":{"AddressLine1":"1 Quay St"}},{"Id":1002,"Name":null}]"#;
const UNITS: &str = r#"[{"Id":5001,"PropertyId":1001,"BuildingName":"Tower A","UnitNumber":"1204"},{"Id":5002,"PropertyId":1001,"BuildingName":"","UnitNumber":"G01"}]"#;
const LEASES: &str = r#"[{"Id":9001,"PropertyId":1001,"UnitId":5001,"LeaseFromDate":"2026-01-01","LeaseToDate":"2026-12-31","LeaseStatus":"Active","AutomaticallyMoveOutTenants":true,"LastUpdatedDateTime":"2026-02-03T04:05:06Z","CurrentTenants":[{"Id":7001,"FirstName":"Ada","LastName":"Lovelace","Email":"ada@example.org","PhoneNumbers":[{"Number":"0400 000 000","Type":"Cell"}],"Leases":[{"Id":9001,"PropertyId":1001}]}],"Tenants":[{"Id":7001,"Status":"Active","MoveInDate":"2026-01-01"},{"Id":7002,"Status":"Past","MoveInDate":"2025-01-01"}],"MoveOutData":[{"TenantId":7002,"MoveOutDate":"2025-12-31"}]}]"#;
const TENANTS: &str = r#"[{"Id":7002,"FirstName":"Grace","LastName":"Hopper","Email":"grace@example.org","PhoneNumbers":[{"Number":"0411 111 111"}],"Leases":[{"Id":9001,"PropertyId":1001},{"Id":8001,"PropertyId":1001}]}]"#;
const ERROR: &str = r#"{"UserMessage":"Validation failed","ErrorCode":"InvalidRequest","Errors":[{"Key":"limit","Value":"must be 1000 or less"}]}"#;
const WEBHOOK: &str = r#"{"EventName":"Lease.Created","EventDateTime":"2026-12-07T10:00:00Z","AccountId":7,"LeaseId":12,"UnitId":34,"TenantId":56}"#;

/// The items of a page, when the input is a JSON array.
fn items(input: &[u8]) -> Vec<Box<RawValue>> {
    serde_json::from_slice::<Vec<Box<RawValue>>>(input).unwrap_or_default()
}

/// Everything the adapter does with one page of any resource.
fn parse_everything(input: &[u8]) {
    let config = BuildiumConfig::new("client", SecretString::from("secret"));
    let page = items(input);
    for raw in &page {
        let _ = map::property(raw);
        let _ = map::unit(raw, &config, Some(1001));
        let _ = map::tenant(raw);
    }
    let leases: Vec<_> = page.iter().map(|raw| map::lease(raw, Some(1001))).collect();
    let fetched: HashMap<i64, Result<map::Tenant, String>> = page
        .iter()
        .filter_map(|raw| map::tenant(raw).ok().map(|t| (t.id, Ok(t))))
        .collect();
    let (firsts, _) = map::firsts_in_listing(&leases, None);
    for first in [
        FirstLease::LookedUp,
        FirstLease::Listed(firsts),
        FirstLease::Listed(HashSet::new()),
    ] {
        let context = PageContext::new(&config, &fetched, first, &leases);
        for lease in leases.iter().flatten() {
            for resident in context.residents(lease) {
                if let Err(e) = resident {
                    assert!(!e.message.is_empty(), "an error says why");
                }
            }
        }
    }
    let _ = api_error(input);
}

#[test]
fn no_page_of_any_resource_makes_the_adapter_panic() {
    let n = fuzz::iterations(20_000);
    let tried = fuzz::run(
        &[RENTALS, UNITS, LEASES, TENANTS, ERROR],
        n,
        0xB11D,
        parse_everything,
    );
    eprintln!("buildium pages: {tried} inputs, no panic");
}

/// The messages the adapter reads, as Buildium's OpenAPI document declares them.
fn vendor_schemas() -> serde_json::Value {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../spec/buildium-schemas.json")).expect("schemas");
    doc["schemas"].clone()
}

const MESSAGES: [&str; 5] = [
    "RentalMessage",
    "RentalUnitMessage",
    "LeaseMessage",
    "TenantMessage",
    "ApiErrorResponse",
];

#[test]
fn no_page_generated_from_buildium_schemas_makes_the_adapter_panic() {
    let n = fuzz::iterations(20_000);
    let tried = fuzz::run_generated(&vendor_schemas(), &MESSAGES, n, 0x5C4E, parse_everything);
    eprintln!("buildium pages from the vendor's schemas: {tried} inputs, no panic");
}

#[test]
fn records_generated_from_buildium_schemas_are_mostly_read() {
    // The generator is worth running only if what it makes is what the adapter reads: records
    // shaped by the schema (ids present and in range) decode, the others are typed errors.
    let schemas = vendor_schemas();
    let config = BuildiumConfig::new("client", SecretString::from("secret"));
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7);
    let (mut read, mut refused) = (0, 0);
    for _ in 0..500 {
        for name in ["LeaseMessage", "RentalUnitMessage", "TenantMessage"] {
            let record = concierge_contract::schema_gen::instance(&schemas, name, &mut rng);
            let raw = RawValue::from_string(record.to_string()).expect("json");
            let decoded = match name {
                "LeaseMessage" => map::lease(&raw, Some(1001))
                    .map(drop)
                    .map_err(|e| e.message),
                "TenantMessage" => map::tenant(&raw).map(drop),
                _ => map::unit(&raw, &config, Some(1001))
                    .map(drop)
                    .map_err(|e| e.message),
            };
            match decoded {
                Ok(()) => read += 1,
                Err(why) => {
                    assert!(!why.is_empty(), "an error says why");
                    refused += 1;
                }
            }
        }
    }
    assert!(read > refused, "read {read}, refused {refused}");
}

#[test]
fn an_unreadable_record_is_a_typed_error_naming_it_and_the_others_are_read() {
    let page = format!(
        "[{},{}]",
        r#"{"Id":5003,"PropertyId":"not a number","UnitNumber":7}"#,
        &UNITS[1..UNITS.len() - 1]
    );
    let config = BuildiumConfig::new("client", SecretString::from("secret"));
    let units: Vec<_> = items(page.as_bytes())
        .iter()
        .map(|raw| map::unit(raw, &config, Some(1001)))
        .collect();
    let bad = units[0].as_ref().unwrap_err();
    assert_eq!(bad.external.as_ref().map(|e| e.id.as_str()), Some("5003"));
    assert!(units[1..].iter().all(Result::is_ok));
}

#[test]
fn no_webhook_delivery_makes_the_parser_panic() {
    let secret = SecretString::from("whsec-fuzz");
    let now = chrono::Utc::now();
    let ts = now.timestamp().to_string();
    let n = fuzz::iterations(20_000);
    let tried = fuzz::run(&[WEBHOOK], n, 0x57EB, |body| {
        // Signed, so the body is read; and unsigned, so the signature check is.
        let sig = sign(&secret, &ts, body);
        let _ = verify(
            &secret,
            Some(&ts),
            Some(&sig),
            body,
            now,
            std::time::Duration::from_secs(300),
        );
        let text = String::from_utf8_lossy(body);
        let _ = verify(
            &secret,
            Some(&text),
            Some(&text),
            body,
            now,
            std::time::Duration::from_secs(300),
        );
    });
    eprintln!("buildium webhooks: {tried} inputs, no panic");
}
