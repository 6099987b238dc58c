//! Residents' passwords: who keeps them ([`PasswordMode`]), the policy a new one must meet, and
//! its Argon2id hash (a PHC string), the only form in which it is ever stored.

use crate::error::{Error, Result, StoreError};
use crate::validate::Checks;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash as Phc;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The most characters a password may have.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Who keeps residents' passwords.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum PasswordMode {
    /// Concierge: activation sets the password, kept as an Argon2id hash in the account.
    #[default]
    Managed,
    /// The host's own identity provider: activation takes no password and returns the verified
    /// resident, for the host to create the login.
    External,
}

impl PasswordMode {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Records in `checks`, under `field`, every rule `password` breaks: 10 to 256 characters,
/// not only whitespace, not the resident's `email`. Messages name the rule, never the password.
pub fn check_password(checks: &mut Checks, field: &str, password: &str, email: Option<&str>) {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        checks.fail(
            field,
            format!("must be at least {MIN_PASSWORD_CHARS} characters long"),
        );
    } else if chars > MAX_PASSWORD_CHARS {
        checks.fail(
            field,
            format!("must be at most {MAX_PASSWORD_CHARS} characters long"),
        );
    }
    if password.trim().is_empty() {
        checks.fail(field, "must not be only whitespace");
    }
    if email.is_some_and(|e| e.trim().eq_ignore_ascii_case(password.trim())) {
        checks.fail(field, "must not be the resident's email address");
    }
}

/// An Argon2id hash of a password, as a PHC string (`$argon2id$v=19$…`). Not the password,
/// but still kept out of `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Hashes `password` with Argon2id (the crate's recommended parameters) and a random salt.
    /// Does not check the policy: see [`check_password`].
    pub fn create(password: &SecretString) -> Result<Self> {
        let hash = Argon2::default()
            .hash_password(password.expose_secret().as_bytes())
            .map_err(|e| {
                Error::Store(StoreError::Unavailable {
                    message: format!("the password could not be hashed: {e}"),
                })
            })?;
        Ok(Self(hash.to_string()))
    }

    /// Whether `password` is the one hashed.
    pub fn verify(&self, password: &str) -> bool {
        Phc::new(&self.0).is_ok_and(|phc| {
            Argon2::default()
                .verify_password(password.as_bytes(), &phc)
                .is_ok()
        })
    }

    /// The PHC string.
    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues(password: &str, email: Option<&str>) -> Vec<String> {
        let mut checks = Checks::new();
        check_password(&mut checks, "password", password, email);
        match checks.finish() {
            Ok(()) => vec![],
            Err(v) => v.issues.into_iter().map(|i| i.message).collect(),
        }
    }

    #[test]
    fn the_policy_names_the_rule_never_the_password() {
        assert!(issues("correct horse battery", Some("ada@example.org")).is_empty());
        assert_eq!(
            issues("short", None),
            ["must be at least 10 characters long"]
        );
        assert_eq!(
            issues(&"x".repeat(257), None),
            ["must be at most 256 characters long"]
        );
        assert!(issues(&"x".repeat(256), None).is_empty());
        assert_eq!(
            issues("            ", None),
            ["must not be only whitespace"]
        );
        assert_eq!(
            issues("Ada@Example.org", Some("ada@example.org")),
            ["must not be the resident's email address"]
        );
        // Ten characters, counted as characters, not bytes.
        assert!(issues("éééééééééé", None).is_empty());
    }

    #[test]
    fn a_hash_is_argon2id_verifies_only_its_password_and_is_never_printed() {
        let hash = PasswordHash::create(&SecretString::from("correct horse battery")).unwrap();
        assert!(hash.as_phc().starts_with("$argon2id$"));
        assert!(hash.verify("correct horse battery"));
        assert!(!hash.verify("correct horse batterz"));
        assert_eq!(format!("{hash:?}"), "PasswordHash(<redacted>)");
        let again = PasswordHash::create(&SecretString::from("correct horse battery")).unwrap();
        assert_ne!(hash, again, "a random salt each time");
    }
}
