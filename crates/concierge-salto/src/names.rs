//! Nebula resource names, the user id of an encoding intent, and route templates.

use concierge_http::encode_path_segment;
use sha2::{Digest, Sha256};

/// The longest resource id Nebula (AIP-122) accepts.
pub(crate) const MAX_ID_LEN: usize = 63;
/// Hex digits of the SHA-256 kept in a hashed user id (64 bits).
const HASH_HEX_LEN: usize = 16;

/// A placeholder of a route template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placeholder {
    Installation,
    User,
    CardKey,
    Operation,
    Encoder,
}

impl Placeholder {
    const ALL: [Placeholder; 5] = [
        Placeholder::Installation,
        Placeholder::User,
        Placeholder::CardKey,
        Placeholder::Operation,
        Placeholder::Encoder,
    ];

    fn name(self) -> &'static str {
        match self {
            Placeholder::Installation => "installation",
            Placeholder::User => "user",
            Placeholder::CardKey => "card_key",
            Placeholder::Operation => "operation",
            Placeholder::Encoder => "encoder",
        }
    }
}

/// What is wrong with `template`, if anything: it must start with `/`, have balanced braces and
/// use only the placeholders in `known`.
pub(crate) fn template_problem(template: &str, known: &[Placeholder]) -> Option<String> {
    if !template.starts_with('/') {
        return Some(format!("{template:?} must start with '/'"));
    }
    if template.contains(['?', '#']) {
        return Some(format!("{template:?} must not contain a query or fragment"));
    }
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Some(format!("{template:?} has an unmatched '}}'"));
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Some(format!("{template:?} has an unmatched '{{'"));
        };
        let name = &after[..close];
        let allowed = known.iter().any(|p| p.name() == name);
        if !allowed {
            let names: Vec<String> = known.iter().map(|p| format!("{{{}}}", p.name())).collect();
            return Some(format!(
                "{{{name}}} is not a placeholder of this route (it knows {})",
                names.join(", ")
            ));
        }
        rest = &after[close + 1..];
    }
    None
}

/// The values of a template's placeholders.
#[derive(Default)]
pub(crate) struct Values<'a> {
    pub(crate) installation: Option<&'a str>,
    pub(crate) user: Option<&'a str>,
    pub(crate) card_key: Option<&'a str>,
    pub(crate) operation: Option<&'a str>,
    pub(crate) encoder: Option<&'a str>,
}

impl Values<'_> {
    fn get(&self, p: Placeholder) -> Option<&str> {
        match p {
            Placeholder::Installation => self.installation,
            Placeholder::User => self.user,
            Placeholder::CardKey => self.card_key,
            Placeholder::Operation => self.operation,
            Placeholder::Encoder => self.encoder,
        }
    }
}

/// `template` with its placeholders replaced by `values`, each path segment of a value
/// percent-encoded. The template was checked by [`template_problem`]; a placeholder without a
/// value (a route using one it does not know) becomes empty.
pub(crate) fn render(template: &str, values: &Values<'_>) -> String {
    let mut out = template.to_string();
    for p in Placeholder::ALL {
        let token = format!("{{{}}}", p.name());
        if out.contains(&token) {
            let value = values.get(p).map(encode_name).unwrap_or_default();
            out = out.replace(&token, &value);
        }
    }
    out
}

/// A resource name with each segment percent-encoded and the `/` between them kept.
fn encode_name(name: &str) -> String {
    name.split('/')
        .map(encode_path_segment)
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `id` is a valid resource id: `^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`.
pub(crate) fn is_resource_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_ID_LEN
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1] != b'-'
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// The Nebula user id of an encoding intent: one user per idempotency key, so a holder in two
/// units, or a replacement key, is always another user (R-KEY-3), and a retry of the same
/// intent lands on the same user (R-KEY-4).
///
/// A key that is already a valid resource id (lower-case letters, digits and dashes, starting
/// with a letter, at most 63 characters) is used as it is. Any other key is sanitised (lower
/// case, other characters become dashes) to a stem of at most 46 characters, followed by a dash
/// and 16 hex digits of the SHA-256 of the original key: sanitising alone would merge `Intent_1`
/// and `intent-1` into one user.
pub(crate) fn user_id(idempotency_key: &str) -> String {
    if is_resource_id(idempotency_key) {
        return idempotency_key.to_string();
    }
    let mut stem = String::with_capacity(idempotency_key.len());
    for c in idempotency_key.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            stem.push(c);
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
    }
    if !stem.starts_with(|c: char| c.is_ascii_lowercase()) {
        stem.insert_str(0, "k-");
    }
    stem.truncate(MAX_ID_LEN - 1 - HASH_HEX_LEN);
    let stem = stem.trim_end_matches('-');
    let digest = Sha256::digest(idempotency_key.as_bytes());
    let hash: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let id = format!("{stem}-{}", &hash[..HASH_HEX_LEN]);
    debug_assert!(is_resource_id(&id), "{id}");
    id
}

