//! The PropertyIQ adapter's parsers, fuzzed (`concierge_contract::fuzz`): pages of schemes and
//! of a scheme's lots (with their owner and tenants) as PropertyIQ sends them (`{"items": […],
//! "offset", "limit", "total"}`), the lots merged into users, a single scheme and RFC 7807
//! error bodies, mutated; no input makes a parser panic, and a lot, owner or tenant that cannot
//! be read is a typed per-record error. The quick mode runs in the test suite; the long mode is
//! `CONCIERGE_FUZZ_ITERATIONS=10000000 cargo test --release -p concierge-propertyiq fuzz`.

use crate::map::{self, PROVIDER};
use crate::wire::{self, PageReply};
use chrono::NaiveDate;
use concierge_contract::fuzz;
use concierge_core::ExternalRef;
use serde::de::DeserializeOwned;
use serde_json::Value;

const SCHEMES: &str = r#"{"items":[{"schemeId":"s-1","schemeNumber":"SP 12345","name":"Harbour View","shortAddress":"1 Example St, Chatswood","longAddress":"1 Example Street, Chatswood NSW 2067","lotCount":2,"active":true},{"schemeId":"s-2","schemeNumber":null,"name":null,"shortAddress":null,"longAddress":"2 Example Street, Chatswood NSW 2067","lotCount":0,"active":false}],"offset":0,"limit":100,"total":2}"#;
const LOTS: &str = r#"{"items":[{"lotId":"l-1-1","schemeId":"s-1","plan":"SP 12345","buildingName":"Harbour View","lotNumber":1,"unitNumber":"101","address":"1 Example Street, Chatswood NSW 2067","unitEntitlement":25,"lastSettledDate":"2019-03-14","paidToDate":"2026-03-31","owner":{"ownerId":"o-1","name":"Jane Citizen","salutation":null,"contactPerson":null,"phone1":"02 9000 0000","phone2":null,"mobile":"0400 000 000","email":"jane@example.com","ownerOccupier":false,"committeeMember":true},"tenants":[{"tenantId":"t-1","name":"John Smith","email":"john@example.com","mobile":"0411 111 111","leaseStart":"2025-07-01","leaseEnd":"2026-06-30"}],"updatedAt":"2026-03-02T11:00:00Z"},{"lotId":"l-1-2","schemeId":"s-1","plan":"SP 12345","buildingName":"Harbour View","lotNumber":"2","unitNumber":102,"owner":{"ownerId":"o-1","name":"Jane Citizen","phone1":null,"phone2":"02 9000 0001","mobile":null,"email":"jane@example.com","ownerOccupier":true,"committeeMember":true},"tenants":[],"updatedAt":"2026-03-02T11:00:00Z"},{"lotId":"l-1-3","schemeId":"s-1","lotNumber":3,"unitNumber":null,"owner":{"ownerId":null,"name":"Sam Lee","email":"Sam@Example.com","ownerOccupier":null,"committeeMember":false},"tenants":[{"tenantId":"t-2","name":"Ana Ruiz","email":null,"mobile":null,"leaseStart":"2026-09-01","leaseEnd":null}]}],"offset":0,"limit":100,"total":3}"#;
const SCHEME: &str = r#"{"schemeId":"s-1","schemeNumber":"SP 12345","name":"Harbour View","shortAddress":"1 Example St, Chatswood","longAddress":"1 Example Street, Chatswood NSW 2067","lotCount":2,"active":true}"#;
const PROBLEM: &str = r#"{"type":"about:blank","title":"Forbidden","status":403,"detail":"The scheme is not shared with this client"}"#;

/// A reply decoded as the transport decodes it (`send_json`): a blank body is `null`.
fn decode<T: DeserializeOwned>(input: &[u8]) -> Option<T> {
    let body: &[u8] = if input.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        input
    };
    serde_json::from_slice(body).ok()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap_or_default()
}

/// Everything the adapter does with one reply of any listing or record.
fn read_reply(input: &[u8]) {
    let building = ExternalRef::new(PROVIDER, "s-1");
    // A page (`listing`): its items as `list_buildings` maps them, and as the lots
    // `list_users` merges into users, on days before, in and after the leases.
    if let Some(reply) = decode::<PageReply>(input) {
        for item in &reply.items {
            if let Err(e) = map::scheme(item.clone()) {
                assert!(!e.message.is_empty(), "an error says why");
            }
        }
        for today in [day("2026-03-01"), NaiveDate::MIN, NaiveDate::MAX] {
            for user in map::users(&building, reply.items.clone(), today) {
                if let Err(e) = user {
                    assert!(!e.message.is_empty(), "an error says why");
                }
            }
        }
    }
    // A single scheme (`get_building`).
    if let Some(value) = decode::<Value>(input) {
        let _ = map::scheme(value);
    }
    let _ = wire::error_body(input);
}

#[test]
fn no_page_of_schemes_or_lots_makes_the_adapter_panic() {
    let n = fuzz::iterations(20_000);
    let tried = fuzz::run(&[SCHEMES, LOTS, SCHEME, PROBLEM], n, 0x9109, read_reply);
    eprintln!("propertyiq pages: {tried} inputs, no panic");
}

#[test]
fn an_unreadable_record_is_a_typed_error_naming_it_and_the_others_are_read() {
    let page = LOTS.replacen(r#""ownerOccupier":true"#, r#""ownerOccupier":"yes""#, 1);
    assert_ne!(page, LOTS, "the seed holds the record made unreadable");
    let reply = decode::<PageReply>(page.as_bytes()).unwrap();
    // As `list_users` reads the lots of a scheme.
    let users = map::users(
        &ExternalRef::new(PROVIDER, "s-1"),
        reply.items,
        day("2026-03-01"),
    );
    let bad: Vec<_> = users.iter().filter_map(|u| u.as_ref().err()).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].external, Some(ExternalRef::new(PROVIDER, "l-1-2")));
    assert!(!bad[0].message.contains("Jane"), "{}", bad[0].message);
    let read: Vec<_> = users
        .iter()
        .filter_map(|u| u.as_ref().ok())
        .map(|u| u.external.id.as_str())
        .collect();
    assert_eq!(read, ["o-1", "t-1", "s-1:sam@example.com", "t-2"]);
}
