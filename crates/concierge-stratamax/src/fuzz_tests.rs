//! The StrataMax adapter's parsers, fuzzed (`concierge_contract::fuzz`): pages of buildings
//! and of a building's contacts as StrataMax sends them (`{"data": […], "page", "pageSize",
//! "totalCount"}`), with the next page worked out from them, a single building and error
//! bodies, mutated; no input makes a parser panic, and a record that cannot be read is a typed
//! per-record error. The quick mode runs in the test suite; the long mode is
//! `CONCIERGE_FUZZ_ITERATIONS=10000000 cargo test --release -p concierge-stratamax fuzz`.

use crate::config::StrataMaxConfig;
use crate::map::{self, PROVIDER};
use crate::next_cursor;
use crate::wire::{self, PageReply};
use concierge_contract::fuzz;
use concierge_core::ExternalRef;
use concierge_http::SecretString;
use serde::de::DeserializeOwned;
use serde_json::Value;

const BUILDINGS: &str = r#"{"data":[{"buildingId":"b-1","planNumber":"CTS 12345","name":"Harbour View","status":"Active","lotCount":2,"lastUploadedAt":"2026-01-31T14:05:00+10:00","address":{"line1":"1 Example St","suburb":"Brisbane City","state":"QLD","postcode":"4000"}},{"buildingId":"b-2","planNumber":"CTS 678","name":null,"status":"Lost","lotCount":0,"lastUploadedAt":"2026-01-31T14:05:00+10:00","address":null}],"page":1,"pageSize":100,"totalCount":2}"#;
const CONTACTS: &str = r#"{"data":[{"contactId":"c-1","buildingId":"b-1","lots":[{"lotNumber":"1","unitNumber":"101"},{"lotNumber":"12","unitNumber":null}],"roles":["Owner"],"ownerOccupied":true,"committee":{"member":true,"position":"Chair"},"name":"Jane Citizen","salutation":null,"email":"jane@example.com; jane.c@example.org","mobile":"0400 000 000","phone":null,"tenancy":null,"updatedAt":"2026-01-30T09:12:00+10:00"},{"contactId":"c-2","buildingId":"b-1","lots":[{"lotNumber":"2","unitNumber":"102"}],"roles":["Tenant"],"ownerOccupied":null,"committee":{"member":false,"position":null},"name":"John Smith","salutation":null,"email":"john@example.com","mobile":null,"phone":"07 3000 0000","tenancy":{"moveInDate":"2025-07-01","moveOutDate":"2026-06-30","propertyManager":{"name":"Example Realty","email":"pm@example.com"}},"updatedAt":"2026-01-30T09:12:00+10:00"},{"contactId":"c-3","buildingId":"b-1","lots":[{"lotNumber":3,"unitNumber":103}],"roles":["Agent"],"ownerOccupied":null,"committee":{"member":false,"position":null},"name":"Example Realty","email":"pm@example.com","tenancy":null}],"page":2,"pageSize":3,"totalCount":9}"#;
const BUILDING: &str = r#"{"buildingId":"b-1","planNumber":"CTS 12345","name":"Harbour View","status":"Active","lotCount":2,"lastUploadedAt":"2026-01-31T14:05:00+10:00","address":{"line1":"1 Example St","suburb":"Brisbane City","state":"QLD","postcode":"4000"}}"#;
const ERROR: &str = r#"{"error":{"code":"invalid_api_key","message":"The API key is not valid"}}"#;

/// A reply decoded as the transport decodes it (`send_json`): a blank body is `null`.
fn decode<T: DeserializeOwned>(input: &[u8]) -> Option<T> {
    let body: &[u8] = if input.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        input
    };
    serde_json::from_slice(body).ok()
}

/// Everything the adapter does with one reply of any listing or record.
fn read_reply(input: &[u8]) {
    let config = StrataMaxConfig::new(SecretString::from("key"));
    let building = ExternalRef::new(PROVIDER, "b-1");
    // A page (`listing`), as the first, a second and a later page; its records as
    // `list_buildings` and `list_users` map them.
    if let Some(reply) = decode::<PageReply>(input) {
        for page in [1, 2, 50] {
            let _ = next_cursor(&reply, page, u64::from(config.page_size));
        }
        for item in reply.data {
            if let Err(e) = map::building(&config, item.clone()) {
                assert!(!e.message.is_empty(), "an error says why");
            }
            if let Some(Err(e)) = map::contact(&config, &building, item) {
                assert!(!e.message.is_empty(), "an error says why");
            }
        }
    }
    // A single building (`get_building`).
    if let Some(value) = decode::<Value>(input) {
        let _ = map::building(&config, value);
    }
    let _ = wire::error_body(input);
}

#[test]
fn no_page_of_buildings_or_contacts_makes_the_adapter_panic() {
    let n = fuzz::iterations(20_000);
    let tried = fuzz::run(
        &[BUILDINGS, CONTACTS, BUILDING, ERROR],
        n,
        0x57A7A,
        read_reply,
    );
    eprintln!("stratamax pages: {tried} inputs, no panic");
}

#[test]
fn an_unreadable_record_is_a_typed_error_naming_it_and_the_others_are_read() {
    let page = CONTACTS.replacen(r#""ownerOccupied":true"#, r#""ownerOccupied":"yes""#, 1);
    assert_ne!(page, CONTACTS, "the seed holds the record made unreadable");
    let config = StrataMaxConfig::new(SecretString::from("key"));
    let building = ExternalRef::new(PROVIDER, "b-1");
    let reply = decode::<PageReply>(page.as_bytes()).unwrap();
    // As `list_users` maps a page: the agent (no role of interest) is left out.
    let users: Vec<_> = reply
        .data
        .into_iter()
        .filter_map(|v| map::contact(&config, &building, v))
        .collect();
    assert_eq!(users.len(), 2);
    let bad = users[0].as_ref().unwrap_err();
    assert_eq!(bad.external, Some(ExternalRef::new(PROVIDER, "c-1")));
    assert!(!bad.message.contains("Jane"), "{}", bad.message);
    let john = users[1].as_ref().unwrap();
    assert_eq!(john.display_name, "John Smith");
}

#[test]
fn a_page_size_too_large_to_count_ends_the_listing() {
    // The fuzzer found `pageSize` of i64::MAX on a third page overflowing the records seen.
    let reply =
        decode::<PageReply>(br#"{"data":[{}],"pageSize":9223372036854775807,"totalCount":9}"#)
            .unwrap();
    assert!(next_cursor(&reply, 3, 100).is_none());
    let reply = decode::<PageReply>(CONTACTS.as_bytes()).unwrap();
    assert_eq!(next_cursor(&reply, 2, 100).map(|c| c.0), Some("3".into()));
    assert!(next_cursor(&reply, 3, 100).is_none());
}