/// `installations/{i}/users/{u}`.
pub(crate) fn user_name(installation: &str, user_id: &str) -> String {
    format!("installations/{installation}/users/{user_id}")
}

/// `installations/{i}/users/{u}/card-key`.
pub(crate) fn card_key_name(user_name: &str) -> String {
    format!("{user_name}/card-key")
}

/// The user name of a card key name of `installation`, or why it is not one.
pub(crate) fn user_of_card_key(installation: &str, name: &str) -> Result<String, String> {
    let parts: Vec<&str> = name.split('/').collect();
    match parts.as_slice() {
        ["installations", i, "users", u, "card-key"] if !i.is_empty() && !u.is_empty() => {
            if *i != installation {
                Err(format!(
                    "the card key {name} belongs to another installation than {installation}"
                ))
            } else {
                Ok(user_name(i, u))
            }
        }
        _ => Err(format!(
            "{name:?} is not a card key name (installations/{{i}}/users/{{u}}/card-key)"
        )),
    }
}

/// The encoder name of an encoder id or name of `installation`, or why it is not one.
pub(crate) fn encoder_name(installation: &str, id: &str) -> Result<String, String> {
    if id.is_empty() {
        return Err("the encoder id is empty".into());
    }
    if !id.contains('/') {
        return Ok(format!("installations/{installation}/encoders/{id}"));
    }
    let parts: Vec<&str> = id.split('/').collect();
    match parts.as_slice() {
        ["installations", i, "encoders", e] if !i.is_empty() && !e.is_empty() => {
            if *i != installation {
                Err(format!(
                    "the encoder {id} belongs to another installation than {installation}"
                ))
            } else {
                Ok(id.to_string())
            }
        }
        _ => Err(format!(
            "{id:?} is not an encoder name (installations/{{i}}/encoders/{{e}}) or id"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_that_is_already_a_resource_id_is_the_user_id() {
        assert_eq!(user_id("intent-1"), "intent-1");
        assert_eq!(user_id("a"), "a");
        let max = format!("a{}", "b".repeat(62));
        assert_eq!(user_id(&max), max);
    }

    #[test]
    fn other_keys_are_sanitised_and_hashed_into_valid_distinct_ids() {
        let keys = [
            "intent_0123456789abcdef0123456789abcdef",
            "Intent-1",
            "intent-1-",
            "INTENT_1",
            "intent.1",
            "1-intent",
            "---",
            "",
            "ключ/ü",
            &"x".repeat(64),
            &"y/".repeat(200),
        ];
        let ids: Vec<String> = keys.iter().map(|k| user_id(k)).collect();
        for (k, id) in keys.iter().zip(&ids) {
            assert!(is_resource_id(id), "{k:?} -> {id:?}");
            assert_eq!(&user_id(k), id, "deterministic");
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        assert!(!ids.contains(&"intent-1".to_string()));
        assert!(ids[0].starts_with("intent-0123456789abcdef"), "{}", ids[0]);
        assert!(ids[5].starts_with("k-1-intent-"), "{}", ids[5]);
    }

    #[test]
    fn templates_are_rendered_with_each_segment_encoded() {
        let values = Values {
            installation: Some("inst 1"),
            card_key: Some("installations/inst 1/users/u?1/card-key"),
            ..Values::default()
        };
        assert_eq!(
            render("/{card_key}:encode", &values),
            "/installations/inst%201/users/u%3F1/card-key:encode"
        );
        assert_eq!(
            render("/installations/{installation}/users", &values),
            "/installations/inst%201/users"
        );
    }

    #[test]
    fn card_key_and_encoder_names_must_be_of_the_installation() {
        assert_eq!(
            user_of_card_key("i1", "installations/i1/users/u1/card-key").unwrap(),
            "installations/i1/users/u1"
        );
        assert!(user_of_card_key("i1", "installations/i2/users/u1/card-key").is_err());
        assert!(user_of_card_key("i1", "installations/i1/users/u1").is_err());
        assert!(user_of_card_key("i1", "salto-key-1").is_err());
        assert_eq!(
            encoder_name("i1", "e1").unwrap(),
            "installations/i1/encoders/e1"
        );
        assert_eq!(
            encoder_name("i1", "installations/i1/encoders/e1").unwrap(),
            "installations/i1/encoders/e1"
        );
        assert!(encoder_name("i1", "installations/i2/encoders/e1").is_err());
        assert!(encoder_name("i1", "encoders/e1").is_err());
        assert!(encoder_name("i1", "").is_err());
    }
}
